"""Streamlit helpers shared by the pages: cached data, filters, banner, chart and table rendering."""
