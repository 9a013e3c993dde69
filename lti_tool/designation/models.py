"""A course's staff naming one of its people a mentor, and the person's answer (issue 9)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import Timestamped, UTCDateTime, enum_column
from ..people.models import Membership


class DesignationStatus(enum.StrEnum):
    """Where an invitation to mentor stands."""

    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class MentorDesignation(Timestamped, db.Model):
    """Staff named a member of their course a mentor; the member accepts or declines.

    One row per membership: designating someone again after a decline or a withdrawal reopens
    the same row. While it is accepted, ``Membership.is_designated_mentor`` is set and every
    launch and roster sync keeps the person a mentor of this course, whatever roles the
    platform sends (Moodle sends Learner for non-editing teachers).
    """

    __tablename__ = "mentor_designation"
    __table_args__ = (UniqueConstraint("membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    status: Mapped[DesignationStatus] = mapped_column(
        enum_column(DesignationStatus, "designation_status")
    )
    designated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership.id", ondelete="SET NULL")
    )
    designated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    membership: Mapped[Membership] = relationship(foreign_keys=[membership_id])
    designated_by: Mapped[Membership | None] = relationship(foreign_keys=[designated_by_id])

    @property
    def is_open(self) -> bool:
        """Whether the invitation waits for an answer or was accepted."""
        return self.status in (DesignationStatus.INVITED, DesignationStatus.ACCEPTED)
