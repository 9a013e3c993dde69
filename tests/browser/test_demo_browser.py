"""A real browser launches from the demo LMS page into the tool shown in its frame (§7)."""

from __future__ import annotations

import pytest

from lti_tool.demo.roster import COURSE

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/demo.png"


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
def test_tool_pages_fit_a_320_pixel_frame(signed_in, person, paths):
    """In the course's own language (the accessibility audit checks every page kind at 320 px
    in English; other languages' longer words must fit too)."""
    launched = signed_in(person, language=None)  # the course's language, as the LMS offers it
    context = launched.context(viewport={"width": 320, "height": 640})  # the frame's cookies
    narrow = context.new_page()  # as the tool's frame at phone width
    for path in paths:
        narrow.goto(launched.course_url + path)
        overflow = narrow.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"/{path} is {overflow}px wider than a 320px frame"
    context.close()
