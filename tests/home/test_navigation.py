"""The course menu shows each role the pages it may open, and only those (§1)."""

from __future__ import annotations

import re

import pytest

from lti_tool.platforms.claims import Role

MENU_LINK = re.compile(r'<nav class="course-nav".*?</nav>', re.S)
HREF = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')


def _menu(client, home_url):
    page = client.get(home_url).get_data(as_text=True)
    return dict((label, url) for url, label in HREF.findall(MENU_LINK.search(page).group(0)))


@pytest.mark.parametrize(
    ("launch_as", "present", "absent"),
    [
        (
            {"role": "student"},
            {"Home", "Find a mentor", "My requests", "My mentorships", "Become a mentor"},
            {"Mentor pool", "Programme settings", "Requests to me", "My mentor profile"},
        ),
        (
            {"roles": [str(Role.MENTOR)]},
            {"Home", "Requests to me", "My mentorships", "My mentor profile", "Notifications"},
            {"Mentor pool", "Programme settings", "Find a mentor", "Become a mentor"},
        ),
        (
            {"role": "staff"},
            {"Home", "Mentor pool", "Programme settings", "Notifications"},
            {"Find a mentor", "My requests", "Requests to me", "My mentorships", "Become a mentor"},
        ),
    ],
    ids=["learner", "mentor", "staff"],
)
def test_each_role_sees_its_pages_and_every_link_opens(launch, client, launch_as, present, absent):
    response = launch(user_id="person-1", **launch_as)
    menu = _menu(client, response.headers["Location"])

    assert present <= set(menu), menu
    assert not absent & set(menu), menu
    for label, url in menu.items():
        opened = client.get(url)
        # Participants may first be asked to accept the standards; nobody is refused.
        assert opened.status_code in (200, 302), (label, opened.status_code)
        if opened.status_code == 302:
            assert "/standards" in opened.headers["Location"], label


def test_the_current_page_is_marked(launch, client):
    response = launch(user_id="staff-1", role="staff")
    menu = _menu(client, response.headers["Location"])

    page = client.get(menu["Mentor pool"]).get_data(as_text=True)
    assert re.search(r'<a href="[^"]+" aria-current="page">Mentor pool</a>', page)
    assert len(re.findall(r'aria-current="page"', page)) == 1
