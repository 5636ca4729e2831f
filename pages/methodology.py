"""Data and methodology (データと指標の説明)."""

from dashboard.ui import filters, render

render.methodology(filters.current())
