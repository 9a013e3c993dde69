"""A text field with a limit says it before typing and counts as one types (issue 14): the
browser never cuts a pasted text short, and going over the limit is shown and announced."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_keyboard import _launch_tool_page

pytestmark = pytest.mark.browser


def test_the_counter_follows_the_typing_and_nothing_is_cut(signed_in):
    from playwright.sync_api import expect

    context, page = _launch_tool_page(signed_in, "Francesca Moretti")
    page.get_by_role("link", name="My mentor profile").first.click()
    bio, counter = page.locator("#bio"), page.locator("#bio-count")
    limit = int(bio.get_attribute("data-limit"))
    expect(page.locator("#bio-limit")).to_have_text(f"Up to {limit:,} characters.")
    assert bio.get_attribute("maxlength") is None
    assert "bio-count" in bio.get_attribute("aria-describedby")

    bio.fill("")
    bio.press_sequentially("Hello")
    expect(counter).to_have_text(f"5 of {limit:,} characters")
    bio.fill("x" * (limit + 3))  # a paste longer than the limit
    assert len(bio.input_value()) == limit + 3  # kept whole: the server says what is too long
    expect(counter).to_have_text(f"{limit + 3:,} of {limit:,} characters")
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    expect(page.locator("#bio-live")).to_contain_text(f"at most {limit:,} characters")

    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("#bio-error")).to_contain_text(f"{limit}")  # refused, the limit named
    context.close()
