"""Read-side queries of the reflection pages, each scoped to the course and to the reader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import LazyString
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..gradebook.models import GradebookScore, ScoreStatus
from ..lti.services import HINTS, Problem
from ..mentoring.models import Mentorship
from ..mentors.models import MentorProfile
from ..people.models import CourseRole, Membership
from .content import DEFAULT_QUESTIONS
from .models import ReflectionAnswer, ReflectionQuestion


def question_label(question: ReflectionQuestion) -> str | LazyString:
    """Return the words of a question: the staff's text, or the seed's question translated."""
    if question.text:
        return question.text
    return DEFAULT_QUESTIONS.get(question.key or "", question.key or "")


def questions_of(course_id: int, *, include_retired: bool = False) -> list[ReflectionQuestion]:
    """Return the course's questions in their order, retired ones only when asked for."""
    query = select(ReflectionQuestion).filter_by(course_id=course_id)
    if not include_retired:
        query = query.where(ReflectionQuestion.retired_at.is_(None))
    return list(
        db.session.scalars(query.order_by(ReflectionQuestion.position, ReflectionQuestion.id))
    )


def question_in_course(course_id: int, question_id: int) -> ReflectionQuestion | None:
    """Return a question only if it belongs to the course."""
    return db.session.scalar(
        select(ReflectionQuestion).filter_by(id=question_id, course_id=course_id)
    )


@dataclass
class QuestionItem:
    """One question as its reader sees it, with their answer (if any)."""

    question: ReflectionQuestion
    label: Any
    answer: ReflectionAnswer | None

    @property
    def is_done(self) -> bool:
        """Tell whether a version of the answer is saved."""
        return self.answer is not None and self.answer.submitted_at is not None

    @property
    def text(self) -> str:
        """The text to show in the answer box: the draft, else the newest version."""
        if self.answer is None:
            return ""
        if self.answer.draft_text is not None:
            return self.answer.draft_text
        latest = self.answer.latest
        return latest.text if latest else ""


@dataclass
class Progress:
    """A participant's reflection: every question still asked, what is done and what is left."""

    items: list[QuestionItem]

    @property
    def done(self) -> int:
        """How many questions have a saved answer."""
        return sum(item.is_done for item in self.items)

    @property
    def total(self) -> int:
        """How many questions are asked."""
        return len(self.items)

    @property
    def is_complete(self) -> bool:
        """Tell whether every question has a saved answer."""
        return self.total > 0 and self.done == self.total


def _answers_by_question(member: Membership) -> dict[int, ReflectionAnswer]:
    answers = db.session.scalars(
        select(ReflectionAnswer)
        .options(selectinload(ReflectionAnswer.revisions))
        .filter_by(author_id=member.id, course_id=member.course_id)
    )
    return {answer.question_id: answer for answer in answers}


def progress_of(member: Membership) -> Progress:
    """Return the member's reflection, question by question."""
    answers = _answers_by_question(member)
    return Progress(
        [
            QuestionItem(question, question_label(question), answers.get(question.id))
            for question in questions_of(member.course_id)
        ]
    )


def own_answer(member: Membership, question: ReflectionQuestion) -> ReflectionAnswer | None:
    """Return the member's answer to a question of their course, with its versions."""
    return db.session.scalar(
        select(ReflectionAnswer)
        .options(selectinload(ReflectionAnswer.revisions))
        .filter_by(question_id=question.id, author_id=member.id, course_id=member.course_id)
    )


def partner_ids(member: Membership) -> set[int]:
    """Return the memberships on the other side of the member's mentorships in the course."""
    rows = db.session.execute(
        select(Mentorship.mentee_id, MentorProfile.membership_id)
        .join(MentorProfile, Mentorship.mentor_id == MentorProfile.id)
        .where(
            Mentorship.course_id == member.course_id,
            or_(Mentorship.mentee_id == member.id, MentorProfile.membership_id == member.id),
        )
    )
    partners: set[int] = set()
    for mentee_id, mentor_membership_id in rows:
        partners.add(mentor_membership_id if mentee_id == member.id else mentee_id)
    partners.discard(member.id)
    return partners


