"""Helpers of the browser tests: Debian's Chromium, serving an app, the demo and its launches."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Frames of another site in the page's own renderer process. With site isolation, a frame
    # that navigates between sites (the LMS on 127.0.0.1, the tool on localhost in
    # test_blocked_cookies_browser.py) moves to a new process, and under load Playwright now and
    # then lost track of it: the frame stayed at its last URL for Playwright while the page went
    # on (1 run in 10 on a busy machine; 0 in 40 with this flag). Cookies, partitioning and
    # postMessage behave the same in either process model.
    "--disable-site-isolation-trials",
]
#: The tool's pages as a browser sees them: English, a desktop window.
CONTEXT = {"locale": "en-US", "viewport": {"width": 1280, "height": 900}}


@contextmanager
def chromium(playwright: Any, args: list[str] = CHROMIUM_ARGS) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser), closed after."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    try:
        yield browser
    finally:
        browser.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def demo_app(folder: Path, port: int, **config: Any) -> Any:
    """The real app in demo mode on a database of its own, migrated and seeded."""
    from lti_tool import create_app
    from lti_tool.demo.cli import prepare_demo

    app = create_app(
        {
            "SECRET_KEY": "browser-test",
            "DATABASE_URL": "sqlite:///" + str(folder / "demo.sqlite3"),
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(folder / "cache"),
            "DEMO_MODE": True,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            # The browser keeps the style sheet and scripts for an hour instead of asking for
            # them again on every page (Flask's default): fewer requests, the same pages.
            "SEND_FILE_MAX_AGE_DEFAULT": 3600,
            **config,
        }
    )
    app.instance_path = str(folder / "instance")
    with app.app_context():
        prepare_demo(app, "127.0.0.1", port)
    return app


def launch_from_the_demo_lms(
    context: Any, demo_server: str, person: str, language: str | None = "en"
) -> str:
    """Launch the person from the demo LMS (in ``language``; ``None``: the LMS's own choice);
    return their course's URL in the tool."""
    from playwright.sync_api import expect

    page = context.new_page()
    page.goto(demo_server + "/demo/")
    page.get_by_label(person).check()
    if language is not None:
        page.get_by_label("Language of the course").select_option(language)
    page.get_by_role("button", name="Launch", exact=True).click()
    expect(page.frame_locator('iframe[name="tool"]').get_by_text(person).first).to_be_visible(
        timeout=15_000
    )
    base, rest = page.frame(name="tool").url.split("/course/", 1)
    page.close()
    return f"{base}/course/{rest.split('/')[0]}/"


class SignedIn:
    """A person's launch, made once: ``course_url`` and a fresh browser context that has the
    launch's cookies (``context()``), or its cookies for plain HTTP (``cookies``)."""

    def __init__(self, browser: Any, course_url: str, state: dict[str, Any]) -> None:
        self._browser = browser
        self.course_url = course_url
        self.state = state

    @property
    def cookies(self) -> list[dict[str, Any]]:
        return self.state["cookies"]

    def context(self, **options: Any) -> Any:
        return self._browser.new_context(**{**CONTEXT, **options, "storage_state": self.state})
