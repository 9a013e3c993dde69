"""Serving a WSGI app on a real port in the background, for the tests that need real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    """No access-log line per request: a test reads what it needs from its app, and a late
    answer (a fault test's delayed reply) logged nothing after pytest had closed its output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def serving(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the WSGI app threaded while the block runs; yield its base URL."""
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    # Polled often, so shutting it down takes a moment, not the default half second.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
