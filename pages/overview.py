"""Overview (トップ): every plan target at a glance."""

from dashboard.ui import filters, render

render.overview(filters.current())
