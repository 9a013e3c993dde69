"""A concern reported to the course staff, and what staff did about it (§3)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import Timestamped, UTCDateTime, enum_column, utcnow
from ..people.models import Membership


class ConcernStatus(enum.StrEnum):
    """A reported concern is open until staff close it."""

    OPEN = "open"
    CLOSED = "closed"


class Concern(Timestamped, db.Model):
    """A confidential report to the course staff about a mentorship or a person (§3)."""

    __tablename__ = "concern"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    mentorship_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentorship.id", ondelete="SET NULL")
    )
    about_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[ConcernStatus] = mapped_column(
        enum_column(ConcernStatus, "concern_status"), default=ConcernStatus.OPEN
    )
    action_taken: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership.id", ondelete="SET NULL")
    )

    reporter: Mapped[Membership] = relationship(foreign_keys=[reporter_id])


class ConcernAction(db.Model):
    """What the course staff did about a reported concern, one entry per action (§3)."""

    __tablename__ = "concern_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(
        ForeignKey("concern.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
