"""The journey under concurrency (issue 8): the same move twice at once, or two people at once.

Each test runs two moves in two threads, each with its own database session, on the test's
database (SQLite, or PostgreSQL when ``LTI_TOOL_DATABASE_URL`` names one). A barrier holds each
thread at its first write until both have done their reads, so the two moves always overlap
where a check-then-write race would bite. Each ends with exactly one outcome, and the mentor's
place count equal to their mentorships in progress.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select

from lti_tool.audit import MentoringEvent
from lti_tool.extensions import db
from lti_tool.mentoring import mentorships as mentorship_ops
from lti_tool.mentoring import requests as request_ops
from lti_tool.mentoring.models import ContactRequest, Mentorship, MentorshipStatus, RequestStatus
from lti_tool.mentoring.rules import (
    AlreadyDone,
)
from lti_tool.mentors.models import MentorProfile
from lti_tool.notifications.models import Notification
from lti_tool.people.models import Membership
from lti_tool.refusals import Refusal
from tests.support.factories import make_member

from .factories import REQUEST, log, send, start

#: Writes that start a thread's changes (FOR UPDATE reads lock as well).
_WRITES = ("INSERT", "UPDATE", "DELETE")


def race(app: Any, *moves: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run the moves at once, each in a thread with its own session; return their outcomes.

    An outcome is ``("done", result)``, ``("again", message)`` for a move answered with the
    first result, ``("refused", message)`` or ``("error", exception)``.
    """
    arrived = [0]
    ready = threading.Condition()
    racers: set[int] = set()
    held: set[int] = set()
    outcomes: list[tuple[str, Any]] = [("error", "not run")] * len(moves)

    def arrive(*, wait: bool) -> None:
        """Count this thread in; at its first write, wait until every thread is in."""
        with ready:
            arrived[0] += 1
            ready.notify_all()
            if wait:
                ready.wait_for(lambda: arrived[0] >= len(moves), timeout=10)

    def hold_first_write(conn, cursor, statement, parameters, context, executemany):
        me = threading.get_ident()
        words = statement.lstrip().upper()
        if me in racers and me not in held and (words.startswith(_WRITES) or "FOR UPDATE" in words):
            held.add(me)
            arrive(wait=True)

    def run(index: int, move: Callable[[], Any]) -> None:
        racers.add(threading.get_ident())
        with app.app_context():
            try:
                result = move()
                db.session.commit()
                outcomes[index] = ("done", getattr(result, "id", result))
            except AlreadyDone as done:
                db.session.rollback()
                outcomes[index] = ("again", done.message)
            except Refusal as refused:
                db.session.rollback()
                outcomes[index] = ("refused", refused.message)
            except Exception as error:  # noqa: BLE001 - the test reports any failure
                db.session.rollback()
                outcomes[index] = ("error", error)
            finally:
                db.session.remove()
                if threading.get_ident() not in held:
                    arrive(wait=False)  # refused before writing: the other may go on

    db.session.commit()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", hold_first_write)
    try:
        threads = [
            threading.Thread(target=run, args=(index, move)) for index, move in enumerate(moves)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(engine, "before_cursor_execute", hold_first_write)
    db.session.expire_all()
    return outcomes


def kinds(outcomes: list[tuple[str, Any]]) -> list[str]:
    """The kinds of the outcomes, sorted."""
    assert not [outcome for outcome in outcomes if outcome[0] == "error"], outcomes
    return sorted(kind for kind, _ in outcomes)


def places_match(profile_id: int) -> tuple[int, int]:
    """The mentor's place count and their mentorships in progress (they must be equal)."""
    profile = db.session.get(MentorProfile, profile_id)
    assert profile is not None
    active = db.session.scalar(
        select(func.count(Mentorship.id)).filter_by(
            mentor_id=profile_id, status=MentorshipStatus.ACTIVE
        )
    )
    return profile.active_mentorships, active


def events(action: str) -> int:
    """How many audit events of that action were recorded."""
    return db.session.scalar(select(func.count(MentoringEvent.id)).filter_by(action=action))


def _member(member_id: int) -> Membership:
    found = db.session.get(Membership, member_id)
    assert found is not None
    return found


def _profile(profile_id: int) -> MentorProfile:
    found = db.session.get(MentorProfile, profile_id)
    assert found is not None
    return found


def _request(request_id: int) -> ContactRequest:
    found = db.session.get(ContactRequest, request_id)
    assert found is not None
    return found


def _mentorship(mentorship_id: int) -> Mentorship:
    found = db.session.get(Mentorship, mentorship_id)
    assert found is not None
    return found


@pytest.fixture
def ids(cohort):
    """Plain ids of the cohort (rows do not cross threads)."""
    # A mentorship in progress with someone else: a place freed twice would show in the count.
    start(cohort.other_learner, cohort.mentor)
    db.session.commit()
    return {
        "mentee": cohort.mentee.id,
        "mentor": cohort.mentor.membership_id,
        "profile": cohort.mentor.id,
        "staff": cohort.staff.id,
    }


def test_a_request_sent_twice_at_once_is_sent_once(app, ids):
    def send_again() -> Any:
        return request_ops.send_request(_member(ids["mentee"]), _profile(ids["profile"]), **REQUEST)

    outcomes = race(app, send_again, send_again)

    assert kinds(outcomes) == ["again", "done"]
    pending = db.session.scalars(
        select(ContactRequest).filter_by(mentee_id=ids["mentee"], status=RequestStatus.PENDING)
    ).all()
    assert len(pending) == 1
    assert events("sent") == 2  # the other learner's request and this one
    assert (
        db.session.scalar(
            select(func.count(Notification.id)).filter_by(
                kind="request_received", recipient_id=ids["mentor"]
            )
        )
        == 2
    )


def test_a_request_accepted_twice_at_once_starts_one_mentorship(app, cohort, ids):
    request_id = send(cohort.mentee, cohort.mentor).id

    def accept() -> Any:
        return request_ops.accept_request(
            _member(ids["mentor"]), _request(request_id), proposal="Monday?"
        )

    outcomes = race(app, accept, accept)

    assert kinds(outcomes) == ["again", "done"]
    assert db.session.scalar(select(func.count()).where(Mentorship.request_id == request_id)) == 1
    assert places_match(ids["profile"]) == (2, 2)


def test_accept_and_withdraw_at_once_end_one_way(app, cohort, ids):
    request_id = send(cohort.mentee, cohort.mentor).id

    def accept() -> Any:
        return request_ops.accept_request(
            _member(ids["mentor"]), _request(request_id), proposal="Monday?"
        )

    def withdraw() -> Any:
        return request_ops.withdraw_request(_member(ids["mentee"]), _request(request_id))

    outcomes = race(app, accept, withdraw)

    assert kinds(outcomes) == ["done", "refused"]
    request = _request(request_id)
    started = db.session.scalar(select(func.count()).where(Mentorship.request_id == request_id))
    if request.status == RequestStatus.ACCEPTED:
        assert started == 1
        assert places_match(ids["profile"]) == (2, 2)
    else:
        assert request.status == RequestStatus.WITHDRAWN
        assert started == 0
        assert places_match(ids["profile"]) == (1, 1)


def test_both_sides_ending_at_once_end_it_once_and_free_one_place(app, cohort, ids):
    mentorship_id = start(cohort.mentee, cohort.mentor).id
    db.session.commit()

    def end(member_id: int) -> Callable[[], Any]:
        return lambda: mentorship_ops.end_mentorship_early(
            _member(member_id), _mentorship(mentorship_id), reason="Moving", talked_it_over=True
        )

    outcomes = race(app, end(ids["mentee"]), end(ids["mentor"]))

    assert kinds(outcomes) == ["again", "done"]
    assert _mentorship(mentorship_id).status == MentorshipStatus.ENDED_EARLY
    assert events("ended_early") == 1
    assert places_match(ids["profile"]) == (1, 1)


def test_conclusion_and_early_end_at_once_make_one_ending(app, cohort, ids):
    mentorship = start(cohort.mentee, cohort.mentor)
    for days_ago in (21, 14, 7):
        log(cohort.mentee, mentorship, days_ago=days_ago)
    mentorship_id = mentorship.id
    db.session.commit()

    def last_contact() -> Any:
        return mentorship_ops.log_contact(
            _member(ids["mentee"]),
            _mentorship(mentorship_id),
            held_on=date.today() - timedelta(days=1),
            mode="video",
            duration_minutes=60,
        )

    def end_early() -> Any:
        return mentorship_ops.end_mentorship_early(
            _member(ids["mentor"]), _mentorship(mentorship_id), reason="Moving", talked_it_over=True
        )

    outcomes = race(app, last_contact, end_early)

    assert kinds(outcomes) == ["done", "refused"]
    ending = _mentorship(mentorship_id)
    assert ending.status in {MentorshipStatus.CONCLUDED, MentorshipStatus.ENDED_EARLY}
    assert events("concluded") + events("ended_early") == 1
    assert places_match(ids["profile"]) == (1, 1)


def test_assignment_by_staff_and_accept_at_once_make_one_mentorship(app, cohort, ids):
    request_id = send(cohort.mentee, cohort.mentor).id

    def accept() -> Any:
        return request_ops.accept_request(
            _member(ids["mentor"]), _request(request_id), proposal="Monday?"
        )

    def assign() -> Any:
        return request_ops.assign_mentorship(
            _member(ids["staff"]), _member(ids["mentee"]), _profile(ids["profile"])
        )

    outcomes = race(app, accept, assign)

    assert kinds(outcomes) == ["done", "refused"]
    pair = select(func.count()).where(
        Mentorship.mentee_id == ids["mentee"],
        Mentorship.mentor_id == ids["profile"],
        Mentorship.status == MentorshipStatus.ACTIVE,
    )
    assert db.session.scalar(pair) == 1
    assert places_match(ids["profile"]) == (2, 2)


def test_a_place_is_never_taken_beyond_capacity(app, cohort, ids):
    """Two mentees accepted at once for the mentor's last place: one gets it."""
    profile = cohort.mentor
    profile.capacity = 2
    second = make_member(cohort.course)
    first_id, second_id = send(cohort.mentee, profile).id, send(second, profile).id
    db.session.commit()

    def accept(request_id: int) -> Callable[[], Any]:
        return lambda: request_ops.accept_request(
            _member(ids["mentor"]), _request(request_id), proposal="Monday?"
        )

    outcomes = race(app, accept(first_id), accept(second_id))

    assert kinds(outcomes) == ["done", "refused"]
    assert places_match(ids["profile"]) == (2, 2)
