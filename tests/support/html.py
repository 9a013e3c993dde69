"""Read what a test needs out of a rendered page."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.forms: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "input" and "name" in attributes:
            self.values[attributes["name"]] = attributes.get("value", "")
        if tag == "form":
            self.forms.append(attributes)


def input_values(page: str) -> dict[str, str]:
    """Return the name → value of every input of a page."""
    parser = _Inputs()
    parser.feed(page)
    return parser.values


def form_attributes(page: str) -> list[dict[str, str]]:
    """Return the attributes of every form of a page."""
    parser = _Inputs()
    parser.feed(page)
    return parser.forms


def session_token(client: Any, read: Callable[[], str]) -> str:
    """The CSRF token of the test client's session, ``read()`` from a page with a form once per
    session: the tool's tokens never expire (``WTF_CSRF_TIME_LIMIT`` is None) while the session's
    secret stays the same, so a new launch (a new secret) reads a new one."""
    tokens: dict[str, str] = client.__dict__.setdefault("_csrf_tokens", {})
    secret = _csrf_secret(client)
    if secret in tokens:
        return tokens[secret]
    token = read()
    tokens[_csrf_secret(client)] = token
    return token


def _csrf_secret(client: Any) -> str:
    with client.session_transaction() as session:
        return str(session.get("csrf_token"))
