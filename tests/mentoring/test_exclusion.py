"""The standards' promises (issue 10): excluded mentors, barred participants, contacts counted
once, closing a continuation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lti_tool.concerns import operations as concerns
from lti_tool.extensions import db
from lti_tool.mentoring import agreements, exclusion, queries
from lti_tool.mentoring import mentorships as mentorship_ops
from lti_tool.mentoring import requests as request_ops
from lti_tool.mentoring.models import (
    ContactLog,
    ContactRequest,
    Mentorship,
    MentorshipStatus,
    RequestStatus,
)
from lti_tool.mentoring.rules import (
    AlreadyDone,
)
from lti_tool.mentors.models import MentorStatus
from lti_tool.notifications.models import Notification
from lti_tool.refusals import NotAllowed, Refusal
from tests.conftest import count_rows
from tests.support.factories import make_member, make_mentor

from .factories import AGREEMENT, EVALUATION, MENTEE_FORM, MENTOR_FORM, conclude, log, send, start


def _notices(kind, recipient=None):
    query = select(Notification).filter_by(kind=kind)
    if recipient is not None:
        query = query.filter_by(recipient_id=recipient.id)
    return db.session.scalars(query).all()


@pytest.fixture
def busy_mentor(cohort):
    """The cohort's mentor with two requests waiting and two mentorships in progress."""
    waiting = [send(make_member(cohort.course), cohort.mentor) for _ in range(2)]
    kept = start(cohort.mentee, cohort.mentor)
    ended = start(cohort.other_learner, cohort.mentor)
    db.session.commit()
    cohort.waiting, cohort.kept, cohort.ended = waiting, kept, ended
    return cohort


def test_excluding_a_mentor_closes_requests_hands_over_and_ends(busy_mentor):
    cohort = busy_mentor
    successor_mentor = cohort.other_mentor

    removal = exclusion.remove_mentor_from_programme(
        cohort.mentor.membership,
        by=cohort.staff,
        handover={cohort.kept.id: successor_mentor, cohort.ended.id: None},
    )
    db.session.commit()

    assert cohort.mentor.status == MentorStatus.EXCLUDED
    assert {request.status for request in cohort.waiting} == {RequestStatus.DECLINED}
    for request in cohort.waiting:
        assert _notices("request_closed_by_programme", request.mentee)
        # The mentee may ask someone else at once.
        assert request_ops.request_refusal(request.mentee, successor_mentor) is None
    assert cohort.kept.status == MentorshipStatus.ENDED_EARLY
    successor = removal.handed_over[0]
    assert (successor.mentee_id, successor.mentor_id) == (cohort.mentee.id, successor_mentor.id)
    assert successor.handed_over_from_id == cohort.kept.id
    assert successor.status == MentorshipStatus.ACTIVE
    assert _notices("mentorship_handed_over", cohort.mentee)
    assert _notices("mentorship_taken_over", successor_mentor.membership)
    assert cohort.ended.status == MentorshipStatus.ENDED_EARLY
    assert cohort.ended.end_reason == "Ended by the programme."
    assert _notices("mentorship_ended_by_programme", cohort.other_learner)
    assert (cohort.mentor.active_mentorships, successor_mentor.active_mentorships) == (0, 1)
    # The mentee still sees the old mentorship; the excluded mentor no longer does.
    assert queries.mentorship_for_member(cohort.mentee, cohort.kept.id) is not None
    assert queries.mentorship_for_member(cohort.mentor.membership, cohort.kept.id) is None


def test_excluding_ends_every_mentorship_without_a_hand_over(busy_mentor):
    cohort = busy_mentor

    removal = exclusion.remove_mentor_from_programme(cohort.mentor.membership, by=cohort.staff)

    assert {m.id for m in removal.ended} == {cohort.kept.id, cohort.ended.id}
    assert cohort.mentor.active_mentorships == 0
    with pytest.raises(AlreadyDone):
        exclusion.remove_mentor_from_programme(cohort.mentor.membership, by=cohort.staff)


def test_a_hand_over_to_a_mentor_without_a_free_place_is_refused_and_changes_nothing(
    busy_mentor,
):
    cohort = busy_mentor
    full = make_mentor(cohort.course, capacity=1)
    start(make_member(cohort.course), full)
    db.session.commit()

    with pytest.raises(Refusal, match="as many mentees"):
        exclusion.remove_mentor_from_programme(
            cohort.mentor.membership, by=cohort.staff, handover={cohort.kept.id: full}
        )
    db.session.rollback()
    assert db.session.get(Mentorship, cohort.kept.id).status == MentorshipStatus.ACTIVE


