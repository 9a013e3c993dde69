"""Deep linking from Moodle's activity form when the frame has no cookies (issue 9, acc. 6).

Moodle (the double, on 127.0.0.1) opens the tool (on localhost, another site) in the named
frame of its "Select content" dialog. Chromium blocks third-party cookies, so the tool offers
its new window; the teacher chooses there, and the items must come back to the activity form:
the tool posts its answer into the frame that opened the window, where Moodle's return page
calls ``parent.processContentItemReturnData``. A picker opened with no such frame says so
before anyone chooses.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlencode

import jwt
import pytest
import requests

from lti_tool import create_app
from lti_tool.extensions import db
from tests.browser.browsing import CHROMIUM_ARGS, chromium, free_port
from tests.support import moodle
from tests.support.serving import serving

pytestmark = pytest.mark.browser

#: Third-party cookies blocked, as browsers do now.
PHASEOUT_ARGS = [*CHROMIUM_ARGS, "--test-third-party-cookie-phaseout"]
#: Chromium still keeps partitioned (CHIPS) cookies in a cross-site frame; Safari and Firefox's
#: strict mode keep none. This makes the tool's frame refuse every script cookie, as they do.
NO_COOKIES_IN_THE_TOOL_FRAME = """
if (window.top !== window.self && window.location.hostname === "localhost") {
  Object.defineProperty(Document.prototype, "cookie", {
    configurable: true,
    get: function () { return ""; },
    set: function () {}
  });
}
"""
TINA = moodle.MoodleUser("3", "Tina", "Teacher", "tina@example.org", "editingteacher")


@pytest.fixture(scope="module")
def sites(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, moodle.MoodleState, str]]:
    """The tool on localhost and the Moodle double on 127.0.0.1, registered and activated."""
    folder = tmp_path_factory.mktemp("browser-moodle")
    tool_port, moodle_port = free_port(), free_port()
    tool_url, moodle_url = f"http://localhost:{tool_port}", f"http://127.0.0.1:{moodle_port}"
    app = create_app(
        {
            "SECRET_KEY": "browser-test",
            "DATABASE_URL": "sqlite:///" + str(folder / "tool.sqlite3"),
            "CACHE_TYPE": "SimpleCache",
            "PUBLIC_BASE_URL": tool_url,
            "REGISTRATION_ALLOWED_PLATFORMS": [moodle_url],
            # As over HTTPS: SameSite=None; Secure cookies (browsers accept Secure on localhost).
            "COOKIE_SECURE": True,
        }
    )
    app.instance_path = str(folder / "instance")
    state = moodle.MoodleState(issuer=moodle_url, base_url=moodle_url, browser_user=TINA)
    state.tool_keyset = lambda: requests.get(tool_url + "/lti/jwks.json", timeout=10).json()
    platform = moodle.make_platform_app(state)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.session.commit()
    with ExitStack() as servers:
        servers.enter_context(serving(app, "localhost", tool_port))
        servers.enter_context(serving(platform, "127.0.0.1", moodle_port))
        token = state.issue_registration_token()
        link = (
            tool_url
            + "/lti/register?"
            + urlencode(
                {
                    "openid_configuration": moodle_url + "/mod/lti/openid-configuration.php",
                    "registration_token": token,
                }
            )
        )
        assert requests.get(link, timeout=30).status_code == 200
        client_id = jwt.decode(token, options={"verify_signature": False})["sub"]
        state.activate(client_id)
        yield moodle_url, state, client_id


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    """Debian's Chromium with third-party cookies blocked (never a downloaded browser)."""
    with chromium(playwright, PHASEOUT_ARGS) as launched:
        yield launched


def test_items_chosen_in_the_new_window_reach_moodles_activity_form(sites, browser):
    from playwright.sync_api import expect

    moodle_url, state, client_id = sites
    type_id = state.tools[client_id]["type_id"]
    context = browser.new_context(locale="en-US")
    context.add_init_script(NO_COOKIES_IN_THE_TOOL_FRAME)
    page = context.new_page()
    page.goto(f"{moodle_url}/course/modedit.php?type={type_id}")
    page.get_by_role("button", name="Select content").click()

    frame = page.frame_locator(f'iframe[name="{moodle.CONTENT_ITEM_FRAME}"]')
    new_window = frame.get_by_role("link", name="Open the tool in a new window")
    expect(new_window).to_be_visible(timeout=15_000)  # cookies are blocked in the frame
    with page.expect_popup() as opened:
        new_window.click()
    picker = opened.value
    expect(picker.get_by_role("heading", level=1)).to_contain_text("Add mentoring activities")
    expect(picker.get_by_test_id("deep-link-window")).to_be_visible()
    expect(picker.get_by_test_id("deep-link-no-form")).to_be_hidden()

    picker.locator("#home-selected").check()
    picker.locator("#home-title").fill("Find your mentor")
    picker.locator("#reflection-selected").check()
    picker.locator("#reflection-title").fill("Reflect on mentoring")
    with page.expect_response(lambda r: "contentitem_return.php" in r.url) as returned:
        picker.get_by_role("button", name="Add to the course").click()
    assert returned.value.status == 200, state.content_item_refusals

    expect(page.locator("#id_name")).to_have_value("Find your mentor", timeout=15_000)
    expect(page.get_by_test_id("selected-items")).to_have_text(
        "Find your mentor | Reflect on mentoring"
    )
    titles = [item["title"] for item in state.content_item_returns[-1]]
    assert titles == ["Find your mentor", "Reflect on mentoring"]
    context.close()


def test_a_picker_with_no_activity_form_to_return_to_says_so_before_choosing(sites, browser):
    from playwright.sync_api import expect

    moodle_url, state, client_id = sites
    login = state.tools[client_id]["body"]["initiate_login_uri"]
    query = moodle.login_query(state, client_id, TINA, deep_linking=True)
    query["lti1p3_new_window"] = "1"  # a window of its own, opened by nobody
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(login + "?" + urlencode(query))

    expect(page.get_by_test_id("deep-link-no-form")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("deep-link-no-form")).to_contain_text(
        "needs your course's activity form"
    )
    expect(page.get_by_role("button", name="Add to the course")).to_be_disabled()
    context.close()
