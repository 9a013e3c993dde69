"""Reflection questions and answers (§5) and the gradebook score outbox (§6 AGS)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..lti.models import ResourceLink
from ..models_base import Timestamped, UTCDateTime, utcnow
from ..people.models import Course, Membership
from ..programme.models import enum_column


class ReflectionQuestion(Timestamped, db.Model):
    """One question of a course's reflection activity (§5).

    The seed's questions carry a ``key`` and no ``text``: they are shown translated. Questions
    staff add carry their own ``text``. A retired question keeps its answers but is not asked.
    """

    __tablename__ = "reflection_question"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    key: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()

    @property
    def is_retired(self) -> bool:
        """Tell whether the question is no longer asked."""
        return self.retired_at is not None


class ReflectionAnswer(Timestamped, db.Model):
    """A person's answer to one question: the autosaved draft, the sharing choices, versions.

    Private by default: only the author reads it, unless they share it with their mentor or
    mentees (``is_shared_with_partner``) or with the course staff (``is_shared_with_staff``).
    """

    __tablename__ = "reflection_answer"
    __table_args__ = (UniqueConstraint("question_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("reflection_question.id", ondelete="CASCADE")
    )
    author_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), index=True
    )
    draft_text: Mapped[str | None] = mapped_column(Text)
    draft_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_shared_with_partner: Mapped[bool] = mapped_column(default=False)
    is_shared_with_staff: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    question: Mapped[ReflectionQuestion] = relationship()
    author: Mapped[Membership] = relationship()
    revisions: Mapped[list[ReflectionRevision]] = relationship(
        back_populates="answer",
        cascade="all, delete-orphan",
        order_by="ReflectionRevision.number",
    )

    @property
    def latest(self) -> ReflectionRevision | None:
        """The newest saved version, if any."""
        return self.revisions[-1] if self.revisions else None

    @property
    def has_unsaved_draft(self) -> bool:
        """Tell whether the draft differs from the newest saved version."""
        latest = self.latest
        return self.draft_text is not None and (latest is None or latest.text != self.draft_text)


class ReflectionRevision(db.Model):
    """One saved version of an answer; the history keeps every version (§5)."""

    __tablename__ = "reflection_revision"
    __table_args__ = (UniqueConstraint("answer_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("reflection_answer.id", ondelete="CASCADE"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    answer: Mapped[ReflectionAnswer] = relationship(back_populates="revisions")


class ScoreStatus(enum.StrEnum):
    """Queued until the platform accepted the score; never dropped."""

    QUEUED = "queued"
    POSTED = "posted"


class GradebookScore(db.Model):
    """A completion score on its way to an activity's line item in the LMS gradebook (§6).

    Written in the same transaction as the completion; the job runner posts it, records every
    failure (problem, HTTP status, the platform's words) and retries with back-off.
    """

    __tablename__ = "gradebook_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE")
    )
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    activity: Mapped[str] = mapped_column(String(50))
    #: The platform's id of the person (the launch's ``sub``): the score's ``userId``.
    user_subject: Mapped[str] = mapped_column(String(255))
    score_given: Mapped[float] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float)
    activity_progress: Mapped[str] = mapped_column(String(20))
    grading_progress: Mapped[str] = mapped_column(String(20))
    #: The score's timestamp; moved later only when the platform called it stale.
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The line item the score goes to, once known (from the launch, or found or created).
    lineitem_url: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[ScoreStatus] = mapped_column(
        enum_column(ScoreStatus, "score_status"), default=ScoreStatus.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_problem: Mapped[str | None] = mapped_column(String(40))
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    link: Mapped[ResourceLink] = relationship()
    member: Mapped[Membership] = relationship()
