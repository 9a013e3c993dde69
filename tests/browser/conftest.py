"""What the browser tests share, once per test process (each xdist worker has its own).

- ``playwright``: the Playwright driver, started once (a sync driver is one per thread anyway).
- ``browser``: Debian's Chromium, launched once through ``executable_path`` (never a download).
- ``demo_server``: the real app, migrated and seeded with the demo, served threaded on a free
  port. The tests that write to it (keyboard, form counter) each use people of their own, so no
  test depends on another's writes (see ``tests/browser/test_keyboard.py``).
- ``signed_in``: a person launched once from the demo LMS; later contexts start from the cookies
  of that launch instead of launching again (the launch itself is tested in
  ``test_demo_browser.py`` and ``test_blocked_cookies_browser.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.browsing import (
    CHROMIUM,
    CONTEXT,
    SignedIn,
    chromium,
    demo_app,
    free_port,
    launch_from_the_demo_lms,
)
from tests.support.serving import serving


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo on a free port of 127.0.0.1 (LMS and tool on one site); its base URL."""
    port = free_port()
    app = demo_app(tmp_path_factory.mktemp("browser-demo"), port)
    with serving(app, "127.0.0.1", port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: install Debian's package 'chromium'.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    with chromium(playwright) as launched:
        yield launched


@pytest.fixture(scope="session")
def signed_in(browser: Any, demo_server: str) -> Callable[..., SignedIn]:
    """``signed_in(person, language="en")``: the person launched into the demo course in that
    language (``None``: the one the LMS offers), once per process."""
    launches: dict[tuple[str, str | None], SignedIn] = {}

    def sign_in(person: str, language: str | None = "en") -> SignedIn:
        if (person, language) not in launches:
            context = browser.new_context(**CONTEXT)
            try:
                course_url = launch_from_the_demo_lms(context, demo_server, person, language)
                state = context.storage_state()
                launches[person, language] = SignedIn(browser, course_url, state)
            finally:
                context.close()
        return launches[person, language]

    return sign_in
