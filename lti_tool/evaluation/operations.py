"""The evaluation's questions (staff configure them, §2) and the answers of one evaluation.

Staff add questions here (with their kind); wording anew, moving, retiring and restoring are
the shared rules of :mod:`lti_tool.questionnaires`. The seed's questions are given to a course
the first time its evaluation is needed. Functions flush, never commit; a refusal is a
:class:`~lti_tool.refusals.Refusal` naming its form field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..people.models import Membership
from ..questionnaires.operations import next_position, question_text, require_staff
from ..refusals import Refusal
from ..text import clean_text
from .content import DEFAULT_QUESTIONS
from .models import Evaluation, EvaluationAnswer, EvaluationQuestion, QuestionKind

#: Ratings of the evaluation, 1 (lowest) to 5 (highest).
RATINGS: tuple[int, ...] = (1, 2, 3, 4, 5)
MAX_ANSWER = 4_000


def field_name(question: EvaluationQuestion) -> str:
    """Return the form field of a question: the seed's key, else ``q`` and its id."""
    return question.key or f"q{question.id}"


def ensure_default_questions(course_id: int) -> None:
    """Give a course the seed's evaluation questions the first time they are needed."""
    if db.session.scalar(select(EvaluationQuestion.id).filter_by(course_id=course_id).limit(1)):
        return
    try:
        with db.session.begin_nested():
            for position, (key, (kind, _words)) in enumerate(DEFAULT_QUESTIONS.items(), start=1):
                db.session.add(
                    EvaluationQuestion(
                        course_id=course_id,
                        key=key,
                        kind=kind,
                        is_required=kind != QuestionKind.TEXT,
                        position=position,
                    )
                )
    except IntegrityError:
        pass  # another request gave the course its questions at the same moment


def asked_questions(course_id: int) -> list[EvaluationQuestion]:
    """Return the questions a course asks now, in their order."""
    return list(
        db.session.scalars(
            select(EvaluationQuestion)
            .filter_by(course_id=course_id, retired_at=None)
            .order_by(EvaluationQuestion.position, EvaluationQuestion.id)
        )
    )


def _rating(value: Any, field: str, *, required: bool) -> int | None:
    if value in (None, "") and not required:
        return None
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if rating not in RATINGS:
        raise Refusal(_("Choose a rating from 1 to 5."), field)
    return rating


def _agrees(value: Any, field: str, *, required: bool) -> bool | None:
    if value in (None, "") and not required:
        return None
    if isinstance(value, bool):
        return value
    if value in ("yes", "no"):
        return value == "yes"
    raise Refusal(_("Answer yes or no."), field)


def record_answers(
    evaluation: Evaluation, course_id: int, answers: Mapping[str, Any]
) -> list[EvaluationAnswer]:
    """Check and store one answer per asked question, keyed by each question's field name.

    Every answer is checked before any is stored, so a refusal leaves nothing behind.
    """
    ensure_default_questions(course_id)
    questions = asked_questions(course_id)
    rows = []
    for question in questions:
        name = field_name(question)
        value = answers.get(name)
        row = EvaluationAnswer(question_id=question.id)
        if question.kind == QuestionKind.RATING:
            row.rating = _rating(value, name, required=question.is_required)
        elif question.kind == QuestionKind.YES_NO:
            row.agrees = _agrees(value, name, required=question.is_required)
        else:
            row.text = clean_text(
                None if value is None else str(value),
                name,
                required=question.is_required,
                limit=MAX_ANSWER,
            )
        rows.append(row)
    for row in rows:
        row.evaluation_id = evaluation.id
        db.session.add(row)
    db.session.flush()
    return rows


# --- questions (staff) -----------------------------------------------------------------------


def add_question(
    staff: Membership, *, text: str, kind: str, is_required: bool
) -> EvaluationQuestion:
    """Add a question of the staff's own at the end of the course's evaluation."""
    require_staff(staff)
    ensure_default_questions(staff.course_id)
    cleaned = question_text(text)
    try:
        chosen = QuestionKind(kind)
    except ValueError:
        raise Refusal(_("Choose among the options shown."), "kind") from None
    question = EvaluationQuestion(
        course_id=staff.course_id,
        kind=chosen,
        text=cleaned,
        is_required=bool(is_required) and chosen != QuestionKind.TEXT,
        position=next_position(EvaluationQuestion, staff.course_id),
    )
    db.session.add(question)
    db.session.flush()
    return question
