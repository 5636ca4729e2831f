"""Policy area 3 page (the shared area renderer)."""

from dashboard.ui import filters, render

render.area(filters.current(), "3")
