"""Time-driven work on requests: reminder before the deadline, expiry and escalation after it,
a repeatedly silent mentor set busy automatically; every run safe to repeat (§2, §4.3)."""

from __future__ import annotations

import types
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from lti_tool.audit import MentoringEvent
from lti_tool.extensions import db
from lti_tool.jobs.runner import run_due
from lti_tool.mentoring import deadlines
from lti_tool.mentoring.models import ContactRequest, RequestStatus
from lti_tool.mentors.models import MentorProfile, MentorStatus
from lti_tool.mentors.operations import refresh_search_document
from lti_tool.mentors.search import search_mentors
from lti_tool.notifications.models import Notification, OutboxEmail
from lti_tool.people.models import CourseRole
from lti_tool.programme.operations import programme_for
from tests.conftest import count_rows
from tests.notifications.support import SmtpSink, make_request, now
from tests.support.factories import make_course, make_member, make_mentor

DAY = timedelta(days=1)


@pytest.fixture
def smtp(app) -> Iterator[SmtpSink]:
    """A running SMTP server the tool delivers to."""
    sink = SmtpSink()
    sink.configure(app)
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def cohort(app, snapshots):
    """A course with staff (one inactive), a mentor, two mentees and a bystander course."""
    return snapshots.once((__name__, "cohort"), lambda: _cohort(app))


def _cohort(app):
    course = make_course()
    people = types.SimpleNamespace(
        course=course,
        staff=make_member(course, CourseRole.STAFF, name="Stella Staff", email="staff@example.org"),
        former_staff=make_member(
            course, CourseRole.STAFF, name="Former", email="former@example.org", is_active=False
        ),
        mentor=make_mentor(course, name="Marta Mentore", email="marta@example.org", locale="it"),
        mentee=make_member(course, name="Luca Learner", email="luca@example.org"),
        second_mentee=make_member(course, name="Nina", email="nina@example.org"),
        start=now(),
    )
    db.session.commit()
    return people


def _notices(kind=None, recipient=None):
    query = select(Notification).order_by(Notification.id)
    if kind:
        query = query.filter_by(kind=kind)
    if recipient is not None:
        query = query.filter_by(recipient_id=recipient.id)
    return db.session.scalars(query).all()


def _events(action):
    return db.session.scalars(select(MentoringEvent).filter_by(action=action)).all()


def test_reminder_comes_the_programmes_days_before_the_deadline_and_only_once(cohort):
    due = cohort.start + 7 * DAY
    request = make_request(cohort.mentee, cohort.mentor, answer_due_at=due)
    db.session.commit()

    assert deadlines.send_due_reminders(due - 2 * DAY - timedelta(minutes=1)) == 0
    assert deadlines.send_due_reminders(due - 2 * DAY) == 1
    db.session.commit()

    assert request.reminded_at == due - 2 * DAY
    [notice] = _notices("request_reminder")
    assert notice.recipient_id == cohort.mentor.membership_id
    assert notice.params["mentee"] == "Luca Learner"
    assert notice.params["due"]  # the deadline, written in the mentor's language
    assert notice.dedupe_key == f"request-reminder:{request.id}"
    assert notice.link.startswith(f"/course/{cohort.course.id}/")  # the request (or inbox)
    assert len(_events("reminded")) == 1

    assert deadlines.send_due_reminders(due - DAY) == 0  # twice: nothing new
    assert len(_notices("request_reminder")) == 1


@pytest.mark.parametrize("status", [s for s in RequestStatus if s != RequestStatus.PENDING])
def test_answered_or_closed_requests_are_neither_reminded_nor_expired(cohort, status):
    due = cohort.start + 7 * DAY
    make_request(cohort.mentee, cohort.mentor, answer_due_at=due, status=status)
    db.session.commit()

    assert deadlines.send_due_reminders(due - DAY) == 0
    report = deadlines.expire_overdue_requests(due + DAY)

    assert (report.expired, report.escalated, report.auto_busy) == (0, 0, 0)
    assert _notices() == []


def test_no_reminder_when_the_programme_asks_for_none(cohort):
    programme_for(cohort.course).reminder_days_before = 0
    due = cohort.start + 7 * DAY
    make_request(cohort.mentee, cohort.mentor, answer_due_at=due)
    db.session.commit()

    assert deadlines.send_due_reminders(due - timedelta(minutes=1)) == 0


def test_a_longer_reminder_lead_time_of_the_programme_is_honoured(cohort):
    programme_for(cohort.course).reminder_days_before = 5
    due = cohort.start + 7 * DAY
    make_request(cohort.mentee, cohort.mentor, answer_due_at=due)
    db.session.commit()

    assert deadlines.send_due_reminders(due - 5 * DAY) == 1