@dataclass
class SharedAnswer:
    """An answer someone shared with the reader."""

    author: Membership
    label: Any
    text: str
    submitted_at: datetime | None


def shared_with(reader: Membership) -> list[SharedAnswer]:
    """Return the saved answers of the course that their authors shared with the reader.

    Mentors and mentees read what their partners shared with them; staff read what was shared
    with staff. Nobody else reads anything, and drafts are never shared.
    """
    condition: ColumnElement[bool]
    if reader.role == CourseRole.STAFF:
        condition = ReflectionAnswer.is_shared_with_staff.is_(True)
    else:
        partners = partner_ids(reader)
        if not partners:
            return []
        condition = ReflectionAnswer.is_shared_with_partner.is_(True) & (
            ReflectionAnswer.author_id.in_(partners)
        )
    answers = db.session.scalars(
        select(ReflectionAnswer)
        .options(
            selectinload(ReflectionAnswer.revisions),
            joinedload(ReflectionAnswer.question),
            joinedload(ReflectionAnswer.author).joinedload(Membership.user),
        )
        .join(ReflectionQuestion, ReflectionAnswer.question_id == ReflectionQuestion.id)
        .where(
            ReflectionAnswer.course_id == reader.course_id,
            ReflectionAnswer.submitted_at.is_not(None),
            ReflectionAnswer.author_id != reader.id,
            condition,
        )
        .order_by(ReflectionAnswer.author_id, ReflectionQuestion.position, ReflectionQuestion.id)
    )
    return [
        SharedAnswer(
            answer.author, question_label(answer.question), latest.text, latest.submitted_at
        )
        for answer in answers
        if (latest := answer.latest) is not None
    ]


@dataclass
class CompletionRow:
    """One participant's completion as staff see it: counts, never the text."""

    member: Membership
    done: int
    total: int

    @property
    def is_complete(self) -> bool:
        """Tell whether every question has a saved answer."""
        return self.total > 0 and self.done >= self.total


def completion_overview(staff: Membership) -> list[CompletionRow]:
    """Return every active participant of the staff's course with their answered count."""
    asked = [question.id for question in questions_of(staff.course_id)]
    members = db.session.scalars(
        select(Membership)
        .options(joinedload(Membership.user))
        .where(
            Membership.course_id == staff.course_id,
            Membership.is_active.is_(True),
            Membership.role != CourseRole.STAFF,
        )
        .order_by(Membership.id)
    )
    done: dict[int, int] = {}
    if asked:
        for author_id in db.session.scalars(
            select(ReflectionAnswer.author_id).where(
                ReflectionAnswer.course_id == staff.course_id,
                ReflectionAnswer.question_id.in_(asked),
                ReflectionAnswer.submitted_at.is_not(None),
            )
        ):
            done[author_id] = done.get(author_id, 0) + 1
    return [CompletionRow(member, done.get(member.id, 0), len(asked)) for member in members]


@dataclass
class ScoreRow:
    """A score of the course's outbox as staff see it, with why it is still waiting."""

    score: GradebookScore
    hint: LazyString | None


def waiting_scores(staff: Membership) -> list[ScoreRow]:
    """Return the course's scores not yet accepted by the platform, oldest first."""
    scores = db.session.scalars(
        select(GradebookScore)
        .options(
            joinedload(GradebookScore.member).joinedload(Membership.user),
            joinedload(GradebookScore.link),
        )
        .where(
            GradebookScore.course_id == staff.course_id,
            GradebookScore.status == ScoreStatus.QUEUED,
        )
        .order_by(GradebookScore.created_at, GradebookScore.id)
    )
    rows = []
    for score in scores:
        problem = score.last_problem
        hint = HINTS[Problem(problem)] if problem in {p.value for p in Problem} else None
        rows.append(ScoreRow(score, hint))
    return rows


def posted_score_count(staff: Membership) -> int:
    """Return how many scores of the course the platform has accepted."""
    return (
        db.session.scalar(
            select(func.count(GradebookScore.id)).where(
                GradebookScore.course_id == staff.course_id,
                GradebookScore.status == ScoreStatus.POSTED,
            )
        )
        or 0
    )
