"""The evaluation's questions (staff configure them, §2) and the answers of one evaluation.

Staff add, reword (per language), move, retire and restore questions, as for the reflection;
the seed's questions are given to a course the first time its evaluation is needed. Functions
flush, never commit; a refusal is a :class:`~lti_tool.refusals.Refusal` naming its form field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models_base import utcnow
from ..people.models import CourseRole, Membership
from ..refusals import NotAllowed, Refusal
from ..wording import languages
from .content import DEFAULT_QUESTIONS
from .models import EvaluationAnswer, EvaluationQuestion, QuestionKind

if TYPE_CHECKING:
    from ..mentoring.models import Evaluation

#: Ratings of the evaluation, 1 (lowest) to 5 (highest).
RATINGS: tuple[int, ...] = (1, 2, 3, 4, 5)
MAX_QUESTION = 1_000
MAX_ANSWER = 4_000


#: A rule refused the move (the tool's one refusal type; ``message`` beside ``field``).
EvaluationError = Refusal


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


def _clean_text(value: Any, field: str, *, required: bool, limit: int) -> str:
    text = ("" if value is None else str(value)).strip()
    if required and not text:
        raise EvaluationError(_("This field is required."), field)
    if len(text) > limit:
        raise EvaluationError(_("Write at most %(limit)s characters.", limit=limit), field)
    return text


def _rating(value: Any, field: str, *, required: bool) -> int | None:
    if value in (None, "") and not required:
        return None
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if rating not in RATINGS:
        raise EvaluationError(_("Choose a rating from 1 to 5."), field)
    return rating


def _agrees(value: Any, field: str, *, required: bool) -> bool | None:
    if value in (None, "") and not required:
        return None
    if isinstance(value, bool):
        return value
    if value in ("yes", "no"):
        return value == "yes"
    raise EvaluationError(_("Answer yes or no."), field)


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
            row.text = _clean_text(value, name, required=question.is_required, limit=MAX_ANSWER)
        rows.append(row)
    for row in rows:
        row.evaluation_id = evaluation.id
        db.session.add(row)
    db.session.flush()
    return rows


# --- questions (staff) -----------------------------------------------------------------------


def _require_staff(member: Membership, question: EvaluationQuestion | None = None) -> None:
    if member.role != CourseRole.STAFF:
        raise NotAllowed("only staff manage the evaluation questions")
    if question is not None and question.course_id != member.course_id:
        raise NotAllowed("a question of another course")


def add_question(
    staff: Membership, *, text: str, kind: str, is_required: bool
) -> EvaluationQuestion:
    """Add a question of the staff's own at the end of the course's evaluation."""
    _require_staff(staff)
    ensure_default_questions(staff.course_id)
    cleaned = _clean_text(text, "text", required=True, limit=MAX_QUESTION)
    try:
        chosen = QuestionKind(kind)
    except ValueError:
        raise EvaluationError(_("Choose among the options shown."), "kind") from None
    last = db.session.scalar(
        select(func.max(EvaluationQuestion.position)).filter_by(course_id=staff.course_id)
    )
    question = EvaluationQuestion(
        course_id=staff.course_id,
        kind=chosen,
        text=cleaned,
        is_required=bool(is_required) and chosen != QuestionKind.TEXT,
        position=(last or 0) + 1,
    )
    db.session.add(question)
    db.session.flush()
    return question


def reword_question(
    staff: Membership, question: EvaluationQuestion, *, language: str, text: str
) -> EvaluationQuestion:
    """Word a question anew for one language; an empty text goes back to the default words."""
    _require_staff(staff, question)
    if language not in languages():
        raise EvaluationError(_("Choose among the options shown."), "language")
    cleaned = _clean_text(text, "text", required=False, limit=MAX_QUESTION)
    texts = dict(question.texts or {})
    if cleaned:
        texts[language] = cleaned
    else:
        texts.pop(language, None)
    question.texts = texts or None
    db.session.flush()
    return question


def move_question(staff: Membership, question: EvaluationQuestion, *, up: bool) -> None:
    """Swap a question with its neighbour above (``up``) or below."""
    _require_staff(staff, question)
    ordered = list(
        db.session.scalars(
            select(EvaluationQuestion)
            .filter_by(course_id=staff.course_id)
            .order_by(EvaluationQuestion.position, EvaluationQuestion.id)
        )
    )
    for position, each in enumerate(ordered, start=1):
        each.position = position
    index = ordered.index(question)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index].position, ordered[other].position = (
            ordered[other].position,
            ordered[index].position,
        )
    db.session.flush()


def retire_question(staff: Membership, question: EvaluationQuestion) -> None:
    """Stop asking a question; the answers already given stay and keep their averages."""
    _require_staff(staff, question)
    if question.retired_at is None:
        question.retired_at = utcnow()
    db.session.flush()


def restore_question(staff: Membership, question: EvaluationQuestion) -> None:
    """Ask a retired question again."""
    _require_staff(staff, question)
    question.retired_at = None
    db.session.flush()
