"""Time-driven work on contact requests (§2, §4.3): reminder, expiry, escalation, auto-busy.

Every function takes the clock as ``now`` and is safe to run again: each row is taken with an
atomic compare-and-set UPDATE on its status or timestamp (so two runners never both act on it),
and every notice carries a dedupe key. A second run changes nothing and sends nothing.
The functions flush and never commit; the job runner commits each step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import LazyString
from sqlalchemy import func, select, update
from werkzeug.routing import BuildError

from ..audit import MentoringEvent, record_event
from ..extensions import db
from ..mentors.models import MentorProfile, MentorStatus
from ..mentors.operations import refresh_search_document
from ..models_base import utcnow
from ..notifications.operations import notify, notify_staff
from ..people.models import Course, Membership
from ..programme.models import Programme
from ..programme.operations import programme_for
from .models import ContactRequest, RequestStatus
from .rules import name_for

#: Pages the notices link to, as ``(endpoint, URL value taking the row id)``; a page that does
#: not exist (yet) falls back to the inbox.
REQUEST_PAGE = ("mentoring.request_detail", "request_id")
MENTOR_PROFILE_PAGE = ("mentors.edit_profile", None)
INBOX_PAGE = ("notifications.inbox", None)

#: How the mentors package audits the busy switch (``mentors.operations.set_busy``).
BUSY_EVENT_SUBJECT = "mentor_profile"
BUSY_ON_ACTION = "busy_on"
BUSY_OFF_ACTION = "busy_off"


@dataclass
class ExpiryReport:
    """What one expiry run did."""

    expired: int = 0
    escalated: int = 0
    auto_busy: int = 0


def person_name(member: Membership, recipient: Membership | None = None) -> str | LazyString:
    """Return the name a notice shows for a person, even when the platform shared none."""
    return name_for(member, recipient)


def send_due_reminders(now: datetime | None = None) -> int:
    """Remind mentors of pending requests whose reminder time has come; return how many."""
    now = now or utcnow()
    horizon = now + timedelta(days=_max_reminder_days())
    candidates = db.session.scalars(
        select(ContactRequest)
        .where(
            ContactRequest.status == RequestStatus.PENDING,
            ContactRequest.reminded_at.is_(None),
            ContactRequest.answer_due_at > now,
            ContactRequest.answer_due_at <= horizon,
        )
        .order_by(ContactRequest.answer_due_at, ContactRequest.id)
    ).all()
    programmes = _Programmes()
    reminded = 0
    for request in candidates:
        days = programmes.of(request.course_id).reminder_days_before
        if days <= 0 or request.answer_due_at - timedelta(days=days) > now:
            continue
        if not _compare_and_set(
            ContactRequest,
            request,
            [ContactRequest.status == RequestStatus.PENDING, ContactRequest.reminded_at.is_(None)],
            reminded_at=now,
        ):
            continue
        mentor = request.mentor.membership
        notify(
            mentor,
            "request_reminder",
            link=_request_link(request),
            dedupe_key=f"request-reminder:{request.id}",
            mentee=person_name(request.mentee, mentor),
            due=request.answer_due_at,
        )
        record_event(request.course_id, None, "request", request.id, "reminded")
        reminded += 1
    db.session.flush()
    return reminded


def expire_overdue_requests(now: datetime | None = None) -> ExpiryReport:
    """Expire pending requests past their deadline, tell both sides and staff, then auto-busy."""
    now = now or utcnow()
    report = ExpiryReport()
    overdue = db.session.scalars(
        select(ContactRequest)
        .where(
            ContactRequest.status == RequestStatus.PENDING,
            ContactRequest.answer_due_at <= now,
        )
        .order_by(ContactRequest.answer_due_at, ContactRequest.id)
    ).all()
    expired: list[ContactRequest] = []
    for request in overdue:
        if not _compare_and_set(
            ContactRequest,
            request,
            [ContactRequest.status == RequestStatus.PENDING],
            status=RequestStatus.EXPIRED,
            closed_at=now,
            escalated_at=now,
        ):
            continue
        mentee, mentor = request.mentee, request.mentor.membership
        link = _request_link(request)
        notify(
            mentee,
            "request_expired",
            link=link,
            dedupe_key=f"request-expired:{request.id}",
            mentor=person_name(mentor, mentee),
        )
        notify(
            mentor,
            "request_expired_mentor",
            link=link,
            dedupe_key=f"request-expired-mentor:{request.id}",
            mentee=person_name(mentee, mentor),
        )
        record_event(request.course_id, None, "request", request.id, "expired")
        expired.append(request)
        report.expired += 1
        staff_told = notify_staff(
            request.course_id,
            "request_escalated",
            dedupe_key=f"request-escalated:{request.id}",
            mentee=person_name(mentee),
            mentor=person_name(mentor),
        )
        record_event(
            request.course_id, None, "request", request.id, "escalated", staff_notified=staff_told
        )
        report.escalated += 1
    db.session.flush()
    report.auto_busy = set_silent_mentors_busy(now, {request.mentor_id for request in expired})
    return report


def set_silent_mentors_busy(
    now: datetime | None = None, mentor_ids: Iterable[int] | None = None
) -> int:
    """Mark busy each mentor with the programme's number of expired requests; tell them, staff.

    Expiries count since the mentor last switched "busy" off (the audit trail's
    ``busy_off``), so a mentor who takes mentees again starts afresh. ``mentor_ids`` limits the
    check to some mentors (those whose requests just expired); None checks every mentor.
    """
    now = now or utcnow()
    query = (
        select(MentorProfile)
        .where(MentorProfile.is_busy.is_(False), MentorProfile.status != MentorStatus.EXCLUDED)
        .order_by(MentorProfile.id)
    )
    if mentor_ids is not None:
        ids = sorted(set(mentor_ids))
        if not ids:
            return 0
        query = query.where(MentorProfile.id.in_(ids))
    else:
        query = query.where(
            MentorProfile.id.in_(
                select(ContactRequest.mentor_id).where(
                    ContactRequest.status == RequestStatus.EXPIRED
                )
            )
        )
    programmes = _Programmes()
    marked = 0
    for profile in db.session.scalars(query).all():
        threshold = programmes.of(profile.course_id).expiries_before_auto_busy
        if threshold <= 0:
            continue
        expiries, latest_request_id = _expiries_since_busy_cleared(profile)
        if expiries < threshold:
            continue
        if not _compare_and_set(
            MentorProfile,
            profile,
            [MentorProfile.is_busy.is_(False)],
            is_busy=True,
            busy_set_automatically_at=now,
        ):
            continue
        notify(
            profile.membership,
            "mentor_auto_busy",
            link=_page(MENTOR_PROFILE_PAGE, profile.course_id, None),
            dedupe_key=f"mentor-auto-busy:{profile.id}:{latest_request_id}",
        )
        notify_staff(
            profile.course_id,
            "mentor_auto_busy_staff",
            dedupe_key=f"mentor-auto-busy-staff:{profile.id}:{latest_request_id}",
            mentor=person_name(profile.membership),
            count=expiries,
        )
        record_event(
            profile.course_id,
            None,
            BUSY_EVENT_SUBJECT,
            profile.id,
            BUSY_ON_ACTION,
            automatic=True,
            expiries=expiries,
        )
        refresh_search_document(profile)
        marked += 1
    db.session.flush()
    return marked


def _expiries_since_busy_cleared(profile: MentorProfile) -> tuple[int, int | None]:
    """Count the mentor's expired requests since "busy" was last switched off; and the latest."""
    cleared_at = db.session.scalar(
        select(func.max(MentoringEvent.created_at)).where(
            MentoringEvent.course_id == profile.course_id,
            MentoringEvent.subject == BUSY_EVENT_SUBJECT,
            MentoringEvent.subject_id == profile.id,
            MentoringEvent.action == BUSY_OFF_ACTION,
        )
    )
    query = select(func.count(ContactRequest.id), func.max(ContactRequest.id)).where(
        ContactRequest.mentor_id == profile.id,
        ContactRequest.status == RequestStatus.EXPIRED,
    )
    if cleared_at is not None:
        query = query.where(ContactRequest.closed_at > cleared_at)
    count, latest = db.session.execute(query).one()
    return int(count or 0), latest


