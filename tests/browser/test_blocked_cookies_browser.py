"""Launches that survive blocked third-party cookies, in Debian's Chromium (issue 9).

The demo LMS answers on ``127.0.0.1`` and the tool on ``localhost``: two sites, so the tool's
frame is third-party. Playwright's contexts are incognito, where Chromium blocks third-party
cookies (partitioned ``CHIPS`` cookies are still kept).

- With postMessage storage offered, the login is bound through the LMS page's storage (no login
  cookie at all) and the learner works in the frame on the partitioned session cookie.
- Without it, the partitioned login cookie does the binding in this Chromium, in the frame.
- Without it, in a browser that also blocks partitioned cookies in the frame (a site setting
  that blocks the tool's cookies under the LMS, as browsers without CHIPS behave), the tool shows
  the new-window fallback, and the new window works.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lti_tool.lti.login import LOGIN_COOKIE
from tests.browser.browsing import CHROMIUM, CHROMIUM_ARGS, CONTEXT, demo_app, free_port
from tests.support.serving import serving

pytestmark = pytest.mark.browser

LEARNER = "Chiara Esposito"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The real app served threaded on a free port: the LMS on 127.0.0.1, the tool on localhost."""
    port = free_port()
    tool, lms = f"http://localhost:{port}", f"http://127.0.0.1:{port}"
    app = demo_app(
        tmp_path_factory.mktemp("blocked-cookies"),
        port,
        PUBLIC_BASE_URL=tool,
        DEMO_PLATFORM_URL=lms,
        # Chromium keeps Secure cookies from http://localhost: the production flags.
        COOKIE_SECURE=True,
    )
    with serving(app, "127.0.0.1", port):
        yield {"tool": tool, "lms": lms, "port": str(port)}


def _launch(page: Any, lms: str, *, storage: bool) -> None:
    page.goto(lms + "/demo/")
    page.get_by_label(LEARNER).check()
    page.get_by_label("Activity", exact=True).select_option("demo-link-home")
    page.get_by_label("Language of the course").select_option("en")
    offer = page.get_by_label("Offer the tool this page's storage")
    offer.check() if storage else offer.uncheck()
    page.get_by_role("button", name="Launch", exact=True).click()


def test_launch_in_the_frame_through_the_platforms_storage(sites, browser):
    from playwright.sync_api import expect

    context = browser.new_context(**CONTEXT)  # a fresh incognito context: no cookies yet
    try:
        page = context.new_page()
        # Third-party cookies are blocked here: an unpartitioned cookie of the tool's site,
        # set inside the LMS page, does not stick.
        _launch(page, sites["lms"], storage=True)
        tool = page.frame_locator('iframe[name="tool"]')

        expect(tool.get_by_test_id("user-name")).to_have_text(LEARNER, timeout=15_000)
        expect(tool.get_by_role("heading", name="Your mentoring journey")).to_be_visible()
        messages = page.evaluate("window.demoPlatformStorage.messages")
        assert messages.count("lti.capabilities") == 2  # asked at login and at launch
        assert messages.count("lti.put_data") == 2 and messages.count("lti.get_data") == 2
        tool_cookies = {c["name"]: c for c in context.cookies(sites["tool"])}
        assert LOGIN_COOKIE not in tool_cookies  # bound through the platform, not a cookie
        # The cookie check set its test cookie Secure; Partitioned and deleted it alike.
        assert "lti_tool_cookie_check" not in tool_cookies
        session = tool_cookies["lti_tool_session"]
        assert session["sameSite"] == "None" and session["secure"]
        assert session["partitionKey"] == "http://127.0.0.1"  # CHIPS, under the LMS's site

        # The learner goes on inside the frame and submits a form (CSRF-checked, session-bound).
        frame = page.frame(name="tool")
        course = frame.url.split("/course/")[1].split("/")[0]
        frame.goto(f"{sites['tool']}/course/{course}/mentors")
        tool.get_by_role("checkbox").nth(0).check()
        tool.get_by_role("checkbox").nth(1).check()
        tool.get_by_role("button", name="Accept and continue").click()
        expect(tool.get_by_role("heading", name="Find a mentor")).to_be_visible(timeout=10_000)
    finally:
        context.close()


def _browser_blocking_the_tool_in_the_lms(playwright: Any, profile: Path, port: str) -> Any:
    """A persistent Chromium profile whose site setting blocks the tool's cookies under the LMS
    (partitioned ones too), while the tool's own window keeps them."""
    preferences = profile / "Default" / "Preferences"
    preferences.parent.mkdir(parents=True)
    exceptions = {f"http://localhost:{port},http://127.0.0.1:{port}": {"setting": 2}}
    preferences.write_text(
        json.dumps({"profile": {"content_settings": {"exceptions": {"cookies": exceptions}}}})
    )
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        locale="en-US",
        viewport={"width": 1280, "height": 900},
    )


def test_without_platform_storage_the_tool_offers_a_new_window(sites, playwright, tmp_path):
    from playwright.sync_api import expect

    context = _browser_blocking_the_tool_in_the_lms(playwright, tmp_path, sites["port"])
    try:
        page = context.new_page()
        _launch(page, sites["lms"], storage=False)
        tool = page.frame_locator('iframe[name="tool"]')

        expect(tool.get_by_text("blocks the tool's cookies there")).to_be_visible(timeout=15_000)
        opener = tool.get_by_role("link", name="Open the tool in a new window")
        expect(opener).to_be_visible()

        with context.expect_page() as popup_info:
            opener.click()
        popup = popup_info.value
        expect(popup.get_by_test_id("user-name")).to_have_text(LEARNER, timeout=15_000)
        assert page.evaluate("window.demoPlatformStorage.messages") == []
    finally:
        context.close()


def test_with_platform_storage_but_no_cookies_at_all_the_tool_explains_the_new_window(
    sites, playwright, tmp_path
):
    from playwright.sync_api import expect

    context = _browser_blocking_the_tool_in_the_lms(playwright, tmp_path, sites["port"])
    try:
        page = context.new_page()
        _launch(page, sites["lms"], storage=True)
        tool = page.frame_locator('iframe[name="tool"]')

        # The login could go through the storage, but the tool's pages need their session.
        expect(tool.get_by_text("blocks the tool's cookies there")).to_be_visible(timeout=15_000)
        expect(tool.get_by_role("link", name="Open the tool in a new window")).to_be_visible()
    finally:
        context.close()


def test_without_platform_storage_partitioned_cookies_keep_the_launch_in_the_frame(sites, browser):
    from playwright.sync_api import expect

    context = browser.new_context(**CONTEXT)  # a fresh incognito context: no cookies yet
    try:
        page = context.new_page()
        _launch(page, sites["lms"], storage=False)
        tool = page.frame_locator('iframe[name="tool"]')

        # Third-party cookies are blocked, but this Chromium keeps CHIPS: the partitioned login
        # cookie binds the login, and no new window is needed.
        expect(tool.get_by_test_id("user-name")).to_have_text(LEARNER, timeout=15_000)
        assert page.evaluate("window.demoPlatformStorage.messages") == []
        tool_cookies = {c["name"]: c for c in context.cookies(sites["tool"])}
        assert LOGIN_COOKIE not in tool_cookies  # removed once the launch was validated
    finally:
        context.close()
