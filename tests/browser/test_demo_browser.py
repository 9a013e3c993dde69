"""A real browser launches from the demo LMS page into the tool shown in its frame (§7)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from lti_tool import create_app
from lti_tool.demo.cli import prepare_demo
from lti_tool.demo.roster import COURSE

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOT = "/tmp/demo.png"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app on a free port, migrated and seeded, served threaded in the background."""
    folder = tmp_path_factory.mktemp("browser-demo")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(
        {
            "SECRET_KEY": "browser-test",
            "DATABASE_URL": "sqlite:///" + str(folder / "demo.sqlite3"),
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(folder / "cache"),
            "DEMO_MODE": True,
            "PUBLIC_BASE_URL": base_url,
        }
    )
    app.instance_path = str(folder / "instance")
    with app.app_context():
        prepare_demo(app, "127.0.0.1", port)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: install Debian's package 'chromium'.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_learner_launches_from_the_demo_lms_into_the_tool_frame(demo_server, browser):
    from playwright.sync_api import expect

    page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 900})
    page.goto(demo_server + "/demo/")
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE["title"])

    page.get_by_label("Marco Bianchi").check()
    page.get_by_label("Activity", exact=True).select_option("demo-link-home")
    page.get_by_label("Language of the course").select_option("en")
    page.get_by_role("button", name="Launch", exact=True).click()

    tool = page.frame_locator('iframe[name="tool"]')
    expect(tool.get_by_test_id("user-name")).to_have_text("Marco Bianchi", timeout=15_000)
    expect(tool.get_by_test_id("role")).to_have_text("Learner")
    expect(tool.get_by_test_id("course")).to_have_text(COURSE["title"])
    expect(tool.get_by_role("heading", name="Your mentoring journey")).to_be_visible()
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.close()


def test_the_demo_page_fits_a_320_pixel_screen(demo_server, browser):
    page = browser.new_page(locale="en-US", viewport={"width": 320, "height": 640})
    page.goto(demo_server + "/demo/")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    assert overflow <= 0, f"the demo page is {overflow}px wider than a 320px screen"
    page.close()


@pytest.mark.parametrize(
    ("person", "paths"),
    [
        ("Laura Conti", ["", "staff/", "staff/matching", "staff/assign", "mentors/pool"]),
        ("Giulia Rossi", ["mentors", "mentorships", "reflection/", "reflection/guide"]),
    ],
    ids=["staff", "learner"],
)
def test_tool_pages_fit_a_320_pixel_frame(demo_server, browser, person, paths):
    from playwright.sync_api import expect

    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(demo_server + "/demo/")
    page.get_by_label(person).check()
    page.get_by_role("button", name="Launch", exact=True).click()
    expect(page.frame_locator('iframe[name="tool"]').get_by_text(person).first).to_be_visible(
        timeout=15_000
    )
    base, rest = page.frame(name="tool").url.split("/course/", 1)
    course_url = f"{base}/course/{rest.split('/')[0]}"

    narrow = context.new_page()  # the same cookies, as the tool's frame at phone width
    narrow.set_viewport_size({"width": 320, "height": 640})
    for path in paths:
        narrow.goto(f"{course_url}/{path}")
        overflow = narrow.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"/{path} is {overflow}px wider than a 320px frame"
    context.close()
