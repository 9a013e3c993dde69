"""A ``requests`` transport adapter that answers from an in-process WSGI application.

The tool sends every platform call through one ``requests`` session; mounting this adapter on a
host routes that host to a test platform without sockets, while the tool's code stays unchanged.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import Client


class WSGITransport(BaseAdapter):
    """Answer requests from a WSGI application (a Flask app of a test platform)."""

    def __init__(self, wsgi_app: Any) -> None:
        super().__init__()
        self.client = Client(wsgi_app)
        self.calls: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Run the request through the WSGI app and wrap its answer as a requests response."""
        self.calls.append(request)
        body = request.body
        if isinstance(body, str):
            body = body.encode()
        url = urlsplit(request.url or "")
        answer = self.client.open(
            url.path + ("?" + url.query if url.query else ""),
            base_url=f"{url.scheme}://{url.netloc}",
            method=request.method,
            headers=dict(request.headers),
            data=body or b"",
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers)
        response.raw = BytesIO(answer.get_data())
        response._content = answer.get_data()
        response.url = request.url or ""
        response.request = request
        response.reason = answer.status.partition(" ")[2]
        return response

    def close(self) -> None:
        """Nothing to release."""
