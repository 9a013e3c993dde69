"""The in-tool inbox: a member's own notices of one course, in their language, marked read."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.notifications import queries
from lti_tool.notifications.messages import NOTICES
from lti_tool.notifications.models import Notification
from lti_tool.notifications.operations import notify
from lti_tool.people.models import Membership, User
from lti_tool.programme.operations import accept_standards
from tests.support.factories import make_course, make_member
from tests.support.html import input_values

OTHER_COURSE = "course-v1:Org+Other+2026"


def _enter(launch, browser, *, user_id, role="student", context_id=None, accept=True, **kwargs):
    """Launch a person into a course and return their membership (standards accepted)."""
    if context_id is not None:
        kwargs["context_id"] = context_id
    response = launch(browser=browser, user_id=user_id, role=role, **kwargs)
    course_id = int(response.headers["Location"].split("/")[2])
    membership = db.session.scalar(
        select(Membership)
        .join(User)
        .where(Membership.course_id == course_id, User.subject == user_id)
    )
    if accept:
        accept_standards(membership, accepted=True, confirmed_of_age=True)
    db.session.commit()
    return membership


def _notice(member, mentee="Anna", **kwargs):
    notification = notify(
        member, "request_withdrawn", link=f"/course/{member.course_id}/", mentee=mentee, **kwargs
    )
    db.session.commit()
    return notification


def _shown_ids(page: str) -> list[int]:
    return [int(value) for value in re.findall(r'data-testid="notification" data-id="(\d+)"', page)]


def _inbox(browser, member, **query):
    return browser.get(f"/course/{member.course_id}/notifications", query_string=query)


def test_inbox_shows_only_the_members_notices_of_this_course(app, launch, client):
    learner = _enter(launch, client, user_id="learner", name="Lea")
    same_person_elsewhere = _enter(
        launch, client, user_id="learner", name="Lea", context_id=OTHER_COURSE
    )
    other = _enter(launch, app.test_client(), user_id="other", name="Otto")
    older = _notice(learner, mentee="Bruno")
    newer = _notice(learner, mentee="Carla")
    _notice(same_person_elsewhere, mentee="Elsewhere")
    _notice(other, mentee="Not yours")

    page = _inbox(client, learner)

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert _shown_ids(text) == [newer.id, older.id]  # newest first
    assert "Carla withdrew their request" in text and "Bruno withdrew" in text
    assert "Elsewhere" not in text and "Not yours" not in text
    assert 'data-unread="true"' in text
    assert "You have 2 unread notifications." in text
    assert f'href="/course/{learner.course_id}/"' in text


def test_inbox_is_rendered_in_the_viewers_language_at_view_time(app, launch, client):
    learner = _enter(launch, client, user_id="learner", name="Lea", locale="it")
    notification = _notice(learner, mentee="Bruno")

    text = _inbox(client, learner).get_data(as_text=True)

    assert '<html lang="it">' in text
    with force_locale("it"):
        subject = str(NOTICES["request_withdrawn"].subject) % notification.params
        body = str(NOTICES["request_withdrawn"].body) % notification.params
    assert str(escape(subject)) in text and str(escape(body)) in text


def test_marking_one_notice_read(app, launch, client):
    learner = _enter(launch, client, user_id="learner")
    first = _notice(learner)
    second = _notice(learner)
    token = input_values(_inbox(client, learner).get_data(as_text=True))["csrf_token"]

    response = client.post(
        f"/course/{learner.course_id}/notifications/{first.id}/read", data={"csrf_token": token}
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/course/{learner.course_id}/notifications")
    db.session.expire_all()
    assert db.session.get(Notification, first.id).read_at is not None
    assert db.session.get(Notification, second.id).read_at is None
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You have 1 unread notification." in text
    assert f'data-id="{first.id}" data-unread="false"' in text


def test_marking_all_read_touches_only_the_members_notices_of_this_course(app, launch, client):
    learner = _enter(launch, client, user_id="learner")
    elsewhere = _enter(launch, client, user_id="learner", context_id=OTHER_COURSE)
    other = _enter(launch, app.test_client(), user_id="other")
    mine = [_notice(learner), _notice(learner)]
    kept = [_notice(elsewhere), _notice(other)]
    token = input_values(_inbox(client, learner).get_data(as_text=True))["csrf_token"]

    response = client.post(
        f"/course/{learner.course_id}/notifications/read-all", data={"csrf_token": token}
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert all(db.session.get(Notification, n.id).read_at is not None for n in mine)
    assert all(db.session.get(Notification, n.id).read_at is None for n in kept)


def test_another_persons_notice_cannot_be_marked(app, launch, client):
    learner = _enter(launch, client, user_id="learner")
    elsewhere = _enter(launch, client, user_id="learner", context_id=OTHER_COURSE)
    other = _enter(launch, app.test_client(), user_id="other")
    theirs = _notice(other)
    mine_elsewhere = _notice(elsewhere)
    _notice(learner)  # so that the page has a form, and a CSRF token
    token = input_values(_inbox(client, learner).get_data(as_text=True))["csrf_token"]

    for foreign in (theirs, mine_elsewhere):
        response = client.post(
            f"/course/{learner.course_id}/notifications/{foreign.id}/read",
            data={"csrf_token": token},
        )
        assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None
    assert db.session.get(Notification, mine_elsewhere.id).read_at is None


@pytest.mark.parametrize("path", ["{id}/read", "read-all"])
def test_marking_read_requires_the_csrf_token(app, launch, client, path):
    learner = _enter(launch, client, user_id="learner")
    notification = _notice(learner)

    response = client.post(
        f"/course/{learner.course_id}/notifications/" + path.format(id=notification.id),
        data={"csrf_token": "forged"},
    )
    missing = client.post(
        f"/course/{learner.course_id}/notifications/" + path.format(id=notification.id)
    )

    assert (response.status_code, missing.status_code) == (400, 400)
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is None


def test_inbox_pages_through_many_notices(app, launch, client):
    learner = _enter(launch, client, user_id="learner")
    notices = [_notice(learner, mentee=f"Person {number}") for number in range(25)]

    first = _inbox(client, learner).get_data(as_text=True)
    second = _inbox(client, learner, page=2).get_data(as_text=True)

    assert _shown_ids(first) == [n.id for n in reversed(notices)][:20]
    assert _shown_ids(second) == [n.id for n in reversed(notices)][20:]
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert _inbox(client, learner, page="nonsense").status_code == 200


def test_empty_inbox_says_so(app, launch, client):
    learner = _enter(launch, client, user_id="learner")

    text = _inbox(client, learner).get_data(as_text=True)

    assert "No notifications yet." in text
    assert "You have no unread notifications." in text


def test_inbox_needs_a_launch_and_the_standards(app, launch, client):
    learner = _enter(launch, client, user_id="learner", accept=False)
    staff_browser = app.test_client()
    staff = _enter(launch, staff_browser, user_id="boss", role="staff", accept=False)

    assert app.test_client().get(f"/course/{learner.course_id}/notifications").status_code == 401
    response = _inbox(client, learner)
    assert response.status_code == 302
    assert "/standards" in response.headers["Location"]
    assert _inbox(staff_browser, staff).status_code == 200


def test_unread_count_is_each_members_own(app):
    course = make_course()
    member = make_member(course)
    other = make_member(course)
    notify(member, "request_withdrawn", mentee="A")
    notify(member, "request_withdrawn", mentee="B")
    notify(other, "request_withdrawn", mentee="C")
    db.session.commit()

    assert queries.unread_count(member) == 2
    assert queries.unread_count(other) == 1