def test_overdue_request_expires_and_is_escalated_to_active_staff(cohort):
    due = cohort.start + 7 * DAY
    request = make_request(cohort.mentee, cohort.mentor, answer_due_at=due)
    db.session.commit()

    assert deadlines.expire_overdue_requests(due - timedelta(seconds=1)).expired == 0
    report = deadlines.expire_overdue_requests(due + timedelta(minutes=5))
    db.session.commit()

    assert (report.expired, report.escalated, report.auto_busy) == (1, 1, 0)
    assert request.status == RequestStatus.EXPIRED
    assert request.closed_at == request.escalated_at == due + timedelta(minutes=5)
    [to_mentee] = _notices("request_expired")
    assert (to_mentee.recipient_id, to_mentee.params) == (
        cohort.mentee.id,
        {"mentor": "Marta Mentore"},
    )
    [to_mentor] = _notices("request_expired_mentor")
    assert (to_mentor.recipient_id, to_mentor.params) == (
        cohort.mentor.membership_id,
        {"mentee": "Luca Learner"},
    )
    [to_staff] = _notices("request_escalated")  # the inactive staff member is not told
    assert to_staff.recipient_id == cohort.staff.id
    assert to_staff.params == {"mentee": "Luca Learner", "mentor": "Marta Mentore"}
    assert {(e.subject, e.subject_id, e.actor_id) for e in _events("expired")} == {
        ("request", request.id, None)
    }
    assert len(_events("escalated")) == 1
    assert db.session.get(MentorProfile, cohort.mentor.id).is_busy is False  # one is not enough

    again = deadlines.expire_overdue_requests(due + 2 * DAY)
    assert (again.expired, again.escalated, again.auto_busy) == (0, 0, 0)
    assert len(_notices()) == 3


def test_a_repeatedly_silent_mentor_is_set_busy_and_staff_are_told(cohort):
    refresh_search_document(cohort.mentor)
    db.session.commit()
    assert _found_in_search(cohort.mentor) == (True, True)  # searchable before
    due = cohort.start + 7 * DAY
    make_request(cohort.mentee, cohort.mentor, answer_due_at=due)
    latest = make_request(cohort.second_mentee, cohort.mentor, answer_due_at=due + DAY)
    db.session.commit()

    first = deadlines.expire_overdue_requests(due + timedelta(hours=1))
    db.session.commit()
    assert first.auto_busy == 0
    second = deadlines.expire_overdue_requests(due + DAY + timedelta(hours=1))
    db.session.commit()

    assert (second.expired, second.auto_busy) == (1, 1)
    profile = db.session.get(MentorProfile, cohort.mentor.id)
    assert profile.is_busy is True
    assert profile.busy_set_automatically_at == due + DAY + timedelta(hours=1)
    [to_mentor] = _notices("mentor_auto_busy")
    assert to_mentor.recipient_id == profile.membership_id
    assert to_mentor.dedupe_key == f"mentor-auto-busy:{profile.id}:{latest.id}"
    [to_staff] = _notices("mentor_auto_busy_staff")
    assert to_staff.recipient_id == cohort.staff.id
    assert to_staff.params == {"mentor": "Marta Mentore", "count": 2}
    [event] = db.session.scalars(
        select(MentoringEvent).filter_by(subject="mentor_profile", action="busy_on")
    ).all()
    assert (event.subject_id, event.actor_id, event.data["automatic"]) == (profile.id, None, True)
    # The mentor really left the search: hidden by default, listed as not taking mentees.
    assert _found_in_search(profile) == (False, True)

    assert deadlines.set_silent_mentors_busy(due + 3 * DAY) == 0  # already busy: nothing again
    assert len(_notices("mentor_auto_busy")) == 1


def test_switching_busy_off_starts_the_count_afresh(cohort):
    due = cohort.start + 7 * DAY
    for offset, mentee in enumerate((cohort.mentee, cohort.second_mentee)):
        make_request(mentee, cohort.mentor, answer_due_at=due + offset * DAY)
    db.session.commit()
    deadlines.expire_overdue_requests(due + 2 * DAY)
    db.session.commit()
    profile = db.session.get(MentorProfile, cohort.mentor.id)
    assert profile.is_busy is True
    # The mentor takes mentees again (what mentors.operations.set_busy records).
    profile.is_busy = False
    profile.busy_set_automatically_at = None
    cleared = MentoringEvent(
        course_id=profile.course_id,
        actor_id=profile.membership_id,
        subject="mentor_profile",
        subject_id=profile.id,
        action="busy_off",
        data={},
        created_at=due + 3 * DAY,
    )
    db.session.add(cleared)
    db.session.commit()

    assert deadlines.set_silent_mentors_busy(due + 3 * DAY + timedelta(hours=1)) == 0
    make_request(cohort.second_mentee, cohort.mentor, answer_due_at=due + 10 * DAY)
    db.session.commit()
    assert deadlines.expire_overdue_requests(due + 11 * DAY).auto_busy == 0  # one since then
    make_request(cohort.mentee, cohort.mentor, answer_due_at=due + 12 * DAY)
    db.session.commit()
    assert deadlines.expire_overdue_requests(due + 13 * DAY).auto_busy == 1  # two since then
    db.session.commit()
    assert len(_notices("mentor_auto_busy")) == 2  # a new episode, a new notice


