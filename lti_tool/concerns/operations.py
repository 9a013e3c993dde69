"""Reporting a concern, recording what staff did about it, and closing it (§3).

Functions check who may act, refuse bad input with translated messages (``Refusal``),
flush and never commit. The audit trail says that a report exists, never what it says.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ..audit import record_event
from ..extensions import db
from ..mentoring.models import Mentorship
from ..mentoring.rules import (
    require_participant,
    require_side,
    require_staff,
)
from ..models_base import utcnow
from ..notifications.operations import notify_staff
from ..people.models import Membership
from ..refusals import NotAllowed, Refusal
from ..text import clean_text
from .models import Concern, ConcernAction, ConcernStatus

MAX_ACTION_TEXT = 4000


def report_concern(
    member: Membership,
    *,
    text: str,
    mentorship: Mentorship | None = None,
    about: Membership | None = None,
) -> Concern:
    """Report a concern, about one's mentorship or a person of the course, to the staff."""
    require_participant(member)
    if mentorship is not None:
        require_side(member, mentorship)
    if about is not None:
        if about.course_id != member.course_id:
            raise NotAllowed("a person of another course")
        if about.id == member.id:
            raise Refusal(_("Choose someone other than yourself."), "about")
    concern = Concern(
        course_id=member.course_id,
        reporter=member,
        mentorship_id=mentorship.id if mentorship is not None else None,
        about_id=about.id if about is not None else None,
        text=clean_text(text, "text", required=True),
        status=ConcernStatus.OPEN,
    )
    db.session.add(concern)
    db.session.flush()
    # The audit trail says that a report exists, never what it says (reports are confidential).
    record_event(member.course_id, member, "concern", concern.id, "reported")
    notify_staff(member.course_id, "concern_reported", course=member.course.display_title)
    return concern


def close_concern(staff: Membership, concern: Concern, *, action_taken: str) -> Concern:
    """Close an open concern, as course staff, saying what was done."""
    require_staff(staff, concern.course_id)
    if concern.status != ConcernStatus.OPEN:
        raise Refusal(_("This concern is already closed."))
    concern.action_taken = clean_text(action_taken, "action_taken", required=True)
    concern.status = ConcernStatus.CLOSED
    concern.closed_at = utcnow()
    concern.closed_by_id = staff.id
    db.session.flush()
    record_event(staff.course_id, staff, "concern", concern.id, "closed")
    return concern


def record_concern_action(staff: Membership, concern: Concern, *, text: str) -> ConcernAction:
    """Record what staff did about a concern (it stays open)."""
    require_staff(staff, concern.course_id)
    if concern.status != ConcernStatus.OPEN:
        raise Refusal(_("This concern is already closed."), "text")
    text = clean_text(text, "text", required=True, limit=MAX_ACTION_TEXT)
    action = ConcernAction(concern_id=concern.id, staff_id=staff.id, text=text, created_at=utcnow())
    db.session.add(action)
    db.session.flush()
    record_event(staff.course_id, staff, "concern", concern.id, "action_recorded")
    return action
