"""Evaluation questions of a course and the answers of each evaluation (§2, §4.6)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import Timestamped, UTCDateTime, enum_column, utcnow
from ..people.models import Course, Side


class QuestionKind(enum.StrEnum):
    """How a question is answered: a rating from 1 to 5, yes or no, or free text."""

    RATING = "rating"
    YES_NO = "yes_no"
    TEXT = "text"


class EvaluationQuestion(Timestamped, db.Model):
    """One question of a course's end-of-mentorship evaluation (§4.6).

    The seed's questions carry a ``key`` and are shown translated; questions staff add carry
    their own ``text``. ``texts`` holds the staff's rewording per language. A retired question
    keeps its answers but is no longer asked.
    """

    __tablename__ = "evaluation_question"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    key: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[QuestionKind] = mapped_column(
        enum_column(QuestionKind, "evaluation_question_kind")
    )
    text: Mapped[str | None] = mapped_column(Text)
    texts: Mapped[dict[str, str] | None] = mapped_column(JSON)
    #: A rating or yes/no answer must be given; a text answer never has to be.
    is_required: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()

    @property
    def is_retired(self) -> bool:
        """Tell whether the question is no longer asked."""
        return self.retired_at is not None


class EvaluationAnswer(db.Model):
    """One answer of an evaluation: a rating, yes or no, or a text (by the question's kind)."""

    __tablename__ = "evaluation_answer"
    __table_args__ = (UniqueConstraint("evaluation_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_question.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int | None]
    agrees: Mapped[bool | None]
    text: Mapped[str | None] = mapped_column(Text)

    question: Mapped[EvaluationQuestion] = relationship()


class Evaluation(db.Model):
    """One side's evaluation of the process and the results at the end (§4.6).

    The answers are rows of ``evaluation_answer``, one per question the course asked
    (``lti_tool.evaluation``): staff configure the questions (§2).
    """

    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("mentorship_id", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    side: Mapped[Side] = mapped_column(enum_column(Side, "mentorship_side"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
