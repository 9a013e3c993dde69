"""Bad input degrades into clear 4xx pages, never a 500 (issue 8 "Degrade", issue 9 NUL bytes)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from lti_tool.audit import MentoringEvent
from lti_tool.concerns.models import Concern
from lti_tool.extensions import db
from lti_tool.mentoring.models import ContactRequest, Mentorship
from lti_tool.notifications.models import Notification
from lti_tool.people.models import Membership
from lti_tool.refusals import Refusal
from lti_tool.text import clean_text
from tests.conftest import count_rows
from tests.mentoring.factories import start
from tests.mentoring.web import join
from tests.support.factories import make_mentor

TOO_LARGE = 2**64
TABLES = (ContactRequest, Mentorship, Concern, MentoringEvent, Notification, Membership)
CONVERTER = re.compile(r"<int:(\w+)>")


def _int_rules(app):
    return [
        rule for rule in app.url_map.iter_rules() if "int" in str(rule) and "<int:" in str(rule)
    ]


def test_there_are_int_routes_to_check(app):
    assert len(_int_rules(app)) > 20


def test_an_id_beyond_any_database_id_is_404_in_every_route(app, launch):
    """Every ``<int:…>`` route, with 2^64 in each number, as a launched person: 404."""
    staff = join(app, launch, "teacher", role="staff", name="Stella Staff")
    checked = []
    for rule in _int_rules(app):
        names = CONVERTER.findall(str(rule))
        for name in names:
            values = {other: staff.course_id if other == "course_id" else 1 for other in names}
            values[name] = TOO_LARGE
            path = str(rule)
            for key, value in values.items():
                path = path.replace(f"<int:{key}>", str(value))
            method = "GET" if "GET" in rule.methods else "POST"
            response = staff.client.open(path, method=method)
            assert response.status_code == 404, (path, response.status_code)
            checked.append(path)
    assert len(checked) >= len(_int_rules(app))


def test_ids_around_the_largest_database_id_are_simply_not_found(app, launch):
    staff = join(app, launch, "teacher", role="staff", name="Stella Staff")

    for number in (2**31 - 1, 2**31, 2**63, 10**10 - 1):
        response = staff.client.get(f"/course/{staff.course_id}/mentorships/{number}")

        assert response.status_code == 404, number


def _post_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and str(rule).startswith("/course/")
    ]


@pytest.fixture
def pair(app, launch, snapshots):
    """A launched mentee and mentor with a mentorship in progress, and launched staff."""
    return snapshots.once((__name__, "pair"), lambda: _pair(app, launch))


def _pair(app, launch):
    mentee = join(app, launch, "mentee", name="Luca Learner")
    mentor = join(app, launch, "mentor", role="Community TA", name="Marta Mentore")
    staff = join(app, launch, "teacher", role="staff", name="Stella Staff")
    profile = make_mentor(mentor.membership.course, membership=mentor.membership)
    mentorship = start(mentee.membership, profile)
    db.session.commit()
    return mentee, mentor, staff, mentorship


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f"])
def test_a_control_character_in_any_form_is_refused_and_nothing_is_written(app, pair, character):
    """Every form of a course page, sent by each role with a control character in a text."""
    mentee, mentor, staff, mentorship = pair
    ids = {"course_id": mentee.course_id, "mentorship_id": mentorship.id}
    for person in (mentee, mentor, staff):
        token = person.token()
        for rule in _post_rules(app):
            names = CONVERTER.findall(str(rule))
            path = str(rule)
            for name in names:
                path = path.replace(f"<int:{name}>", str(ids.get(name, 1)))
            before = count_rows(*TABLES)
            response = person.client.post(
                path,
                data={
                    "csrf_token": token,
                    "text": f"Hello{character}world",
                    "reason": "Moving",
                    "talked_it_over": "y",
                },
            )
            page = response.get_data(as_text=True)
            assert response.status_code == 400, (path, response.status_code)
            assert "control characters" in page, path
            assert count_rows(*TABLES) == before, path


def test_a_nul_byte_in_a_text_field_names_the_field_for_operations(app):
    with pytest.raises(Refusal) as refused:
        clean_text("Moving\x00", "reason", required=True)

    assert refused.value.field == "reason"
    assert "control characters" in refused.value.message
    assert clean_text("  Line one\r\n\tline two  ", "reason", required=True) == (
        "Line one\r\n\tline two"
    )


def test_the_error_page_renders_after_a_failed_statement(app, launch, monkeypatch):
    """A database error mid-request (a transaction PostgreSQL aborted) still gets its page."""

    def failing(*args, **kwargs):
        db.session.execute(text("SELECT * FROM no_such_table"))

    person = join(app, launch, "mentee", name="Luca Learner")
    monkeypatch.setattr("lti_tool.home.views.learner_journey", failing)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = person.client.get(f"/course/{person.course_id}/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
