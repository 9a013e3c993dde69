"""Reflection questions and answers with their history (§5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import Timestamped, UTCDateTime, enum_column, utcnow
from ..people.models import Course, Membership
from .content import Audience


class ReflectionQuestion(Timestamped, db.Model):
    """One question of a course's reflection activity (§5).

    The seed's questions carry a ``key`` and no ``text``: they are shown translated. Questions
    staff add carry their own ``text``; ``texts`` holds the staff's rewording per language. The
    ``audience`` says who answers it. A retired question keeps its answers but is not asked.
    """

    __tablename__ = "reflection_question"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    key: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str | None] = mapped_column(Text)
    texts: Mapped[dict[str, str] | None] = mapped_column(JSON)
    audience: Mapped[Audience] = mapped_column(
        enum_column(Audience, "reflection_audience"), default=Audience.EVERYONE
    )
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