@pytest.mark.parametrize("who", ["mentor", "other_learner", "foreign_staff"])
def test_only_the_course_staff_exclude(busy_mentor, who):
    actor = {
        "mentor": busy_mentor.mentor.membership,
        "other_learner": busy_mentor.other_learner,
        "foreign_staff": busy_mentor.foreign_staff,
    }[who]

    with pytest.raises(NotAllowed):
        exclusion.remove_mentor_from_programme(busy_mentor.mentor.membership, by=actor)


def test_an_excluded_mentor_is_refused_on_every_mentorship_operation(cohort):
    mentorship = start(cohort.mentee, cohort.mentor)
    agreement = agreements.propose_agreement(cohort.mentee, mentorship, **AGREEMENT)
    concluded = conclude(start(cohort.other_learner, cohort.mentor))
    db.session.commit()
    exclusion.remove_mentor_from_programme(
        cohort.mentor.membership, by=cohort.staff, handover={mentorship.id: None}
    )
    db.session.commit()
    mentor = cohort.mentor.membership
    moves = {
        "propose": lambda: agreements.propose_agreement(mentor, mentorship, **AGREEMENT),
        "confirm": lambda: agreements.confirm_agreement(mentor, agreement),
        "log": lambda: log(mentor, concluded, days_ago=1),
        "prepare": lambda: agreements.save_mentor_preparation(mentor, concluded, 1, **MENTOR_FORM),
        "end": lambda: mentorship_ops.end_mentorship_early(
            mentor, mentorship, reason="x", talked_it_over=True
        ),
        "close": lambda: mentorship_ops.close_continuation(mentor, concluded, note=""),
        "evaluate": lambda: mentorship_ops.submit_evaluation(mentor, concluded, **EVALUATION),
        "concern": lambda: concerns.report_concern(mentor, text="x", mentorship=concluded),
    }
    for name, move in moves.items():
        with pytest.raises(NotAllowed):
            move()
        db.session.rollback()
        assert name


def test_barring_withdraws_requests_ends_mentorships_and_lifting_lets_them_back(cohort):
    waiting = send(cohort.mentee, cohort.other_mentor)
    mentorship = start(cohort.mentee, cohort.mentor)
    mentee_form = agreements.save_mentee_preparation(cohort.mentee, mentorship, 1, **MENTEE_FORM)
    db.session.commit()
    before = count_rows(ContactRequest, Mentorship)

    exclusion.bar_participant(cohort.staff, cohort.mentee)
    db.session.commit()

    assert cohort.mentee.barred_at is not None
    assert waiting.status == RequestStatus.WITHDRAWN
    assert _notices("request_withdrawn", cohort.other_mentor.membership)
    assert mentorship.status == MentorshipStatus.ENDED_EARLY
    assert cohort.mentor.active_mentorships == 0
    assert count_rows(ContactRequest, Mentorship) == before  # nothing they wrote is lost
    assert db.session.get(type(mentee_form), mentee_form.id).needs == MENTEE_FORM["needs"]
    with pytest.raises(NotAllowed):
        send(cohort.mentee, cohort.mentor)
    db.session.rollback()
    with pytest.raises(Refusal, match="barred"):
        request_ops.assign_mentorship(cohort.staff, cohort.mentee, cohort.other_mentor)
    db.session.rollback()
    with pytest.raises(AlreadyDone):
        exclusion.bar_participant(cohort.staff, cohort.mentee)
    db.session.rollback()

    exclusion.lift_bar(cohort.staff, cohort.mentee)
    db.session.commit()

    assert cohort.mentee.barred_at is None
    assert send(cohort.mentee, cohort.other_mentor).status == RequestStatus.PENDING


def test_barring_a_mentor_removes_them_as_by_exclusion(busy_mentor):
    cohort = busy_mentor

    exclusion.bar_participant(
        cohort.staff, cohort.mentor.membership, handover={cohort.kept.id: cohort.other_mentor}
    )

    assert cohort.mentor.status == MentorStatus.EXCLUDED
    assert cohort.kept.status == MentorshipStatus.ENDED_EARLY
    assert cohort.other_mentor.active_mentorships == 1


