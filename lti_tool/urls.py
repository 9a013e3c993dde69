"""Absolute URLs an LMS sees: built from the configured public base URL, not the request."""

from __future__ import annotations

from typing import Any

from flask import current_app


def public_url(endpoint: str, **values: Any) -> str:
    """Return the public absolute URL of an endpoint (what admins paste and platforms call).

    Works with or without a request (CLI), and never doubles a path prefix of the base URL.
    """
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    adapter = current_app.url_map.bind("tool.invalid", script_name="/")
    return base + adapter.build(endpoint, values)
