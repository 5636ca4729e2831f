"""Municipality profile (市町村カルテ)."""

from dashboard.ui import filters, render

render.profile(filters.current())
