"""The audit trail of mentoring transitions: who did what to which row, and when (§4)."""

from __future__ import annotations

from typing import Any

from .extensions import db
from .mentoring.models import MentoringEvent
from .people.models import Membership


def record_event(
    course_id: int,
    actor: Membership | None,
    subject: str,
    subject_id: int,
    action: str,
    **data: Any,
) -> MentoringEvent:
    """Append one audited transition (``subject`` is the row kind, e.g. ``"request"``)."""
    event = MentoringEvent(
        course_id=course_id,
        actor_id=actor.id if actor is not None else None,
        subject=subject,
        subject_id=subject_id,
        action=action,
        data=data,
    )
    db.session.add(event)
    return event
