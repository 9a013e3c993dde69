"""Programme settings (§2): staff edit them within bounds; bad input changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from lti_tool.audit import MentoringEvent
from lti_tool.extensions import db
from lti_tool.people.models import CourseRole
from lti_tool.programme import operations
from lti_tool.programme.models import MatchingMode, Programme
from lti_tool.refusals import NotAllowed
from tests.conftest import count_rows
from tests.mentors.factories import csrf_of, enter
from tests.support.factories import make_course, make_member
from tests.support.html import input_values

GOOD = {
    "contacts_per_mentorship": "6",
    "answer_deadline_days": "10",
    "reminder_days_before": "3",
    "mentor_capacity": "5",
    "requires_mentor_approval": "y",
    "matching_mode": "staff_assign",
    "expiries_before_auto_busy": "3",
    "staff_see_evaluation_scores": "",
}


def _settings_url(course_id):
    return f"/course/{course_id}/programme/settings"


def test_staff_see_the_seed_defaults_and_save_new_settings(app, launch):
    staff, course_id = enter(app, launch, user_id="teacher", role="staff")

    values = input_values(staff.get(_settings_url(course_id)).get_data(as_text=True))
    assert values["contacts_per_mentorship"] == "4"
    assert values["answer_deadline_days"] == "7"
    assert (values["reminder_days_before"], values["mentor_capacity"]) == ("2", "3")

    data = {**GOOD, "csrf_token": csrf_of(staff, _settings_url(course_id))}
    data.pop("staff_see_evaluation_scores")
    response = staff.post(_settings_url(course_id), data=data)

    assert response.status_code == 302
    assert "saved=1" in response.headers["Location"]
    programme = db.session.scalar(db.select(Programme).filter_by(course_id=course_id))
    assert (
        programme.contacts_per_mentorship,
        programme.answer_deadline_days,
        programme.reminder_days_before,
        programme.mentor_capacity,
        programme.requires_mentor_approval,
        programme.matching_mode,
        programme.expiries_before_auto_busy,
        programme.staff_see_evaluation_scores,
    ) == (6, 10, 3, 5, True, MatchingMode.STAFF_ASSIGN, 3, False)
    event = db.session.scalar(db.select(MentoringEvent).filter_by(subject="programme"))
    assert event.action == "updated"
    assert event.data["changes"]["contacts_per_mentorship"] == [4, 6]
    assert event.data["changes"]["matching_mode"] == ["both", "staff_assign"]
    assert "The settings were saved." in staff.get(response.headers["Location"]).get_data(
        as_text=True
    )


BAD = [
    ("contacts_per_mentorship", "0", "from 1 to 12"),
    ("contacts_per_mentorship", "13", "from 1 to 12"),
    ("contacts_per_mentorship", "four", "Enter a whole number."),
    ("contacts_per_mentorship", "", "Enter a whole number."),
    ("answer_deadline_days", "61", "from 1 to 60"),
    ("reminder_days_before", "10", "between 0 and 9 days before the deadline of 10 days"),
    ("reminder_days_before", "-1", "from 0 to 59"),
    ("mentor_capacity", "11", "from 1 to 10"),
    ("expiries_before_auto_busy", "0", "from 1 to 10"),
    ("matching_mode", "lottery", "Choose one of the options shown."),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD)
def test_bad_input_is_refused_beside_the_field_and_nothing_changes(
    app, launch, name, value, message
):
    staff, course_id = enter(app, launch, user_id="teacher", role="staff")
    data = {**GOOD, name: value, "csrf_token": csrf_of(staff, _settings_url(course_id))}
    before = count_rows(MentoringEvent)

    response = staff.post(_settings_url(course_id), data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    error = page.split(f'id="{name}-error"', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert f'aria-describedby="{name}-hint {name}-error"' in page or (
        f'aria-describedby="{name}-error"' in page
    )
    assert "Nothing was saved" in page
    programme = db.session.scalar(db.select(Programme).filter_by(course_id=course_id))
    db.session.refresh(programme)
    assert (programme.contacts_per_mentorship, programme.answer_deadline_days) == (4, 7)
    assert programme.matching_mode == MatchingMode.BOTH
    assert count_rows(MentoringEvent) == before


def test_a_form_without_csrf_token_is_refused(app, launch):
    staff, course_id = enter(app, launch, user_id="teacher", role="staff")
    staff.get(_settings_url(course_id))

    response = staff.post(_settings_url(course_id), data=GOOD)

    assert response.status_code == 400
    programme = db.session.scalar(db.select(Programme).filter_by(course_id=course_id))
    assert programme.contacts_per_mentorship == 4


@pytest.mark.parametrize(("role", "status"), [("student", 403), ("Community TA", 403)])
def test_only_staff_open_the_settings(app, launch, role, status):
    browser, course_id = enter(app, launch, user_id="someone", role=role)
    assert browser.get(_settings_url(course_id)).status_code == status
    assert browser.post(_settings_url(course_id), data=GOOD).status_code in (400, status)


def test_staff_of_another_course_cannot_open_these_settings(app, launch):
    _staff, course_id = enter(app, launch, user_id="teacher", role="staff")
    other, other_course = enter(
        app, launch, user_id="other-teacher", role="staff", context_id="course-v1:Org+Other+2026"
    )
    assert other_course != course_id
    assert other.get(_settings_url(course_id)).status_code == 401


def test_update_programme_checks_bounds_and_who_acts(app):
    course = make_course()
    staff = make_member(course, CourseRole.STAFF)
    mentor = make_member(course, CourseRole.MENTOR)
    foreign_staff = make_member(make_course(), CourseRole.STAFF)
    programme = operations.programme_for(course)

    with pytest.raises(operations.ProgrammeSettingsError) as refused:
        operations.update_programme(programme, staff, answer_deadline_days=2)
    assert set(refused.value.errors) == {"reminder_days_before"}
    with pytest.raises(operations.ProgrammeSettingsError) as refused:
        operations.update_programme(programme, staff, mentor_capacity=True, matching_mode="x")
    assert set(refused.value.errors) == {"mentor_capacity", "matching_mode"}
    for actor in (mentor, foreign_staff):
        with pytest.raises(NotAllowed):
            operations.update_programme(programme, actor, mentor_capacity=2)
    with pytest.raises(TypeError):
        operations.update_programme(programme, staff, colour="blue")
    assert programme.mentor_capacity == 3

    operations.update_programme(programme, staff, answer_deadline_days=2, reminder_days_before=1)
    assert (programme.answer_deadline_days, programme.reminder_days_before) == (2, 1)


def test_a_new_course_has_its_programme_and_reading_it_writes_nothing(app):
    course = make_course()
    db.session.commit()
    writes = []

    def flushed(session, context):
        writes.extend(session.new | session.dirty)

    event.listen(db.session(), "after_flush", flushed)
    try:
        programme = operations.programme_for(course)
        db.session.flush()
    finally:
        event.remove(db.session(), "after_flush", flushed)

    assert programme.course_id == course.id and programme.id is not None
    assert writes == []
