"""A course's mentoring programme (§2) and who accepted its standards (§3)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import Timestamped, UTCDateTime, enum_column, utcnow
from ..people.models import Course, User


class MatchingMode(enum.StrEnum):
    """Who makes the pairs: learners choose, staff assign, or both (§2)."""

    LEARNERS_CHOOSE = "learners_choose"
    STAFF_ASSIGN = "staff_assign"
    BOTH = "both"


class Programme(Timestamped, db.Model):
    """The mentoring programme of one course, with the seed's defaults (§2)."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), unique=True)
    contacts_per_mentorship: Mapped[int] = mapped_column(default=4)
    answer_deadline_days: Mapped[int] = mapped_column(default=7)
    reminder_days_before: Mapped[int] = mapped_column(default=2)
    mentor_capacity: Mapped[int] = mapped_column(default=3)
    requires_mentor_approval: Mapped[bool] = mapped_column(default=False)
    matching_mode: Mapped[MatchingMode] = mapped_column(
        enum_column(MatchingMode, "matching_mode"), default=MatchingMode.BOTH
    )
    expiries_before_auto_busy: Mapped[int] = mapped_column(default=2)
    staff_see_evaluation_scores: Mapped[bool] = mapped_column(default=True)

    course: Mapped[Course] = relationship()


class PlatformDefaults(Timestamped, db.Model):
    """The programme settings a platform's new courses start with, set by its administrators.

    A course's :class:`Programme` copies them when it is created; later changes here leave
    existing programmes alone (SPEC §1 "Institution admin").
    """

    __tablename__ = "platform_defaults"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    contacts_per_mentorship: Mapped[int] = mapped_column(default=4)
    answer_deadline_days: Mapped[int] = mapped_column(default=7)
    reminder_days_before: Mapped[int] = mapped_column(default=2)
    mentor_capacity: Mapped[int] = mapped_column(default=3)
    requires_mentor_approval: Mapped[bool] = mapped_column(default=False)
    matching_mode: Mapped[MatchingMode] = mapped_column(
        enum_column(MatchingMode, "matching_mode"), default=MatchingMode.BOTH
    )
    expiries_before_auto_busy: Mapped[int] = mapped_column(default=2)
    staff_see_evaluation_scores: Mapped[bool] = mapped_column(default=True)


class StandardsAcceptance(db.Model):
    """A person's acceptance of one version of the programme standards in a course (§3)."""

    __tablename__ = "standards_acceptance"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(20))
    confirmed_of_age: Mapped[bool] = mapped_column(default=False)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
