"""Keyboard only: a learner sends a contact request and fills a preparation form without a mouse
(issue 14) — every stop shows its focus, the order follows the page, errors are announced."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

#: Pressing Tab this often without reaching the target means it is not keyboard reachable.
MAX_TABS = 80

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {
        tag: el.tagName.toLowerCase(),
        type: el.getAttribute('type'),
        name: el.getAttribute('name'),
        text: (el.innerText || el.value || '').trim().slice(0, 80),
        href: el.getAttribute('href'),
        top: box.top + window.scrollY,
        focusVisible: el.matches(':focus-visible')
            && (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
                || style.boxShadow !== 'none'),
    };
}"""


def _launch_tool_page(signed_in, person: str):
    """The person launched from the demo LMS (the LMS's part, not audited), with the tool in a
    tab of its own."""
    launched = signed_in(person)
    context = launched.context()
    page = context.new_page()
    page.goto(launched.course_url)
    return context, page


def _tab_to(page, matches, stops: list[dict]) -> dict:
    """Press Tab until the focused element satisfies ``matches``; record and check every stop."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        assert focused["focusVisible"], f"focus is not visible on {focused}"
        stops.append(focused)
        if matches(focused):
            return focused
    raise AssertionError(f"not reachable by keyboard; stops were {[s['text'] for s in stops]}")


def _follow(page) -> None:
    """Press Enter on the focused link or button and wait for the page it opens."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _in_order(stops: list[dict]) -> bool:
    tops = [stop["top"] for stop in stops]
    return all(later >= earlier - 1 for earlier, later in zip(tops, tops[1:], strict=False))


def test_a_learner_sends_a_request_by_keyboard_and_errors_are_announced(signed_in):
    context, page = _launch_tool_page(signed_in, "Marco Bianchi")
    stops: list[dict] = []

    # Home's next action; on first use it asks to accept the standards — by keyboard too.
    _tab_to(
        page,
        lambda f: (
            f["text"] in ("Read the standards", "Find a mentor")
            and page.evaluate("document.activeElement.dataset.testid") == "next-action"
        ),
        stops,
    )
    _follow(page)
    if "/standards" in page.url:
        stops = []
        _tab_to(page, lambda f: f["name"] == "accept", stops)
        page.keyboard.press("Space")
        _tab_to(page, lambda f: f["name"] == "of_age", stops)
        page.keyboard.press("Space")
        _tab_to(page, lambda f: f["tag"] == "button" or f["type"] == "submit", stops)
        _follow(page)
        stops = []
        _tab_to(
            page,
            lambda f: (
                f["text"] == "Find a mentor"
                and page.evaluate("document.activeElement.dataset.testid") == "next-action"
            ),
            stops,
        )
        _follow(page)
    assert "/mentors" in page.url

    stops = []
    _tab_to(
        page,
        lambda f: (
            f["tag"] == "a"
            and "/mentors/" in (f["href"] or "")
            and f["href"].rstrip("/").split("/")[-1].isdigit()
        ),
        stops,
    )
    _follow(page)
    stops = []
    _tab_to(page, lambda f: "/requests/new/" in (f["href"] or ""), stops)
    _follow(page)
    assert "/requests/new/" in page.url

    # Send it empty first: every problem is announced at once and linked to its field.
    stops = []
    _tab_to(page, lambda f: f["tag"] == "button" and f["type"] == "submit", stops)
    assert _in_order(stops), [(s["text"], s["top"]) for s in stops]
    _follow(page)
    alert = page.locator('[role="alert"]#form-errors')
    assert alert.count() == 1
    assert alert.locator("li").count() == 4  # question, ideas, expectations, mode
    assert page.locator('[aria-invalid="true"]').count() >= 3

    stops = []
    _tab_to(page, lambda f: f["name"] == "question", stops)
    page.keyboard.type("How do I prepare a portfolio for instructional design?")
    _tab_to(page, lambda f: f["name"] == "ideas", stops)
    page.keyboard.type("Three pieces from my teaching.")
    _tab_to(page, lambda f: f["name"] == "expectations", stops)
    page.keyboard.type("Feedback on the pieces.")
    _tab_to(page, lambda f: f["name"] == "mode", stops)
    page.keyboard.press("Space")  # a radio group: Space picks the focused option
    _tab_to(page, lambda f: f["tag"] == "button" and f["type"] == "submit", stops)
    assert _in_order(stops), [(s["name"], s["top"]) for s in stops]
    _follow(page)

    assert "/requests/new/" not in page.url
    assert page.locator('[role="status"]').count() >= 1
    context.close()


def test_a_mentee_fills_the_preparation_form_by_keyboard(signed_in):
    context, page = _launch_tool_page(signed_in, "Giulia Rossi")
    stops: list[dict] = []

    _tab_to(page, lambda f: "/contacts/" in (f["href"] or ""), stops)
    _follow(page)
    assert "/contacts/" in page.url
    form_url = page.url

    stops = []
    _tab_to(page, lambda f: f["name"] == "question_next", stops)
    page.keyboard.press("Control+A")
    page.keyboard.type("Which piece of the portfolio comes first?")
    _tab_to(page, lambda f: f["name"] == "tried_since", stops)
    page.keyboard.press("Control+A")
    page.keyboard.type("I sketched an outline.")
    _tab_to(page, lambda f: f["name"] == "needs", stops)
    page.keyboard.press("Control+A")
    page.keyboard.type("Honest feedback on the outline.")
    _tab_to(page, lambda f: f["tag"] == "button" and f["type"] == "submit", stops)
    assert _in_order(stops), [(s["name"], s["top"]) for s in stops]
    _follow(page)

    assert page.locator('[role="status"]').count() >= 1
    page.goto(form_url)  # what was saved comes back in the form
    assert page.locator('textarea[name="question_next"]').input_value() == (
        "Which piece of the portfolio comes first?"
    )
    context.close()
