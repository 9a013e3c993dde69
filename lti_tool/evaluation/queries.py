"""Read-side of the evaluation: the questions in the reader's words, answers, averages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from ..extensions import db
from ..wording import worded
from .content import DEFAULT_QUESTIONS
from .models import Evaluation, EvaluationAnswer, EvaluationQuestion, QuestionKind


def question_label(question: EvaluationQuestion) -> Any:
    """Return the words of a question for the reader (rewording, own text or the seed's)."""
    default = question.text
    if not default and question.key in DEFAULT_QUESTIONS:
        default = DEFAULT_QUESTIONS[question.key][1]
    return worded(question.texts, default or question.key or "")


def questions_of(course_id: int, *, include_retired: bool = False) -> list[EvaluationQuestion]:
    """Return the course's questions in their order, retired ones only when asked for."""
    query = select(EvaluationQuestion).filter_by(course_id=course_id)
    if not include_retired:
        query = query.where(EvaluationQuestion.retired_at.is_(None))
    return list(
        db.session.scalars(query.order_by(EvaluationQuestion.position, EvaluationQuestion.id))
    )


def question_in_course(course_id: int, question_id: int) -> EvaluationQuestion | None:
    """Return a question only if it belongs to the course."""
    return db.session.scalar(
        select(EvaluationQuestion).filter_by(id=question_id, course_id=course_id)
    )


@dataclass(frozen=True)
class AnswerItem:
    """One answer of an evaluation as its author sees it."""

    question: EvaluationQuestion
    label: Any
    kind: QuestionKind
    rating: int | None
    agrees: bool | None
    text: str | None

    @property
    def shown(self) -> str:
        """The answer in words."""
        if self.kind == QuestionKind.RATING:
            return f"{self.rating} / 5" if self.rating is not None else "—"
        if self.kind == QuestionKind.YES_NO:
            return "—" if self.agrees is None else (_("Yes") if self.agrees else _("No"))
        return self.text or ""


def answers_of(evaluation_id: int, *, scores_only: bool = False) -> list[AnswerItem]:
    """Return an evaluation's answers in the questions' order (ratings and yes/no if asked)."""
    rows = db.session.execute(
        select(EvaluationAnswer, EvaluationQuestion)
        .join(EvaluationQuestion, EvaluationQuestion.id == EvaluationAnswer.question_id)
        .where(EvaluationAnswer.evaluation_id == evaluation_id)
        .order_by(EvaluationQuestion.position, EvaluationQuestion.id)
    )
    return [
        AnswerItem(question, question_label(question), question.kind, a.rating, a.agrees, a.text)
        for a, question in rows
        if not (scores_only and question.kind == QuestionKind.TEXT)
    ]


def answer_value(answer: EvaluationAnswer | AnswerItem) -> Any:
    """Return an answer's value for an export: the rating, yes/no as a boolean, or the text."""
    if answer.rating is not None:
        return answer.rating
    if answer.agrees is not None:
        return answer.agrees
    return answer.text


def answers_by_field(evaluation_id: int) -> dict[str, Any]:
    """Return an evaluation's answers keyed by field name (the seed's key or ``q`` and id)."""
    return {
        item.question.key or f"q{item.question.id}": answer_value(item)
        for item in answers_of(evaluation_id)
    }


@dataclass(frozen=True)
class SideAverage:
    """How many of one side answered a question, and their average (never one person's)."""

    answers: int
    #: The mean rating (1–5), or the share of "yes" (0–1); None without answers.
    value: float | None


@dataclass(frozen=True)
class QuestionAverage:
    """The averaged answers to one rating or yes/no question, per side."""

    question: EvaluationQuestion
    label: Any
    number: int
    by_side: dict[str, SideAverage]

    @property
    def kind(self) -> QuestionKind:
        """How the question is answered."""
        return self.question.kind


def averages(course_id: int, mentorship_ids: Any) -> list[QuestionAverage]:
    """Return, per rating or yes/no question, how many of each side answered and the average.

    ``mentorship_ids`` is a selectable of the mentorship ids to count; a retired question keeps
    its averages while it has answers.
    """

    rows = db.session.execute(
        select(
            EvaluationQuestion.id,
            Evaluation.side,
            func.count(EvaluationAnswer.id),
            func.avg(
                case(
                    (EvaluationQuestion.kind == QuestionKind.RATING, EvaluationAnswer.rating),
                    (EvaluationAnswer.agrees.is_(True), 1.0),
                    (EvaluationAnswer.agrees.is_(False), 0.0),
                    else_=None,
                )
            ),
        )
        .join(EvaluationAnswer, EvaluationAnswer.question_id == EvaluationQuestion.id)
        .join(Evaluation, Evaluation.id == EvaluationAnswer.evaluation_id)
        .where(
            EvaluationQuestion.course_id == course_id,
            EvaluationQuestion.kind != QuestionKind.TEXT,
            Evaluation.mentorship_id.in_(mentorship_ids),
            (EvaluationAnswer.rating.is_not(None)) | (EvaluationAnswer.agrees.is_not(None)),
        )
        .group_by(EvaluationQuestion.id, Evaluation.side)
    )
    found = {(question_id, str(side)): (count, avg) for question_id, side, count, avg in rows}
    result: list[QuestionAverage] = []
    for question in questions_of(course_id, include_retired=True):
        if question.kind == QuestionKind.TEXT:
            continue
        by_side: dict[str, SideAverage] = {}
        for side in ("mentee", "mentor"):
            count, value = found.get((question.id, side), (0, None))
            by_side[side] = SideAverage(
                count, round(float(value), 2) if value is not None else None
            )
        if question.is_retired and not any(each.answers for each in by_side.values()):
            continue
        result.append(QuestionAverage(question, question_label(question), len(result) + 1, by_side))
    return result
