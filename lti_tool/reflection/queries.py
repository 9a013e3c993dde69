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
from ..mentors.models import MentorProfile, MentorStatus
from ..people.models import CourseRole, Membership
from ..wording import worded
from .content import DEFAULT_QUESTIONS
from .models import ReflectionAnswer, ReflectionQuestion
from .operations import audiences_for, audiences_of


def question_label(question: ReflectionQuestion) -> str | LazyString:
    """Return the words of a question for the reader: the staff's rewording in their language,
    the staff's own text, or the default question translated."""
    default: Any = question.text
    if not default and question.key in DEFAULT_QUESTIONS:
        default = DEFAULT_QUESTIONS[question.key][1]
    return worded(question.texts, default or question.key or "")


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
    """Return the member's reflection, question by question: only the questions asked of them."""
    answers = _answers_by_question(member)
    audiences = audiences_of(member)
    return Progress(
        [
            QuestionItem(question, question_label(question), answers.get(question.id))
            for question in questions_of(member.course_id)
            if question.audience in audiences
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
    """Return every active participant of the staff's course with their answered count.

    Each person counts only the questions asked of them (by audience).
    """
    asked = questions_of(staff.course_id)
    members = list(
        db.session.scalars(
            select(Membership)
            .options(joinedload(Membership.user))
            .where(
                Membership.course_id == staff.course_id,
                Membership.is_active.is_(True),
                Membership.role != CourseRole.STAFF,
            )
            .order_by(Membership.id)
        )
    )
    approved_mentors = set(
        db.session.scalars(
            select(MentorProfile.membership_id).where(
                MentorProfile.course_id == staff.course_id,
                MentorProfile.status == MentorStatus.APPROVED,
            )
        )
    )
    mentees = set(
        db.session.scalars(
            select(Mentorship.mentee_id).where(Mentorship.course_id == staff.course_id)
        )
    )
    answered: dict[int, set[int]] = {}
    if asked:
        for author_id, question_id in db.session.execute(
            select(ReflectionAnswer.author_id, ReflectionAnswer.question_id).where(
                ReflectionAnswer.course_id == staff.course_id,
                ReflectionAnswer.question_id.in_([question.id for question in asked]),
                ReflectionAnswer.submitted_at.is_not(None),
            )
        ):
            answered.setdefault(author_id, set()).add(question_id)
    rows = []
    for member in members:
        audiences = audiences_for(member.role, member.id in approved_mentors, member.id in mentees)
        own = {question.id for question in asked if question.audience in audiences}
        rows.append(CompletionRow(member, len(answered.get(member.id, set()) & own), len(own)))
    return rows


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
