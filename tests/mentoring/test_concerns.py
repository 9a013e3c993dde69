"""Concerns (§3): any participant reports to the course staff, confidentially; staff close them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.audit import MentoringEvent
from lti_tool.concerns import operations as concerns
from lti_tool.concerns.models import Concern, ConcernStatus
from lti_tool.extensions import db
from lti_tool.notifications.models import Notification
from lti_tool.people.models import CourseRole
from lti_tool.refusals import NotAllowed, Refusal
from tests.conftest import count_rows
from tests.support.factories import make_member

from .factories import start


def test_a_mentee_reports_a_concern_about_their_mentorship_and_staff_are_told(cohort):
    second_staff = make_member(cohort.course, CourseRole.STAFF)
    mentorship = start(cohort.mentee, cohort.mentor)

    concern = concerns.report_concern(
        cohort.mentee,
        text="Remarks about my faith made me uneasy.",
        mentorship=mentorship,
        about=cohort.mentor.membership,
    )

    assert concern.status == ConcernStatus.OPEN
    assert (concern.mentorship_id, concern.about_id) == (mentorship.id, cohort.mentor.membership_id)
    notices = db.session.scalars(select(Notification).filter_by(kind="concern_reported")).all()
    assert sorted(notice.recipient_id for notice in notices) == sorted(
        [cohort.staff.id, second_staff.id]
    )
    assert all(notice.params == {"course": "Mentoring for adult learners"} for notice in notices)
    assert "faith" not in str([notice.params for notice in notices])
    [event] = db.session.scalars(select(MentoringEvent).filter_by(subject="concern")).all()
    assert event.data == {}  # the audit trail says a report exists, never what it says


def test_a_concern_may_be_about_nothing_in_particular(cohort):
    concern = concerns.report_concern(cohort.other_learner, text="Something feels off.")

    assert concern.mentorship_id is None and concern.about_id is None


def test_staff_do_not_report_concerns_to_themselves(cohort):
    with pytest.raises(NotAllowed):
        concerns.report_concern(cohort.staff, text="x")


def test_a_concern_names_only_ones_own_mentorship(cohort):
    mentorship = start(cohort.mentee, cohort.mentor)

    with pytest.raises(NotAllowed):
        concerns.report_concern(cohort.other_learner, text="x", mentorship=mentorship)
    assert count_rows(Concern) == {"concern": 0}


def test_a_concern_is_about_a_person_of_the_same_course_other_than_oneself(cohort):
    with pytest.raises(NotAllowed):
        concerns.report_concern(cohort.mentee, text="x", about=cohort.foreign_learner)
    with pytest.raises(Refusal) as refused:
        concerns.report_concern(cohort.mentee, text="x", about=cohort.mentee)
    assert refused.value.field == "about"


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_a_concern_needs_a_text_of_sensible_length(cohort, text):
    with pytest.raises(Refusal) as refused:
        concerns.report_concern(cohort.mentee, text=text)
    assert refused.value.field == "text"
    assert count_rows(Concern, Notification) == {"concern": 0, "notification": 0}


def test_staff_close_a_concern_saying_what_they_did(cohort):
    concern = concerns.report_concern(cohort.mentee, text="x")

    concerns.close_concern(cohort.staff, concern, action_taken="Talked to both.")

    assert concern.status == ConcernStatus.CLOSED
    assert concern.closed_by_id == cohort.staff.id
    assert concern.closed_at is not None
    with pytest.raises(Refusal, match="already closed"):
        concerns.close_concern(cohort.staff, concern, action_taken="Again")


@pytest.mark.parametrize("who", ["mentee", "other_learner", "foreign_staff"])
def test_only_the_courses_staff_close_concerns(cohort, who):
    concern = concerns.report_concern(cohort.mentee, text="x")

    with pytest.raises(NotAllowed):
        concerns.close_concern(getattr(cohort, who), concern, action_taken="Done")
    assert concern.status == ConcernStatus.OPEN


def test_closing_needs_the_action_taken(cohort):
    concern = concerns.report_concern(cohort.mentee, text="x")

    with pytest.raises(Refusal) as refused:
        concerns.close_concern(cohort.staff, concern, action_taken=" ")
    assert refused.value.field == "action_taken"
