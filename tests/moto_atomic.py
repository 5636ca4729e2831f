"""moto's S3 server for the tests, with one request at a time inside the app.

S3 makes a conditional PutObject atomic. moto's server is threaded and checks If-Match, then writes, so two
writers holding the same ETag could both pass the check (seen: 39 of 40 concurrent publishes in the manifest).
A lock around each request gives moto S3's guarantee; connections are still accepted on threads.

Usage: python -m tests.moto_atomic HOST PORT
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


def atomic(app: Callable[..., Iterable[bytes]]) -> Callable[..., list[bytes]]:
    """The WSGI app with each request (its check and its write) handled whole before the next."""
    lock = threading.Lock()

    def call(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with lock:
            return list(app(environ, start_response))

    return call


if __name__ == "__main__":
    run_simple(sys.argv[1], int(sys.argv[2]), atomic(DomainDispatcherApplication(create_backend_app)),
               threaded=True, request_handler=MotoRequestHandler)
