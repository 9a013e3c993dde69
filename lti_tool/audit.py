"""The audit trail of mentoring transitions: who did what to which row, and when (§4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .models_base import UTCDateTime, utcnow
from .people.models import Membership


class MentoringEvent(db.Model):
    """The audit trail: one row per state transition, who did it and when (§4)."""

    __tablename__ = "mentoring_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
