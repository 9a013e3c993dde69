"""An axe-core audit of every page each role reaches, at 1280 px and at 320 px (WCAG 2.1 AA).

The demo LMS launches a staff member, an administrator, a mentor and a learner into the demo
course; from each home page a crawl follows every link of the course (GET only, over HTTP with the
launch's cookies: the tool's links are all in its HTML, none is made by a script) and keeps one
page of each kind. Each kind is then opened in Debian's Chromium and audited with axe-core — the
npm package installed by ``make test`` (``npm ci``), never a download. Serious and critical
violations fail the test; moderate ones are printed for the record. At each width the page must
also fit the window: nothing may make it scroll sideways.

A kind that staff and administrators both reach is audited once, as the administrator (the same
page with one more menu item); staff's home page is audited as staff too.

The kinds of a role are shared out between a few tests (by a stable hash of the kind, the same in
every process), so that xdist can spread one role's audit over its workers.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

import pytest
import requests

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
#: How many tests share each role's page kinds (admin reaches 30, mentor 20, learner 18).
SHARES = {"staff": 1, "admin": 5, "mentor": 3, "learner": 3}
#: Staff reach the administrator's pages, the same templates with the same rows, without the
#: "Administration" menu item: a kind both reach is audited once, as the administrator. Staff's
#: own audit covers their home page (their menu) and any kind the administrator does not reach.
AUDITED_AS = {"staff": "admin"}


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser bundle from node_modules."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does).")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def audit_page(signed_in, axe_source) -> Iterator[Callable[[str], Any]]:
    """``audit_page(role)``: a tab of the role's launch with axe-core in every page it opens,
    kept for all the role's audits in this process (its browser warm, its session going on)."""
    pages: dict[str, Any] = {}

    def page_of(role: str) -> Any:
        if role not in pages:
            context = signed_in(ROLES[role]).context()
            context.add_init_script(script=axe_source)
            pages[role] = context.new_page()
        return pages[role]

    yield page_of
    for page in pages.values():
        page.context.close()


def _page_kind(url: str) -> tuple[str, tuple[str, ...]]:
    """What makes a page a page of its own: its path with ids as ``#`` and its query's names.

    ``/mentorships/13`` and ``/mentorships/6`` are the same page with other rows, as are the
    dashboard's nine ``?state=`` filters; each kind is audited once (at both widths)."""
    parts = urlsplit(url)
    path = "/".join("#" if segment.isdigit() else segment for segment in parts.path.split("/"))
    return path, tuple(sorted({name for name, _value in parse_qsl(parts.query)}))


def _share(kind: tuple[str, tuple[str, ...]], shares: int) -> int:
    """Which of the role's tests audits this kind: stable across processes (unlike ``hash``)."""
    return zlib.crc32(repr(kind).encode()) % shares


#: The one script of the tool's pages that navigates: a running roster sync's form submits itself
#: (templates/staff/_macros.html). The crawl does what the browser does with it.
AUTO_SUBMIT = re.compile(r'\s*document\.getElementById\("(?P<form>[^"]+)"\)\.submit\(\);\s*')
#: What any other inline script would need to change the page's links or leave the page.
NAVIGATING = re.compile(r"location|href|\.submit\(|requestSubmit|createElement|innerHTML|Adjacent")


