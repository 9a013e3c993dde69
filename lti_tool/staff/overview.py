"""What the dashboard shows beside the cohort: attention points, charts, mentors, syncs.

Counts come from ``GROUP BY`` queries and lists are short, so that the number of queries
does not depend on the size of the cohort (issue 5, acceptance 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from ..concerns.models import Concern, ConcernStatus
from ..evaluation.models import Evaluation
from ..evaluation.queries import QuestionAverage
from ..evaluation.queries import averages as question_averages
from ..extensions import db
from ..mentoring.models import (
    ContactLog,
    ContactRequest,
    Mentorship,
    MentorshipStatus,
    RequestStatus,
)
from ..mentors.models import MentorProfile, MentorStatus
from ..models_base import utcnow
from ..pagination import ListPage
from ..people.models import Membership, Side, User
from .cohort import LearnerState, cohort_overview, display_name
from .models import RosterSync

#: Items shown in the dashboard's short lists (overdue answers, flagged mentors, concerns).
SHORT_LIST = 10
#: A mentor with mentees and no contact logged for this long counts as silent.
SILENT_AFTER_DAYS = 21
#: Weeks shown in the progress chart.
CHART_WEEKS = 12


@dataclass(frozen=True)
class OverdueRequest:
    """A request still unanswered after its deadline."""

    request_id: int
    mentee_name: str | None
    mentor_name: str | None
    answer_due_at: datetime


@dataclass(frozen=True)
class FlaggedMentor:
    """A mentor with more mentees than places, or silent for a while."""

    profile_id: int
    name: str | None
    active: int
    capacity: int
    last_activity_at: datetime | None
    is_over_capacity: bool
    is_silent: bool


@dataclass(frozen=True)
class WeekBar:
    """One week of the progress chart."""

    week: date
    started: int
    contacts: int
    concluded: int


@dataclass(frozen=True)
class EvaluationAverage:
    """The averaged evaluations of one side (never one person's answers)."""

    side: Side
    count: int


@dataclass
class Dashboard:
    """Everything the dashboard shows, gathered with a fixed number of queries."""

    counts: dict[LearnerState, int]
    contacts_breakdown: dict[int, int]
    total_learners: int
    learners: ListPage
    overdue_count: int
    overdue: list[OverdueRequest]
    flagged_mentors: list[FlaggedMentor]
    open_concern_count: int
    open_concerns: list[Concern]
    weeks: list[WeekBar]
    evaluations: list[EvaluationAverage]
    evaluation_questions: list[QuestionAverage]
    latest_sync: RosterSync | None
    mentor_counts: dict[str, int] = field(default_factory=dict)


# --- what needs the staff's attention -----------------------------------------------------


def overdue_requests(course_id: int, now: datetime) -> tuple[int, list[OverdueRequest]]:
    """Return how many pending requests are past their deadline, and the oldest ones."""
    condition = and_(
        ContactRequest.course_id == course_id,
        ContactRequest.status == RequestStatus.PENDING,
        ContactRequest.answer_due_at < now,
    )
    count = db.session.scalar(select(func.count(ContactRequest.id)).where(condition)) or 0
    mentee_user = aliased(User)
    mentor_membership = aliased(Membership)
    mentor_user = aliased(User)
    rows = db.session.execute(
        select(
            ContactRequest.id,
            mentee_user.name,
            mentee_user.given_name,
            mentee_user.family_name,
            mentor_user.name,
            mentor_user.given_name,
            mentor_user.family_name,
            ContactRequest.answer_due_at,
        )
        .join(Membership, Membership.id == ContactRequest.mentee_id)
        .join(mentee_user, mentee_user.id == Membership.user_id)
        .join(MentorProfile, MentorProfile.id == ContactRequest.mentor_id)
        .join(mentor_membership, mentor_membership.id == MentorProfile.membership_id)
        .join(mentor_user, mentor_user.id == mentor_membership.user_id)
        .where(condition)
        .order_by(ContactRequest.answer_due_at, ContactRequest.id)
        .limit(SHORT_LIST)
    )
    return count, [
        OverdueRequest(row[0], display_name(*row[1:4]), display_name(*row[4:7]), row[7])
        for row in rows
    ]


def flagged_mentors(course_id: int, now: datetime) -> list[FlaggedMentor]:
    """Return mentors with more active mentees than places, or silent for three weeks."""
    active = (
        select(
            Mentorship.mentor_id.label("profile_id"),
            func.count(Mentorship.id).label("active"),
            func.max(Mentorship.started_at).label("last_start"),
        )
        .where(Mentorship.course_id == course_id, Mentorship.status == MentorshipStatus.ACTIVE)
        .group_by(Mentorship.mentor_id)
        .subquery("active")
    )
    contacts = (
        select(
            Mentorship.mentor_id.label("profile_id"),
            func.max(ContactLog.logged_at).label("last_contact"),
        )
        .join(Mentorship, Mentorship.id == ContactLog.mentorship_id)
        .where(Mentorship.course_id == course_id, Mentorship.status == MentorshipStatus.ACTIVE)
        .group_by(Mentorship.mentor_id)
        .subquery("contacts")
    )
    last_activity = func.coalesce(contacts.c.last_contact, active.c.last_start)
    silent_before = now - timedelta(days=SILENT_AFTER_DAYS)
    rows = db.session.execute(
        select(
            MentorProfile.id,
            User.name,
            User.given_name,
            User.family_name,
            active.c.active,
            MentorProfile.capacity,
            contacts.c.last_contact,
            active.c.last_start,
        )
        .join(active, active.c.profile_id == MentorProfile.id)
        .outerjoin(contacts, contacts.c.profile_id == MentorProfile.id)
        .join(Membership, Membership.id == MentorProfile.membership_id)
        .join(User, User.id == Membership.user_id)
        .where(
            MentorProfile.course_id == course_id,
            or_(active.c.active > MentorProfile.capacity, last_activity < silent_before),
        )
        .order_by(MentorProfile.id)
        .limit(SHORT_LIST * 5)
    )
    flagged = []
    for row in rows:
        last = row[6] or row[7]
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=now.tzinfo)
        flagged.append(
            FlaggedMentor(
                profile_id=row[0],
                name=display_name(row[1], row[2], row[3]),
                active=row[4],
                capacity=row[5],
                last_activity_at=last,
                is_over_capacity=row[4] > row[5],
                is_silent=last is not None and last < silent_before,
            )
        )
    return flagged


