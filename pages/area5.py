"""Policy area 5 page (the shared area renderer)."""

from dashboard.ui import filters, render

render.area(filters.current(), "5")