class _Page(HTMLParser):
    """What the crawl reads of a page: its links, and the form a script submits at once."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.forms: dict[str, tuple[str, list[tuple[str, str]]]] = {}
        self.scripts: list[str] = []
        self._form: str | None = None
        self._script: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in attributes:
            self.hrefs.append(attributes["href"].strip())
        elif tag == "form":
            self._form = attributes.get("id")
            if self._form:
                self.forms[self._form] = (attributes.get("action", ""), [])
        elif tag == "input" and self._form and attributes.get("name"):
            self.forms[self._form][1].append((attributes["name"], attributes.get("value", "")))
        elif tag == "script" and "src" not in attributes:
            self._script = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def submitted_form(self) -> tuple[str, list[tuple[str, str]]] | None:
        """The form an inline script submits as the page loads, if any."""
        for script in self.scripts:
            if match := AUTO_SUBMIT.fullmatch(script):
                return self.forms[match["form"]]
            assert not NAVIGATING.search(script), f"the crawl cannot follow this script: {script}"
        return None


def _open(session: requests.Session, url: str) -> tuple[requests.Response, _Page]:
    """GET the page as the browser opens it: a form the page submits by script is posted."""
    response = session.get(url, timeout=30)
    for _ in range(10):
        page = _Page(response.text)
        if response.status_code >= 400 or (submitted := page.submitted_form()) is None:
            return response, page
        action, fields = submitted
        response = session.post(urljoin(response.url, action), data=fields, timeout=30)
    raise AssertionError(f"{url} submits a form again and again")


def _course_links(page: _Page, page_url: str, course_url: str) -> Iterator[str]:
    """The page's links into the course, resolved as the browser's ``a.href`` is."""
    for href in page.hrefs:
        url = urldefrag(urljoin(page_url, href)).url
        if url.startswith(course_url) and not urlsplit(url).path.endswith(SKIPPED_SUFFIXES):
            yield url


@cache
def _crawl(course_url: str, cookies: str) -> tuple[str, ...]:
    """One page of each kind the person reaches from the course's home, breadth first, over
    HTTP with the launch's cookies. None of the tool's links is made by a script; the one
    script that navigates (a roster sync that goes on by itself) is followed as a browser does,
    and any other that might navigate stops the crawl (see ``_Page.submitted_form``)."""
    session = requests.Session()
    session.headers["Accept-Language"] = "en-US,en"
    for cookie in json.loads(cookies):
        session.cookies.set(
            cookie["name"], cookie["value"], domain=cookie["domain"], path=cookie["path"]
        )
    to_visit, seen, pages = [course_url], {_page_kind(course_url)}, []
    while to_visit and len(pages) < MAX_PAGES:
        url = to_visit.pop(0)
        response, page = _open(session, url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code >= 400:
            continue  # a link this role may not open is the navigation test's business
        for link in _course_links(page, response.url, course_url):
            if _page_kind(link) not in seen:
                seen.add(_page_kind(link))
                to_visit.append(link)
        pages.append(url)
    return tuple(pages)


def _audit(page) -> list[dict]:
    """Run axe-core on the page as it is now; only the violations are collected (axe then
    skips building the details of every rule that passed — the same violations, much faster),
    and only what a failure reports leaves the browser (the rest of axe's result, every rule
    with its metadata, cost more to hand to Python than the audit of a page's colours)."""
    return page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                            'best-practice']},
            resultTypes: ['violations'],
        })).violations.map(violation => ({
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            targets: violation.nodes.slice(0, 5).map(node => node.target),
        }))"""
    )


@pytest.mark.parametrize(
    ("role", "share"),
    [(role, share) for role, shares in SHARES.items() for share in range(shares)],
    ids=[
        f"{role}-{share + 1}of{shares}"
        for role, shares in SHARES.items()
        for share in range(shares)
    ],
)
def test_every_page_of_each_role_passes_axe_at_both_widths(signed_in, audit_page, role, share):
    """Every page kind of the role, at each width: no serious or critical axe violation, and
    nothing wider than the window (at 320 px: a phone, or the LMS's frame at phone width)."""
    launched = signed_in(ROLES[role])
    course_url = launched.course_url
    pages = _crawl(course_url, json.dumps(launched.cookies))
    assert len(pages) >= 3, pages
    if role in AUDITED_AS:
        other = signed_in(ROLES[AUDITED_AS[role]])
        crawled = _crawl(other.course_url, json.dumps(other.cookies))
        covered = {_page_kind(url) for url in crawled}
        pages = tuple(url for url in pages if url == course_url or _page_kind(url) not in covered)
    mine = [url for url in pages if _share(_page_kind(url), SHARES[role]) == share]

    page = audit_page(role)
    failures, moderate, audited = [], [], []
    for url in mine:
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        response = page.goto(url)
        assert response is not None, url
        assert response.status < 400, (url, response.status)
        for width in WIDTHS:  # the same page, resized: the layout follows the media queries
            page.set_viewport_size({"width": width, "height": 900})
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:  # a phone, or the LMS's frame at phone width, would scroll sideways
                failures.append({"page": url, "width": width, "wider by px": overflow})
            for violation in _audit(page):
                entry = {"page": url.removeprefix(course_url) or "/", "width": width, **violation}
                (failures if violation["impact"] in FAILING_IMPACTS else moderate).append(entry)
        audited.append(url)

    print(f"\n{role}: {len(audited)} of {len(pages)} page kinds audited at {WIDTHS} px")
    for entry in moderate:
        print("moderate/minor:", json.dumps(entry, ensure_ascii=False))
    assert failures == [], json.dumps(failures, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("role", list(ROLES))
def test_at_320_px_the_content_comes_first_and_the_menu_folds(signed_in, role):
    from playwright.sync_api import expect

    launched = signed_in(ROLES[role])
    context = launched.context()
    page = context.new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(launched.course_url)

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