def mentor_counts(course_id: int) -> dict[str, int]:
    """Return how many mentor profiles the course has in each status."""
    rows = db.session.execute(
        select(MentorProfile.status, func.count())
        .where(MentorProfile.course_id == course_id)
        .group_by(MentorProfile.status)
    )
    return {MentorStatus(status).value: count for status, count in rows}


def open_concerns(course_id: int) -> tuple[int, list[Concern]]:
    """Return how many concerns are open, and the oldest ones."""
    condition = and_(Concern.course_id == course_id, Concern.status == ConcernStatus.OPEN)
    count = db.session.scalar(select(func.count(Concern.id)).where(condition)) or 0
    concerns = list(
        db.session.scalars(
            select(Concern)
            .options(joinedload(Concern.reporter).joinedload(Membership.user))
            .where(condition)
            .order_by(Concern.created_at, Concern.id)
            .limit(SHORT_LIST)
        )
    )
    return count, concerns


# --- charts ------------------------------------------------------------------------------


def _day(value: Any) -> date | None:
    """Return a date from what ``date()`` gives back (a string on SQLite, a date elsewhere)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def progress_weeks(course_id: int, today: date, weeks: int = CHART_WEEKS) -> list[WeekBar]:
    """Return, for each of the last weeks, mentorships started and concluded and contacts held."""
    first = _week_of(today) - timedelta(weeks=weeks - 1)
    tallies: dict[str, dict[date, int]] = {"started": {}, "contacts": {}, "concluded": {}}

    def tally(name: str, query: Select[Any, int]) -> None:
        for value, count in db.session.execute(query):
            day = _day(value)
            if day is not None and day >= first:
                week = _week_of(day)
                tallies[name][week] = tallies[name].get(week, 0) + count

    started = func.date(Mentorship.started_at)
    tally(
        "started",
        select(started, func.count()).where(Mentorship.course_id == course_id).group_by(started),
    )
    concluded = func.date(Mentorship.concluded_at)
    tally(
        "concluded",
        select(concluded, func.count())
        .where(Mentorship.course_id == course_id, Mentorship.concluded_at.is_not(None))
        .group_by(concluded),
    )
    tally(
        "contacts",
        select(ContactLog.held_on, func.count())
        .join(Mentorship, Mentorship.id == ContactLog.mentorship_id)
        .where(Mentorship.course_id == course_id)
        .group_by(ContactLog.held_on),
    )
    return [
        WeekBar(
            week,
            tallies["started"].get(week, 0),
            tallies["contacts"].get(week, 0),
            tallies["concluded"].get(week, 0),
        )
        for week in (first + timedelta(weeks=number) for number in range(weeks))
    ]


def evaluation_averages(course_id: int) -> list[EvaluationAverage]:
    """Return how many evaluations each side of the course's mentorships submitted."""
    rows = db.session.execute(
        select(Evaluation.side, func.count(Evaluation.id))
        .join(Mentorship, Mentorship.id == Evaluation.mentorship_id)
        .where(Mentorship.course_id == course_id)
        .group_by(Evaluation.side)
    )
    found = {Side(side): count for side, count in rows}
    return [EvaluationAverage(side, found.get(side, 0)) for side in (Side.MENTEE, Side.MENTOR)]


def evaluation_question_averages(course_id: int) -> list[QuestionAverage]:
    """Return the averaged answers of each side, question by question (§2 configurable)."""
    return question_averages(
        course_id, select(Mentorship.id).where(Mentorship.course_id == course_id)
    )


def latest_sync(course_id: int) -> RosterSync | None:
    """Return the course's most recent roster sync."""
    return db.session.scalar(
        select(RosterSync).filter_by(course_id=course_id).order_by(RosterSync.id.desc()).limit(1)
    )


def roster_sync_in_course(course_id: int, sync_id: int) -> RosterSync | None:
    """Return a roster sync of this course by id."""
    return db.session.scalar(select(RosterSync).filter_by(id=sync_id, course_id=course_id))


def dashboard(
    course_id: int, *, state: LearnerState | None = None, search: str = "", page: int = 1
) -> Dashboard:
    """Gather the dashboard of a course with a fixed number of queries."""
    now = utcnow()
    cohort = cohort_overview(course_id, state=state, search=search, page=page)
    overdue_count, overdue = overdue_requests(course_id, now)
    concern_count, concerns = open_concerns(course_id)
    return Dashboard(
        counts=cohort.counts,
        contacts_breakdown=cohort.contacts_breakdown,
        total_learners=sum(cohort.counts.values()),
        learners=cohort.learners,
        overdue_count=overdue_count,
        overdue=overdue,
        flagged_mentors=flagged_mentors(course_id, now),
        open_concern_count=concern_count,
        open_concerns=concerns,
        weeks=progress_weeks(course_id, now.date()),
        evaluations=evaluation_averages(course_id),
        evaluation_questions=evaluation_question_averages(course_id),
        latest_sync=latest_sync(course_id),
        mentor_counts=mentor_counts(course_id),
    )
