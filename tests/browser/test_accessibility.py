"""An axe-core audit of every page each role reaches, at 1280 px and at 320 px (WCAG 2.1 AA).

The demo LMS launches a staff member, a mentor and a learner into the demo course; from each home
page the test follows every link of the course (GET only) and runs axe-core — the npm package
installed by ``make test`` (``npm ci``), never a download — in Debian's Chromium. Serious and
critical violations fail the test; moderate ones are printed for the record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest

from tests.browser.test_demo_browser import browser, demo_server  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 320)
FAILING_IMPACTS = {"serious", "critical"}
#: Pages that answer a download, not a page to audit.
SKIPPED_SUFFIXES = (".json", ".csv")
MAX_PAGES = 60

ROLES = {
    "staff": "James Whitfield",
    "admin": "Ada Marchetti",
    "mentor": "Francesca Moretti",
    "learner": "Giulia Rossi",
}


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core's browser bundle from node_modules."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does).")
    return AXE.read_text(encoding="utf-8")


def _launch(context, demo_server, person: str) -> str:  # noqa: F811 - fixture value
    """Launch the person from the demo LMS; return the URL of their course in the tool."""
    from playwright.sync_api import expect

    page = context.new_page()
    page.goto(demo_server + "/demo/")
    page.get_by_label(person).check()
    page.get_by_label("Language of the course").select_option("en")
    page.get_by_role("button", name="Launch", exact=True).click()
    expect(page.frame_locator('iframe[name="tool"]').get_by_text(person).first).to_be_visible(
        timeout=15_000
    )
    base, rest = page.frame(name="tool").url.split("/course/", 1)
    page.close()
    return f"{base}/course/{rest.split('/')[0]}/"


def _page_kind(url: str) -> tuple[str, tuple[str, ...]]:
    """What makes a page a page of its own: its path with ids as ``#`` and its query's names.

    ``/mentorships/13`` and ``/mentorships/6`` are the same page with other rows, as are the
    dashboard's nine ``?state=`` filters; each kind is audited once (at both widths)."""
    parts = urlsplit(url)
    path = "/".join("#" if segment.isdigit() else segment for segment in parts.path.split("/"))
    return path, tuple(sorted({name for name, _value in parse_qsl(parts.query)}))


def _course_links(page, course_url: str) -> Iterator[str]:
    for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
        url = urldefrag(href).url
        if url.startswith(course_url) and not urlsplit(url).path.endswith(SKIPPED_SUFFIXES):
            yield url


def _audit(page, axe_source: str) -> list[dict]:
    """Run axe-core on the page as it is now; only the violations are collected (axe then
    skips building the details of every rule that passed — the same violations, much faster)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                            'best-practice']},
            resultTypes: ['violations'],
        })"""
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
    ]


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_each_role_passes_axe_at_both_widths(
    demo_server,  # noqa: F811 - fixture
    browser,  # noqa: F811 - fixture
    axe_source,
    role,
):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    course_url = _launch(context, demo_server, ROLES[role])
    page = context.new_page()
    to_visit, seen = [course_url], {_page_kind(course_url)}
    failures, moderate, audited = [], [], []
    while to_visit and len(audited) < MAX_PAGES:
        url = to_visit.pop(0)
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        response = page.goto(url)
        assert response is not None, url
        assert response.status < 500, (url, response.status)
        if response.status >= 400:
            continue  # a link this role may not open is the navigation test's business
        for link in _course_links(page, course_url):
            if _page_kind(link) not in seen:
                seen.add(_page_kind(link))
                to_visit.append(link)
        for width in WIDTHS:  # the same page, resized: the layout follows the media queries
            page.set_viewport_size({"width": width, "height": 900})
            for violation in _audit(page, axe_source):
                entry = {"page": url.removeprefix(course_url) or "/", "width": width, **violation}
                (failures if violation["impact"] in FAILING_IMPACTS else moderate).append(entry)
        audited.append(url)
    context.close()

    print(f"\n{role}: {len(audited)} pages audited at {WIDTHS} px")
    for entry in moderate:
        print("moderate/minor:", json.dumps(entry, ensure_ascii=False))
    assert len(audited) >= 3, audited
    assert failures == [], json.dumps(failures, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("role", list(ROLES))
def test_at_320_px_the_content_comes_first_and_the_menu_folds(
    demo_server,  # noqa: F811 - fixture
    browser,  # noqa: F811 - fixture
    role,
):
    from playwright.sync_api import expect

    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    course_url = _launch(context, demo_server, ROLES[role])
    page = context.new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(course_url)

    heading = page.locator("main h1").first
    box = heading.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 640, box  # visible without scrolling
    menu = page.locator("nav.course-nav")
    expect(menu).to_be_hidden()
    page.get_by_text("Menu", exact=False).first.click()  # one button opens it
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="Home")).to_be_visible()

    page.set_viewport_size({"width": 1280, "height": 900})  # wide: open, no button
    page.reload()
    expect(menu).to_be_visible()
    expect(page.locator("details.course-menu > summary")).to_be_hidden()
    context.close()
