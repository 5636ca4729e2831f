"""A Plotly figure as PNG through kaleido and Debian chromium, Japanese in Noto Sans CJK JP.

One kaleido export server per process, started on first use (a cold export starts a browser, ~2 s; with the
server running ~0.15 s per image)."""

from __future__ import annotations

import copy
import os
import shutil
import threading
import warnings

import plotly.graph_objects as go

from dashboard.export.meta import EXPORT_FONT

_server_lock = threading.Lock()
_server_started = False


def ensure_server() -> None:
    """Start this process's kaleido export server once (later calls return at once)."""
    global _server_started
    with _server_lock:
        if _server_started:
            return
        import kaleido

        if not os.environ.get("BROWSER_PATH"):
            chromium = shutil.which("chromium") or "/usr/bin/chromium"
            if os.path.exists(chromium):
                os.environ["BROWSER_PATH"] = chromium
        kaleido.start_sync_server(silence_warnings=True)
        _server_started = True


def for_export(fig: go.Figure, font_family: str = EXPORT_FONT) -> go.Figure:
    """A copy of the figure with the export font (the browser's CSS font list does not apply)."""
    out = go.Figure(copy.deepcopy(fig.to_dict()))
    out.update_layout(font_family=font_family)
    return out


def png(fig: go.Figure, width: int = 1200, height: int | None = None, scale: float = 1.0,
        font_family: str = EXPORT_FONT) -> bytes:
    """The figure as PNG bytes of width×height (times scale) pixels; height defaults to the figure's."""
    ensure_server()
    h = height or (int(fig.layout.height) if fig.layout.height else 600)
    with warnings.catch_warnings():
        # plotly passes kaleido options that a running server ignores; the warning is noise
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        data: bytes = for_export(fig, font_family).to_image(format="png", width=width, height=h, scale=scale)
    return data


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG header (IHDR), checking the signature."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def font_sizes(fig: go.Figure) -> list[float]:
    """Every font size (px) a figure sets, layout and traces (for checking what prints)."""
    found: list[float] = []

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "size" and key.endswith("font") and isinstance(v, (int, float)):
                    found.append(float(v))
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)

    walk(fig.to_dict())
    return found
