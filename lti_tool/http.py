"""One ``requests`` session per process for every call to a platform, with timeouts and retries."""

from __future__ import annotations

from typing import Any

import requests
from flask import Flask, current_app
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

USER_AGENT = "lti-mentoring-tool"
EXTENSION_KEY = "lti_tool.http"


class TimeoutSession(requests.Session):
    """A session that applies a default timeout to requests that set none."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.headers["User-Agent"] = USER_AGENT
        # Retry idempotent calls on connection errors and 502/503/504; never retry a POST,
        # a score or a registration could be recorded twice.
        retries = Retry(
            total=2, backoff_factor=0.3, status_forcelist=(502, 503, 504), allowed_methods=["GET"]
        )
        self.mount("https://", HTTPAdapter(max_retries=retries))
        self.mount("http://", HTTPAdapter(max_retries=retries))

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        """Send the request with the session's timeout unless the caller gave one."""
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Create the application's shared session."""
    app.extensions[EXTENSION_KEY] = TimeoutSession(app.config["HTTP_TIMEOUT_SECONDS"])


def session() -> requests.Session:
    """Return the session every platform call goes through (tests route it in-process)."""
    return current_app.extensions[EXTENSION_KEY]