def _compare_and_set(model: type, row: object, conditions: list, **values: object) -> bool:
    """Change a row only if it still meets the conditions (one atomic UPDATE); tell if it did."""
    result = db.session.execute(
        update(model)
        .where(model.id == row.id, *conditions)  # type: ignore[attr-defined]
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    db.session.refresh(row)
    return True


def _max_reminder_days() -> int:
    """Return the longest reminder lead time of any programme (or the default)."""
    default = Programme.__table__.c.reminder_days_before.default.arg
    longest = db.session.scalar(select(func.max(Programme.reminder_days_before)))
    return max(int(longest or 0), int(default))


def _request_link(request: ContactRequest) -> str | None:
    """Return the path of the request's page (the inbox until that page exists)."""
    return _page(REQUEST_PAGE, request.course_id, request.id)


def _page(page: tuple[str, str | None], course_id: int, row_id: int | None) -> str | None:
    """Build the path of a course page, or of the inbox when the page does not exist."""
    adapter = current_app.url_map.bind("tool.invalid", script_name="/")
    endpoint, id_name = page
    values: dict[str, int] = {"course_id": course_id}
    if id_name is not None and row_id is not None:
        values[id_name] = row_id
    for endpoint_name, endpoint_values in (
        (endpoint, values),
        (INBOX_PAGE[0], {"course_id": course_id}),
    ):
        try:
            return adapter.build(endpoint_name, endpoint_values)
        except BuildError:
            continue
    return None


class _Programmes:
    """The programmes of the courses one run touches, each loaded (or created) once."""

    def __init__(self) -> None:
        self._by_course: dict[int, Programme] = {}

    def of(self, course_id: int) -> Programme:
        """Return the programme of a course."""
        if course_id not in self._by_course:
            course = db.session.get(Course, course_id)
            assert course is not None  # the request's foreign key guarantees it
            self._by_course[course_id] = programme_for(course)
        return self._by_course[course_id]
