"""The floor of the serving benchmark: a minimal Streamlit app, one sidebar selectbox and one Plotly chart.

Served from the project root, so with the project's own .streamlit/config.toml, it is what Streamlit itself
costs per run and per session on this machine; bench/floor.py sets every page's figures beside it, in the
same run. The place comes from the URL (?place=CODE) as on the dashboard, so the load client drives both
the same way. Nothing is cached and nothing is read from disk: the floor is Streamlit, not data work.

With ?table=1 it also draws one interactive table (st.dataframe, ten rows, a progress column, as a page's
progress table): the browser's first render of that variant says how much of a page's first render is the
table's own code (the browser loads and runs ~1.3 MB more JavaScript for it), not the page's work.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

# Gunma's place codes (prefecture, 老人福祉圏域, municipalities), written out: reading them would be data work.
PLACES = ["10000", *[f"K{i:02d}" for i in range(1, 11)], *[f"102{i:02d}" for i in range(1, 13)],
          "10344", "10345", "10366", "10367", "10382", "10383", "10384", "10421", "10424", "10425", "10426",
          "10428", "10429", "10443", "10444", "10448", "10449", "10464", "10521", "10522", "10523", "10524", "10525"]

# In the sidebar, following the URL and written back to it, as the dashboard's place filter: the load client
# changes the place through the URL, bench/redraw.py through the widget. (Keyed: a keyless selectbox whose
# index follows the URL becomes a new widget each time the URL changes, and drops the user's pick.)
wanted = st.query_params.get("place", PLACES[0])
if st.session_state.get("url_place") != wanted:
    st.session_state.place = st.session_state.url_place = wanted if wanted in PLACES else PLACES[0]
place = st.sidebar.selectbox("place", PLACES, key="place")
st.query_params["place"] = st.session_state.url_place = place
seed = sum(map(ord, place))
years = list(range(2017, 2025))
fig = go.Figure(go.Bar(x=years, y=[(seed * (i + 3)) % 97 for i in range(len(years))]))
st.plotly_chart(fig, key="floor_chart", width="stretch")
if st.query_params.get("table"):
    rows = range(10)
    st.dataframe({"target": [f"target {i}" for i in rows], "share": [(seed * (i + 7)) % 120 / 100 for i in rows],
                  "value": [(seed * (i + 5)) % 997 for i in rows]}, hide_index=True, width="stretch",
                 column_config={"share": st.column_config.ProgressColumn("share", min_value=0, max_value=1.2)})