def test_the_programmes_threshold_decides_and_excluded_mentors_are_left_alone(cohort):
    programme_for(cohort.course).expiries_before_auto_busy = 3
    due = cohort.start + 7 * DAY
    # One request waits per mentee and mentor (a unique index): each comes from another mentee.
    for _ in range(2):
        make_request(make_member(cohort.course), cohort.mentor, answer_due_at=due)
    excluded = make_mentor(cohort.course, name="Ex")
    excluded.status = MentorStatus.EXCLUDED
    for _ in range(3):
        make_request(make_member(cohort.course), excluded, answer_due_at=due)
    db.session.commit()

    report = deadlines.expire_overdue_requests(due + DAY)

    assert (report.expired, report.auto_busy) == (5, 0)
    assert not db.session.get(MentorProfile, cohort.mentor.id).is_busy
    assert not db.session.get(MentorProfile, excluded.id).is_busy


def test_the_journey_with_the_clock_moved_forward_through_the_cli(cohort, smtp, runner):
    due = cohort.start + 7 * DAY
    first = make_request(cohort.mentee, cohort.mentor, answer_due_at=due)
    make_request(cohort.second_mentee, cohort.mentor, answer_due_at=due + DAY)
    db.session.commit()

    def run(moment):
        result = runner.invoke(args=["jobs", "run-due", "--now", moment.isoformat()])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        return dict(line.split(": ") for line in result.output.strip().splitlines())

    # Five days before the deadline nothing is due.
    assert run(due - 5 * DAY) == {
        "reminders": "0",
        "expired": "0",
        "escalated": "0",
        "auto_busy": "0",
        "emails_sent": "0",
        "emails_failed": "0",
        "scores_posted": "0",
        "scores_failed": "0",
        "roster_pages": "0",
        "anonymised": "0",
    }
    # Two days before: the mentor is reminded of the first request (by e-mail too).
    assert run(due - 2 * DAY)["reminders"] == "1"
    assert [env.rcpt_tos for env in smtp.envelopes] == [["marta@example.org"]]
    assert run(due - 2 * DAY)["reminders"] == "0"  # twice: nothing sent twice
    assert len(smtp.envelopes) == 1

    # After the deadline: expiry, escalation to staff, and the second request's reminder.
    report = run(due + timedelta(hours=1))
    assert (report["reminders"], report["expired"], report["escalated"]) == ("1", "1", "1")
    assert report["auto_busy"] == "0"
    assert db.session.get(ContactRequest, first.id).status == RequestStatus.EXPIRED
    recipients = sorted(rcpt for env in smtp.envelopes[1:] for rcpt in env.rcpt_tos)
    assert recipients == [
        "luca@example.org",  # request expired
        "marta@example.org",  # request expired, to the mentor
        "marta@example.org",  # reminder of the second request
        "staff@example.org",  # escalation
    ]

    # The second request expires too: the mentor is set busy and staff are told.
    report = run(due + DAY + timedelta(hours=1))
    assert (report["expired"], report["escalated"], report["auto_busy"]) == ("1", "1", "1")
    assert db.session.get(MentorProfile, cohort.mentor.id).is_busy is True
    staff_mail = [m for m in smtp.messages if m["To"] == "staff@example.org"]
    assert len(staff_mail) == 3  # two escalations and the auto-busy notice
    sent = len(smtp.envelopes)

    again = run(due + DAY + timedelta(hours=1))
    assert set(again.values()) == {"0"}
    assert len(smtp.envelopes) == sent
    assert count_rows(OutboxEmail)["outbox_email"] == sent


def test_run_due_is_a_plain_function_with_counts(cohort, smtp):
    due = cohort.start + 7 * DAY
    make_request(cohort.mentee, cohort.mentor, answer_due_at=due)
    db.session.commit()

    report = run_due(due + DAY)

    assert (report.reminders, report.expired, report.escalated, report.auto_busy) == (0, 1, 1, 0)
    assert (report.emails_sent, report.emails_failed) == (3, 0)
    assert run_due(due + DAY).lines() == [
        "reminders: 0",
        "expired: 0",
        "escalated: 0",
        "auto_busy: 0",
        "emails_sent: 0",
        "emails_failed: 0",
        "scores_posted: 0",
        "scores_failed: 0",
        "roster_pages: 0",
        "anonymised: 0",
    ]


def _found_in_search(profile):
    """Tell whether the course's search finds the mentor (by default, and with unavailable)."""
    return tuple(
        profile.id in {hit.profile.id for hit in search_mentors(profile.course_id, **options).hits}
        for options in ({}, {"include_unavailable": True})
    )