def test_staff_end_a_mentorship_by_the_programme(cohort):
    mentorship = start(cohort.mentee, cohort.mentor)

    exclusion.end_mentorship_by_staff(cohort.staff, mentorship)

    assert mentorship.status == MentorshipStatus.ENDED_EARLY
    assert mentorship.ended_by_id == cohort.staff.id
    assert cohort.mentor.active_mentorships == 0
    assert len(_notices("mentorship_ended_by_programme")) == 2
    with pytest.raises(NotAllowed):
        exclusion.end_mentorship_by_staff(cohort.other_learner, mentorship)


# --- closing a continuation (standard 7) ---------------------------------------------------


def test_either_side_closes_a_continuation_then_nothing_more_is_logged(cohort):
    mentorship = conclude(start(cohort.mentee, cohort.mentor))
    fifth = log(cohort.mentor.membership, mentorship, days_ago=1)
    assert fifth.number == 5

    mentorship_ops.close_continuation(
        cohort.mentor.membership, mentorship, note="We reached our goals."
    )

    assert mentorship.continuation_closed_at is not None
    assert mentorship.continuation_note == "We reached our goals."
    assert _notices("mentorship_closed", cohort.mentee)
    with pytest.raises(Refusal, match="closed"):
        log(cohort.mentee, mentorship, days_ago=2)
    with pytest.raises(Refusal, match="closed"):
        agreements.propose_agreement(cohort.mentee, mentorship, **AGREEMENT)
    with pytest.raises(AlreadyDone):
        mentorship_ops.close_continuation(cohort.mentee, mentorship, note="")


def test_only_a_concluded_mentorship_is_closed(cohort):
    mentorship = start(cohort.mentee, cohort.mentor)

    with pytest.raises(Refusal, match="concluded"):
        mentorship_ops.close_continuation(cohort.mentee, mentorship, note="")


# --- one contact, one record -----------------------------------------------------------------


def test_a_contact_logged_by_both_sides_is_one_contact(cohort):
    mentorship = start(cohort.mentee, cohort.mentor)
    day = date.today() - timedelta(days=3)

    first = mentorship_ops.log_contact(
        cohort.mentee, mentorship, held_on=day, mode="video", duration_minutes=60
    )
    second = mentorship_ops.log_contact(
        cohort.mentor.membership, mentorship, held_on=day, mode="phone", duration_minutes=45
    )

    assert second.id == first.id
    assert count_rows(ContactLog) == {"contact_log": 1}
    assert mentorship.contacts_done == 1
    record = queries.mentorship_record(cohort.mentee, mentorship)
    assert (len(record.contacts), record.mentorship.contacts_planned) == (1, 4)
    assert first.confirmed_by_id == cohort.mentor.membership_id
    assert (first.mode, first.duration_minutes) == ("phone", 45)  # corrected by the other side
    with pytest.raises(AlreadyDone):
        mentorship_ops.log_contact(
            cohort.mentee, mentorship, held_on=day, mode="video", duration_minutes=60
        )


def test_the_other_side_confirms_a_contact_as_logged(cohort):
    mentorship = start(cohort.mentee, cohort.mentor)
    contact = log(cohort.mentee, mentorship, days_ago=2)

    with pytest.raises(Refusal, match="other side"):
        mentorship_ops.confirm_contact(cohort.mentee, mentorship, contact)
    mentorship_ops.confirm_contact(cohort.mentor.membership, mentorship, contact)

    assert contact.confirmed_by_id == cohort.mentor.membership_id
    assert (contact.mode, contact.duration_minutes) == ("video", 60)


def test_a_mentorship_concludes_only_after_four_distinct_contacts(cohort):
    mentorship = start(cohort.mentee, cohort.mentor)
    for days_ago in (30, 20, 10):
        log(cohort.mentee, mentorship, days_ago=days_ago)
        log(cohort.mentor.membership, mentorship, days_ago=days_ago)
    assert (mentorship.contacts_done, mentorship.status) == (3, MentorshipStatus.ACTIVE)

    log(cohort.mentor.membership, mentorship, days_ago=1)

    assert (mentorship.contacts_done, mentorship.status) == (4, MentorshipStatus.CONCLUDED)
