"""What every move of the journey shares: its refusals, who is who, clean text, notices.

The verbs live by sub-domain: :mod:`.requests` (§4.3), :mod:`.mentorships` (§4.4–§4.6) and
:mod:`.agreements` (agreement and preparation forms); concerns in :mod:`lti_tool.concerns`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import LazyString, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..extensions import db
from ..mentors.models import MentorProfile, MentorStatus
from ..people.models import CourseRole, Membership, Side
from ..refusals import NotAllowed, Refusal
from .models import ContactRequest, Mentorship, MentorshipStatus, RequestStatus

#: The latest time zone on Earth is UTC+14: a contact held "today" there is not in the future.
LATEST_UTC_OFFSET = timedelta(hours=14)
#: The earliest time zone is UTC-12: a mentorship started at 00:30 UTC began the day before there.
EARLIEST_UTC_OFFSET = timedelta(hours=12)
#: The longest "frequency" of an agreement (its column is 200 characters).
MAX_FREQUENCY = 200


class AlreadyDone(Refusal):
    """The same move was already made, e.g. a form sent twice: ``outcome`` is what it made.

    Views answer with the first result (its page and a neutral message), never an error page.
    """

    def __init__(self, message: str, outcome: Any = None) -> None:
        super().__init__(message)
        self.outcome = outcome


def contact_dates(mentorship: Mentorship) -> tuple[date, date]:
    """The first and the last day a contact of the mentorship can be dated: not before the
    mentorship started, not after today (in any time zone of its two people)."""
    from ..models_base import utcnow

    return (
        (mentorship.started_at - EARLIEST_UTC_OFFSET).date(),
        (utcnow() + LATEST_UTC_OFFSET).date(),
    )


def contact_date_refusal(mentorship: Mentorship, held_on: date) -> str | None:
    """Why a contact of the mentorship cannot carry this date, or ``None`` (the one rule the
    operation and the contact form both apply, so every field's error shows at once)."""
    first_day, last_day = contact_dates(mentorship)
    if held_on > last_day:
        return _("A contact cannot be logged before it took place.")
    if held_on < first_day:
        return _(
            "A contact cannot be dated before the mentorship started (%(date)s).",
            date=format_date(first_day, "long"),
        )
    return None


def lock(row: Any) -> None:
    """Hold the row until the transaction ends, then re-read it: re-check every rule after this.

    An UPDATE that changes nothing takes the row lock on PostgreSQL and the write lock on
    SQLite, so two people (or a double click) acting on the same row at once go one after the
    other, and the second sees what the first committed. Lock in the order request, mentorship,
    mentor profile, so that two moves never wait for each other.
    """
    model = type(row)
    db.session.flush()
    db.session.execute(
        update(model)
        .where(model.id == row.id)
        .values({model.id: model.id})
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(row)


# --- who is who ------------------------------------------------------------------------------


def side_of(member: Membership, mentorship: Mentorship) -> Side | None:
    """Return the member's side of the mentorship, or None when they are not in it."""
    if member.course_id != mentorship.course_id:
        return None
    if mentorship.mentee_id == member.id:
        return Side.MENTEE
    if mentorship.mentor.membership_id == member.id:
        return Side.MENTOR
    return None


def require_side(member: Membership, mentorship: Mentorship) -> Side:
    """Return the member's side, refusing outsiders, barred people and excluded mentors."""
    side = side_of(member, mentorship)
    if side is None:
        raise NotAllowed("not a member of this mentorship")
    if member.barred_at is not None:
        raise NotAllowed("barred from the programme")
    if side == Side.MENTOR and mentorship.mentor.status == MentorStatus.EXCLUDED:
        raise NotAllowed("excluded mentors no longer act in their mentorships")
    return side


def require_participant(member: Membership) -> None:
    """Refuse staff, people who left the course and people barred from the programme."""
    if member.role == CourseRole.STAFF or not member.is_active:
        raise NotAllowed("staff are not participants")
    if member.barred_at is not None:
        raise NotAllowed("barred from the programme")


def require_staff(staff: Membership, course_id: int) -> None:
    """Refuse anyone but active staff of the course."""
    if staff.role != CourseRole.STAFF or staff.course_id != course_id or not staff.is_active:
        raise NotAllowed("only the course's staff run its programme")


def require_request_mentor(mentor: Membership, request: ContactRequest) -> MentorProfile:
    profile = request.mentor
    if request.course_id != mentor.course_id or profile.membership_id != mentor.id:
        raise NotAllowed("only the mentor a request was sent to may answer it")
    return profile


def require_pending(request: ContactRequest) -> None:
    messages = {
        RequestStatus.ACCEPTED: _("This request was already accepted."),
        RequestStatus.DECLINED: _("This request was already declined."),
        RequestStatus.EXPIRED: _("This request expired: its answer deadline has passed."),
        RequestStatus.WITHDRAWN: _("The mentee withdrew this request."),
    }
    if request.status != RequestStatus.PENDING:
        raise Refusal(messages[request.status])


def require_not_ended_early(mentorship: Mentorship) -> None:
    """Refuse changes to a mentorship ended early, or closed after its continuation."""
    if mentorship.status == MentorshipStatus.ENDED_EARLY:
        raise Refusal(_("This mentorship was ended early."))
    if mentorship.continuation_closed_at is not None:
        raise Refusal(_("This mentorship is closed: nothing more is logged."))


def require_preparable(mentorship: Mentorship, contact_number: int) -> None:
    """Forms exist for past contacts and the next one (not the next one after an early end)."""
    last = mentorship.contacts_done
    if mentorship.status != MentorshipStatus.ENDED_EARLY:
        last += 1
    if not 1 <= contact_number <= last:
        raise Refusal(_("There is no such contact to prepare or follow up."))


def other_member(mentorship: Mentorship, side: Side) -> Membership:
    return mentorship.mentor.membership if side == Side.MENTEE else mentorship.mentee


def active_places(profile: MentorProfile) -> int:
    """Count the mentor's mentorships in progress: the place count is derived, never kept."""
    return (
        db.session.scalar(
            select(func.count(Mentorship.id)).filter_by(
                mentor_id=profile.id, status=MentorshipStatus.ACTIVE
            )
        )
        or 0
    )


def active_pair_exists(mentee: Membership, profile: MentorProfile) -> bool:
    """Whether these two have a mentorship in progress."""
    return (
        db.session.scalar(
            select(Mentorship.id).filter_by(
                mentee_id=mentee.id, mentor_id=profile.id, status=MentorshipStatus.ACTIVE
            )
        )
        is not None
    )


# --- small helpers ---------------------------------------------------------------------------


def clean_choices(values: Iterable[str], allowed: dict[str, Any], field: str) -> list[str]:
    """Return the chosen values in the allowed order, refusing unknown ones."""
    chosen = set(values or ())
    if chosen - set(allowed):
        raise Refusal(_("Choose among the options shown."), field)
    return [value for value in allowed if value in chosen]


def name_for(member: Membership, recipient: Membership | None = None) -> str | LazyString:
    """Return the member's name for a notice; without one, "a participant" in the language the
    notice is read in."""
    return member.user.display_name or _l("a participant")


def path_to(endpoint: str, **values: Any) -> str:
    """Return the path of a page, with or without a request (jobs build links too)."""
    adapter = current_app.url_map.bind("tool.invalid", script_name="/")
    return adapter.build(endpoint, values)


def mentorship_path(mentorship: Mentorship) -> str:
    return path_to(
        "mentoring.mentorship", course_id=mentorship.course_id, mentorship_id=mentorship.id
    )
