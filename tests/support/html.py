"""Read what a test needs out of a rendered page."""

from __future__ import annotations

from html.parser import HTMLParser


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
