"""The rules of a course's question list, for any question model with the shared columns.

A question model has ``id``, ``course_id``, ``texts`` (staff's words per language),
``position`` and ``retired_at``. Functions check who acts (``NotAllowed``) and the rules
(:class:`~lti_tool.refusals.Refusal` naming its form field); they flush, never commit.
"""

from __future__ import annotations

from typing import Any, Protocol

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models_base import utcnow
from ..people.models import CourseRole, Membership
from ..refusals import NotAllowed, Refusal
from ..text import clean_text
from ..wording import languages

#: Characters a question (or its words in one language) may have at most.
MAX_QUESTION = 1_000


class Question(Protocol):
    """The columns every question model has."""

    id: Any
    course_id: Any
    texts: Any
    position: Any
    retired_at: Any


def require_staff(member: Membership, question: Question | None = None) -> None:
    """Refuse anyone but the course's staff, and a question of another course."""
    if member.role != CourseRole.STAFF:
        raise NotAllowed("only staff manage the questions")
    if question is not None and question.course_id != member.course_id:
        raise NotAllowed("a question of another course")


def question_text(text: str | None) -> str:
    """A new question's text: required, at most :data:`MAX_QUESTION` characters."""
    return clean_text(text, "text", required=True, limit=MAX_QUESTION)


def next_position(model: type[Any], course_id: int) -> int:
    """The position after the last question of the course's list."""
    last = db.session.scalar(select(func.max(model.position)).filter_by(course_id=course_id))
    return (last or 0) + 1


def reword(staff: Membership, question: Question, *, language: str, text: str | None) -> None:
    """Word a question anew for one language; an empty text goes back to the default words."""
    require_staff(staff, question)
    if language not in languages():
        raise Refusal(_("Choose among the options shown."), "language")
    cleaned = clean_text(text, "text", required=False, limit=MAX_QUESTION)
    texts = dict(question.texts or {})
    if cleaned:
        texts[language] = cleaned
    else:
        texts.pop(language, None)
    question.texts = texts or None
    db.session.flush()


def move(staff: Membership, question: Question, *, up: bool) -> None:
    """Swap a question with its neighbour above (``up``) or below in the course's order."""
    require_staff(staff, question)
    model = type(question)
    ordered = list(
        db.session.scalars(
            select(model).filter_by(course_id=staff.course_id).order_by(model.position, model.id)
        )
    )
    for position, each in enumerate(ordered, start=1):
        each.position = position  # close gaps and ties first
    index = ordered.index(question)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index].position, ordered[other].position = (
            ordered[other].position,
            ordered[index].position,
        )
    db.session.flush()


def retire(staff: Membership, question: Question) -> None:
    """Stop asking a question; the answers already given stay."""
    require_staff(staff, question)
    if question.retired_at is None:
        question.retired_at = utcnow()
    db.session.flush()


def restore(staff: Membership, question: Question) -> None:
    """Ask a retired question again."""
    require_staff(staff, question)
    question.retired_at = None
    db.session.flush()
