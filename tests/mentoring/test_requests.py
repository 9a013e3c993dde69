"""Contact requests (§4.3): every allowed and every forbidden move, and staff assignment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lti_tool.audit import MentoringEvent
from lti_tool.extensions import db
from lti_tool.mentoring import requests as request_ops
from lti_tool.mentoring.models import ContactRequest, Mentorship, MentorshipStatus, RequestStatus
from lti_tool.mentors.models import MentorStatus
from lti_tool.models_base import utcnow
from lti_tool.notifications.models import Notification
from lti_tool.people.models import CourseRole
from lti_tool.programme.models import MatchingMode
from lti_tool.programme.operations import programme_for
from lti_tool.refusals import NotAllowed, Refusal
from tests.conftest import count_rows
from tests.support.factories import make_member, make_mentor

from .factories import REQUEST, past, send, start


def _notices(kind, recipient=None):
    query = select(Notification).filter_by(kind=kind).order_by(Notification.id)
    if recipient is not None:
        query = query.filter_by(recipient_id=recipient.id)
    return db.session.scalars(query).all()


def _actions(subject, subject_id):
    return [
        event.action
        for event in db.session.scalars(
            select(MentoringEvent)
            .filter_by(subject=subject, subject_id=subject_id)
            .order_by(MentoringEvent.id)
        )
    ]


# --- send ------------------------------------------------------------------------------------


def test_a_learner_sends_a_request_due_by_the_programmes_deadline(cohort):
    programme_for(cohort.course).answer_deadline_days = 5
    before = utcnow()

    request = send(cohort.mentee, cohort.mentor)

    assert request.status == RequestStatus.PENDING
    assert request.question == REQUEST["question"]
    assert before + timedelta(days=5) <= request.answer_due_at <= utcnow() + timedelta(days=5)
    [notice] = _notices("request_received", cohort.mentor.membership)
    assert notice.params["mentee"] == "Luca Learner"
    assert notice.params["course"] == "Mentoring for adult learners"
    assert notice.link == f"/course/{cohort.course.id}/requests/{request.id}"
    assert _actions("request", request.id) == ["sent"]


def test_a_mentor_may_ask_another_mentor(cohort):
    request = send(cohort.other_mentor.membership, cohort.mentor)

    assert request.mentee_id == cohort.other_mentor.membership_id


def test_a_new_request_is_possible_once_the_previous_one_was_answered(cohort):
    first = send(cohort.mentee, cohort.mentor)
    request_ops.decline_request(cohort.mentor.membership, first, reason="Not my topic")

    second = send(cohort.mentee, cohort.mentor)

    assert second.status == RequestStatus.PENDING


@pytest.mark.parametrize(
    "change",
    [
        {"status": MentorStatus.APPLICANT},
        {"status": MentorStatus.PAUSED},
        {"status": MentorStatus.EXCLUDED},
        {"is_busy": True},
        {"active_mentorships": 3},
    ],
    ids=["applicant", "paused", "excluded", "busy", "full"],
)
def test_no_request_to_a_mentor_who_is_not_taking_mentees(cohort, change):
    for name, value in change.items():
        setattr(cohort.mentor, name, value)
    db.session.flush()

    with pytest.raises(Refusal, match="not taking mentees"):
        send(cohort.mentee, cohort.mentor)
    assert count_rows(ContactRequest) == {"contact_request": 0}


def test_no_second_request_to_the_same_mentor_while_one_waits(cohort):
    send(cohort.mentee, cohort.mentor)

    with pytest.raises(Refusal, match="already waiting"):
        send(cohort.mentee, cohort.mentor)
    assert count_rows(ContactRequest) == {"contact_request": 1}


def test_no_request_to_a_mentor_one_already_has_a_mentorship_with(cohort):
    start(cohort.mentee, cohort.mentor)

    with pytest.raises(Refusal, match="already have a mentorship"):
        send(cohort.mentee, cohort.mentor)


def test_no_request_to_oneself(cohort):
    with pytest.raises(Refusal, match="yourself"):
        send(cohort.mentor.membership, cohort.mentor)


def test_no_request_when_staff_assign_the_mentors(cohort):
    programme_for(cohort.course).matching_mode = MatchingMode.STAFF_ASSIGN

    with pytest.raises(Refusal, match="staff pair"):
        send(cohort.mentee, cohort.mentor)


@pytest.mark.parametrize("who", ["staff", "foreign_learner"])
def test_staff_and_people_of_another_course_cannot_send(cohort, who):
    with pytest.raises(NotAllowed):
        send(getattr(cohort, who), cohort.mentor)
    assert count_rows(ContactRequest) == {"contact_request": 0}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"question": "   "}, "question"),
        ({"ideas": ""}, "ideas"),
        ({"expectations": ""}, "expectations"),
        ({"question": "x" * 4001}, "question"),
        ({"preferred_mode": "carrier pigeon"}, "mode"),
        ({"preferred_mode": "in_person"}, "mode"),  # not one the mentor offers
    ],
)
def test_a_request_needs_its_contents(cohort, changes, field):
    with pytest.raises(Refusal) as refused:
        send(cohort.mentee, cohort.mentor, **changes)

    assert refused.value.field == field
    assert count_rows(ContactRequest, Notification) == {"contact_request": 0, "notification": 0}


# --- accept ----------------------------------------------------------------------------------


def test_accepting_starts_the_mentorship_with_the_programmes_contacts(cohort):
    programme_for(cohort.course).contacts_per_mentorship = 5
    request = send(cohort.mentee, cohort.mentor)

    mentorship = request_ops.accept_request(
        cohort.mentor.membership, request, proposal="A call on Tuesday?"
    )

    assert request.status == RequestStatus.ACCEPTED
    assert request.proposal == "A call on Tuesday?"
    assert request.answered_at is not None and request.closed_at is not None
    assert mentorship.status == MentorshipStatus.ACTIVE
    assert (mentorship.mentee_id, mentorship.mentor_id) == (cohort.mentee.id, cohort.mentor.id)
    assert mentorship.request_id == request.id
    assert (mentorship.contacts_planned, mentorship.contacts_done) == (5, 0)
    assert cohort.mentor.active_mentorships == 1
    [notice] = _notices("request_accepted", cohort.mentee)
    assert notice.params == {"mentor": "Marta Mentore", "proposal": "A call on Tuesday?"}
    assert notice.link == f"/course/{cohort.course.id}/mentorships/{mentorship.id}"
    assert _actions("request", request.id) == ["sent", "accepted"]
    assert _actions("mentorship", mentorship.id) == ["started"]


@pytest.mark.parametrize("who", ["mentee", "other_learner", "staff", "foreign_staff"])
def test_only_the_requests_mentor_accepts(cohort, who):
    request = send(cohort.mentee, cohort.mentor)
    actor = getattr(cohort, who)

    with pytest.raises(NotAllowed):
        request_ops.accept_request(actor, request, proposal="Sure")
    assert request.status == RequestStatus.PENDING


def test_another_mentor_cannot_accept(cohort):
    request = send(cohort.mentee, cohort.mentor)

    with pytest.raises(NotAllowed):
        request_ops.accept_request(cohort.other_mentor.membership, request, proposal="Me!")


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (RequestStatus.EXPIRED, "expired"),
        (RequestStatus.DECLINED, "already declined"),
        (RequestStatus.WITHDRAWN, "withdrew"),
        (RequestStatus.ACCEPTED, "already accepted"),
    ],
)
def test_only_a_waiting_request_can_be_accepted(cohort, status, message):
    request = send(cohort.mentee, cohort.mentor)
    request.status = status
    db.session.flush()

    with pytest.raises(Refusal, match=message):
        request_ops.accept_request(cohort.mentor.membership, request, proposal="Sure")
    assert count_rows(Mentorship) == {"mentorship": 0}


def test_a_request_past_its_deadline_cannot_be_accepted_even_before_the_job_expires_it(cohort):
    request = send(cohort.mentee, cohort.mentor)
    request.answer_due_at = utcnow() - timedelta(minutes=1)
    db.session.flush()

    with pytest.raises(Refusal, match="deadline"):
        request_ops.accept_request(cohort.mentor.membership, request, proposal="Sorry, late")
    assert request.status == RequestStatus.PENDING
    assert count_rows(Mentorship) == {"mentorship": 0}


def test_no_acceptance_beyond_the_mentors_capacity(cohort):
    """Three mentees fill a capacity of three; the fourth request, sent before, is refused."""
    mentees = [cohort.mentee, *(make_member(cohort.course) for _ in range(3))]
    requests = [send(mentee, cohort.mentor) for mentee in mentees]
    for request in requests[:3]:
        request_ops.accept_request(cohort.mentor.membership, request, proposal="Yes")
    db.session.commit()

    with pytest.raises(Refusal, match="as many mentees"):
        request_ops.accept_request(cohort.mentor.membership, requests[3], proposal="Yes")
    db.session.rollback()
    assert cohort.mentor.active_mentorships == 3
    assert count_rows(Mentorship) == {"mentorship": 3}
    assert requests[3].status == RequestStatus.PENDING
    # and a fifth learner cannot even send one now
    with pytest.raises(Refusal, match="not taking mentees"):
        send(make_member(cohort.course), cohort.mentor)


def test_a_busy_mentor_still_accepts_requests_already_sent(cohort):
    request = send(cohort.mentee, cohort.mentor)
    cohort.mentor.is_busy = True

    mentorship = request_ops.accept_request(cohort.mentor.membership, request, proposal="Ok")

    assert mentorship.status == MentorshipStatus.ACTIVE


def test_a_mentor_no_longer_approved_cannot_accept(cohort):
    request = send(cohort.mentee, cohort.mentor)
    cohort.mentor.status = MentorStatus.PAUSED

    with pytest.raises(Refusal, match="not approved"):
        request_ops.accept_request(cohort.mentor.membership, request, proposal="Ok")


def test_accepting_needs_a_proposal(cohort):
    request = send(cohort.mentee, cohort.mentor)

    with pytest.raises(Refusal) as refused:
        request_ops.accept_request(cohort.mentor.membership, request, proposal="  ")
    assert refused.value.field == "proposal"
    assert cohort.mentor.active_mentorships == 0


# --- decline and withdraw --------------------------------------------------------------------


def test_declining_with_a_reason_tells_the_mentee(cohort):
    request = send(cohort.mentee, cohort.mentor)

    request_ops.decline_request(cohort.mentor.membership, request, reason="Not my field")

    assert request.status == RequestStatus.DECLINED
    assert request.decline_reason == "Not my field"
    assert request.closed_at is not None
    [notice] = _notices("request_declined", cohort.mentee)
    assert notice.params == {"mentor": "Marta Mentore", "reason": "Not my field"}


def test_declining_without_a_reason_is_refused(cohort):
    request = send(cohort.mentee, cohort.mentor)

    with pytest.raises(Refusal) as refused:
        request_ops.decline_request(cohort.mentor.membership, request, reason=" ")
    assert refused.value.field == "reason"
    assert request.status == RequestStatus.PENDING


def test_a_late_answer_may_still_decline(cohort):
    request = send(cohort.mentee, cohort.mentor)
    request.answer_due_at = past()

    request_ops.decline_request(cohort.mentor.membership, request, reason="Sorry, too late")

    assert request.status == RequestStatus.DECLINED


@pytest.mark.parametrize("who", ["mentee", "other_learner", "staff"])
def test_only_the_requests_mentor_declines(cohort, who):
    request = send(cohort.mentee, cohort.mentor)

    with pytest.raises(NotAllowed):
        request_ops.decline_request(getattr(cohort, who), request, reason="No")


def test_an_answered_request_cannot_be_declined(cohort):
    request = send(cohort.mentee, cohort.mentor)
    request_ops.accept_request(cohort.mentor.membership, request, proposal="Yes")

    with pytest.raises(Refusal, match="already accepted"):
        request_ops.decline_request(cohort.mentor.membership, request, reason="Changed my mind")


def test_the_mentee_withdraws_a_waiting_request(cohort):
    request = send(cohort.mentee, cohort.mentor)

    request_ops.withdraw_request(cohort.mentee, request)

    assert request.status == RequestStatus.WITHDRAWN
    assert request.closed_at is not None
    [notice] = _notices("request_withdrawn", cohort.mentor.membership)
    assert notice.params == {"mentee": "Luca Learner"}


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_an_answered_request_cannot_be_withdrawn(cohort, answer):
    request = send(cohort.mentee, cohort.mentor)
    if answer == "accept":
        request_ops.accept_request(cohort.mentor.membership, request, proposal="Yes")
    else:
        request_ops.decline_request(cohort.mentor.membership, request, reason="No")

    with pytest.raises(Refusal, match="no longer waiting"):
        request_ops.withdraw_request(cohort.mentee, request)


def test_an_expired_request_cannot_be_withdrawn(cohort):
    request = send(cohort.mentee, cohort.mentor)
    request.status = RequestStatus.EXPIRED

    with pytest.raises(Refusal):
        request_ops.withdraw_request(cohort.mentee, request)


@pytest.mark.parametrize("who", ["other_learner", "staff", "foreign_learner"])
def test_only_its_mentee_withdraws_a_request(cohort, who):
    request = send(cohort.mentee, cohort.mentor)

    with pytest.raises(NotAllowed):
        request_ops.withdraw_request(getattr(cohort, who), request)


def test_the_mentor_cannot_withdraw_a_request(cohort):
    request = send(cohort.mentee, cohort.mentor)

    with pytest.raises(NotAllowed):
        request_ops.withdraw_request(cohort.mentor.membership, request)


# --- assignment by staff ---------------------------------------------------------------------


def test_staff_pair_a_mentee_with_a_mentor_and_both_are_told(cohort):
    mentorship = request_ops.assign_mentorship(cohort.staff, cohort.mentee, cohort.mentor)

    assert mentorship.assigned_by_id == cohort.staff.id
    assert mentorship.request_id is None
    assert mentorship.contacts_planned == 4
    assert cohort.mentor.active_mentorships == 1
    recipients = {notice.recipient_id for notice in _notices("mentorship_assigned")}
    assert recipients == {cohort.mentee.id, cohort.mentor.membership_id}
    assert _actions("mentorship", mentorship.id) == ["assigned"]


@pytest.mark.parametrize("who", ["mentee", "other_learner", "foreign_staff"])
def test_only_staff_of_the_course_assign(cohort, who):
    with pytest.raises(NotAllowed):
        request_ops.assign_mentorship(getattr(cohort, who), cohort.other_learner, cohort.mentor)
    assert count_rows(Mentorship) == {"mentorship": 0}


def test_staff_cannot_pair_across_courses(cohort):
    with pytest.raises(NotAllowed):
        request_ops.assign_mentorship(cohort.staff, cohort.foreign_learner, cohort.mentor)
    with pytest.raises(NotAllowed):
        request_ops.assign_mentorship(cohort.staff, cohort.mentee, cohort.foreign_mentor)


def test_assignment_respects_capacity(cohort):
    full = make_mentor(cohort.course, capacity=1)
    request_ops.assign_mentorship(cohort.staff, cohort.mentee, full)
    db.session.commit()

    with pytest.raises(Refusal, match="as many mentees"):
        request_ops.assign_mentorship(cohort.staff, cohort.other_learner, full)
    db.session.rollback()
    assert count_rows(Mentorship) == {"mentorship": 1}


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("staff_mentee", "Only learners and mentors"),
        ("self", "their own mentee"),
        ("busy", "busy"),
        ("excluded", "not approved"),
        ("pair", "already have a mentorship"),
    ],
)
def test_assignment_rules(cohort, setup, message):
    mentee = cohort.mentee
    if setup == "staff_mentee":
        mentee = make_member(cohort.course, CourseRole.STAFF)
    elif setup == "self":
        mentee = cohort.mentor.membership
    elif setup == "busy":
        cohort.mentor.is_busy = True
    elif setup == "excluded":
        cohort.mentor.status = MentorStatus.EXCLUDED
    else:
        start(cohort.mentee, cohort.mentor)

    with pytest.raises(Refusal, match=message):
        request_ops.assign_mentorship(cohort.staff, mentee, cohort.mentor)
