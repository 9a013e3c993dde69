"""Read-side queries of the staff pages: every one scoped to one course, aggregated in SQL.

The dashboard's number of queries does not depend on the size of the cohort: counts come from
``GROUP BY`` queries, lists are paged, and nothing is loaded row by row (issue 5, acceptance 4).
Nothing here reads the text of notes, preparation forms, contact requests or evaluations.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from ..evaluation.queries import QuestionAverage
from ..evaluation.queries import averages as question_averages
from ..extensions import db
from ..mentoring.models import (
    Agreement,
    Concern,
    ConcernStatus,
    ContactLog,
    ContactRequest,
    Evaluation,
    Mentorship,
    MentorshipStatus,
    RequestStatus,
    Side,
)
from ..mentors.models import MentorProfile, MentorStatus
from ..mentors.search import topic_key
from ..models_base import utcnow
from ..people.models import CourseRole, Membership, User
from . import matching
from .models import ConcernAction, RosterSync

PAGE_SIZE = 50
#: Items shown in the dashboard's short lists (overdue answers, flagged mentors, concerns).
SHORT_LIST = 10
#: A mentor with mentees and no contact logged for this long counts as silent.
SILENT_AFTER_DAYS = 21
#: Weeks shown in the progress chart.
CHART_WEEKS = 12


class LearnerState(enum.StrEnum):
    """Where a learner of the cohort stands (their latest mentorship, else their requests)."""

    NO_MENTOR = "no_mentor"
    REQUESTED = "requested"
    MATCHED = "matched"
    AGREED = "agreed"
    CONTACTS = "contacts"
    CONCLUDED = "concluded"
    ENDED_EARLY = "ended_early"
    EVALUATED = "evaluated"


@dataclass(frozen=True)
class Page:
    """One page of a list."""

    items: list[Any]
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one)."""
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number < self.pages


@dataclass(frozen=True)
class LearnerRow:
    """One learner of the cohort as the dashboard lists them (no private text)."""

    membership_id: int
    name: str | None
    email: str | None
    state: LearnerState
    mentorship_id: int | None
    mentor_name: str | None
    contacts_done: int | None
    contacts_planned: int | None
    started_at: datetime | None


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
    learners: Page
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


def display_name(name: str | None, given: str | None, family: str | None) -> str | None:
    """Return the best name the platform shared, as ``User.display_name`` does."""
    joined = " ".join(part for part in (given, family) if part)
    return name or joined or None


# --- the cohort, one row per learner ------------------------------------------------------


def _cohort(course_id: int) -> Any:
    """Return the subquery of the course's active learners with their state, one row each."""
    latest = (
        select(
            Mentorship.mentee_id.label("mentee_id"), func.max(Mentorship.id).label("mentorship_id")
        )
        .where(Mentorship.course_id == course_id)
        .group_by(Mentorship.mentee_id)
        .subquery("latest")
    )
    pending = (
        select(ContactRequest.mentee_id.label("mentee_id"), func.count().label("waiting"))
        .where(
            ContactRequest.course_id == course_id, ContactRequest.status == RequestStatus.PENDING
        )
        .group_by(ContactRequest.mentee_id)
        .subquery("pending")
    )
    agreed = (
        select(Agreement.mentorship_id.label("mentorship_id"))
        .join(Mentorship, Mentorship.id == Agreement.mentorship_id)
        .where(
            Mentorship.course_id == course_id,
            Agreement.mentee_confirmed_at.is_not(None),
            Agreement.mentor_confirmed_at.is_not(None),
        )
        .group_by(Agreement.mentorship_id)
        .subquery("agreed")
    )
    evaluated = (
        select(Evaluation.mentorship_id.label("mentorship_id"))
        .join(Mentorship, Mentorship.id == Evaluation.mentorship_id)
        .where(Mentorship.course_id == course_id, Evaluation.side == Side.MENTEE)
        .subquery("evaluated")
    )
    mentor_membership = aliased(Membership)
    mentor_user = aliased(User)
    state = case(
        (
            Mentorship.id.is_(None),
            case(
                (pending.c.waiting > 0, LearnerState.REQUESTED.value),
                else_=LearnerState.NO_MENTOR.value,
            ),
        ),
        (Mentorship.status == MentorshipStatus.ENDED_EARLY, LearnerState.ENDED_EARLY.value),
        (
            Mentorship.status == MentorshipStatus.CONCLUDED,
            case(
                (evaluated.c.mentorship_id.is_not(None), LearnerState.EVALUATED.value),
                else_=LearnerState.CONCLUDED.value,
            ),
        ),
        (Mentorship.contacts_done > 0, LearnerState.CONTACTS.value),
        (agreed.c.mentorship_id.is_not(None), LearnerState.AGREED.value),
        else_=LearnerState.MATCHED.value,
    )
    return (
        select(
            Membership.id.label("membership_id"),
            User.name.label("name"),
            User.given_name.label("given_name"),
            User.family_name.label("family_name"),
            User.email.label("email"),
            state.label("state"),
            Mentorship.id.label("mentorship_id"),
            Mentorship.contacts_done.label("contacts_done"),
            Mentorship.contacts_planned.label("contacts_planned"),
            Mentorship.started_at.label("started_at"),
            Mentorship.concluded_at.label("concluded_at"),
            Mentorship.ended_at.label("ended_at"),
            (agreed.c.mentorship_id.is_not(None)).label("has_agreement"),
            (evaluated.c.mentorship_id.is_not(None)).label("mentee_evaluated"),
            mentor_user.name.label("mentor_name"),
            mentor_user.given_name.label("mentor_given_name"),
            mentor_user.family_name.label("mentor_family_name"),
        )
        .select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .outerjoin(latest, latest.c.mentee_id == Membership.id)
        .outerjoin(Mentorship, Mentorship.id == latest.c.mentorship_id)
        .outerjoin(MentorProfile, MentorProfile.id == Mentorship.mentor_id)
        .outerjoin(mentor_membership, mentor_membership.id == MentorProfile.membership_id)
        .outerjoin(mentor_user, mentor_user.id == mentor_membership.user_id)
        .outerjoin(pending, pending.c.mentee_id == Membership.id)
        .outerjoin(agreed, agreed.c.mentorship_id == Mentorship.id)
        .outerjoin(evaluated, evaluated.c.mentorship_id == Mentorship.id)
        .where(
            Membership.course_id == course_id,
            Membership.role == CourseRole.LEARNER,
            Membership.is_active.is_(True),
        )
        .subquery("cohort")
    )


def _learner_row(row: Any) -> LearnerRow:
    return LearnerRow(
        membership_id=row.membership_id,
        name=display_name(row.name, row.given_name, row.family_name),
        email=row.email,
        state=LearnerState(row.state),
        mentorship_id=row.mentorship_id,
        mentor_name=display_name(row.mentor_name, row.mentor_given_name, row.mentor_family_name),
        contacts_done=row.contacts_done,
        contacts_planned=row.contacts_planned,
        started_at=row.started_at,
    )


def _filtered(cohort: Any, state: LearnerState | None, search: str) -> Select[Any]:
    query = select(cohort)
    if state is not None:
        query = query.where(cohort.c.state == state.value)
    text = search.strip().lower()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                *(
                    func.lower(func.coalesce(column, "")).like(pattern, escape="\\")
                    for column in (
                        cohort.c.name,
                        cohort.c.given_name,
                        cohort.c.family_name,
                        cohort.c.email,
                        cohort.c.mentor_name,
                    )
                )
            )
        )
    return query


def state_counts(course_id: int) -> tuple[dict[LearnerState, int], dict[int, int]]:
    """Return how many learners are in each state, and how many did n contacts (n ≥ 1)."""
    cohort = _cohort(course_id)
    counts = dict.fromkeys(LearnerState, 0)
    breakdown: dict[int, int] = {}
    rows = db.session.execute(
        select(cohort.c.state, cohort.c.contacts_done, func.count()).group_by(
            cohort.c.state, cohort.c.contacts_done
        )
    )
    for state, contacts_done, count in rows:
        counts[LearnerState(state)] += count
        if state == LearnerState.CONTACTS.value:
            breakdown[contacts_done] = breakdown.get(contacts_done, 0) + count
    return counts, dict(sorted(breakdown.items()))


def learners_page(
    course_id: int, *, state: LearnerState | None = None, search: str = "", page: int = 1
) -> Page:
    """Return one page of the cohort, by name, filtered by state and a search text."""
    cohort = _cohort(course_id)
    query = _filtered(cohort, state, search)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, math.ceil(total / PAGE_SIZE))))
    rows = db.session.execute(
        query.order_by(
            func.lower(func.coalesce(cohort.c.name, cohort.c.given_name, cohort.c.email, "")),
            cohort.c.membership_id,
        )
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return Page([_learner_row(row) for row in rows], page, total)


def progress_rows(course_id: int) -> Iterator[Any]:
    """Yield every learner's progress (for the CSV export), streamed in batches."""
    cohort = _cohort(course_id)
    query = select(cohort).order_by(cohort.c.membership_id)
    yield from db.session.execute(query.execution_options(yield_per=500))


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

    def tally(name: str, query: Select[Any]) -> None:
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
    counts, breakdown = state_counts(course_id)
    overdue_count, overdue = overdue_requests(course_id, now)
    concern_count, concerns = open_concerns(course_id)
    return Dashboard(
        counts=counts,
        contacts_breakdown=breakdown,
        total_learners=sum(counts.values()),
        learners=learners_page(course_id, state=state, search=search, page=page),
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


# --- concerns ----------------------------------------------------------------------------


def concerns_page(course_id: int, *, status: ConcernStatus | None, page: int = 1) -> Page:
    """Return one page of the course's concerns, open ones first, oldest first."""
    condition = [Concern.course_id == course_id]
    if status is not None:
        condition.append(Concern.status == status)
    total = db.session.scalar(select(func.count(Concern.id)).where(*condition)) or 0
    page = max(1, min(page, max(1, math.ceil(total / PAGE_SIZE))))
    open_first = case((Concern.status == ConcernStatus.OPEN, 0), else_=1)
    items = list(
        db.session.scalars(
            select(Concern)
            .options(joinedload(Concern.reporter).joinedload(Membership.user))
            .where(*condition)
            .order_by(open_first, Concern.created_at, Concern.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    return Page(items, page, total)


def concern_in_course(course_id: int, concern_id: int) -> Concern | None:
    """Return a concern of this course by id."""
    return db.session.scalar(
        select(Concern)
        .options(joinedload(Concern.reporter).joinedload(Membership.user))
        .filter_by(id=concern_id, course_id=course_id)
    )


def concern_actions(concern: Concern) -> list[tuple[ConcernAction, str | None]]:
    """Return what staff recorded about a concern, oldest first, with who recorded it."""
    rows = db.session.execute(
        select(ConcernAction, User.name, User.given_name, User.family_name)
        .outerjoin(Membership, Membership.id == ConcernAction.staff_id)
        .outerjoin(User, User.id == Membership.user_id)
        .where(ConcernAction.concern_id == concern.id)
        .order_by(ConcernAction.created_at, ConcernAction.id)
    )
    return [(row[0], display_name(row[1], row[2], row[3])) for row in rows]


def member_in_course(course_id: int, membership_id: int | None) -> Membership | None:
    """Return a membership of this course by id, with its user."""
    if membership_id is None:
        return None
    return db.session.scalar(
        select(Membership)
        .options(joinedload(Membership.user))
        .filter_by(id=membership_id, course_id=course_id)
    )


# --- assignment and matching ---------------------------------------------------------------


def _active_counts(course_id: int) -> Any:
    return (
        select(Mentorship.mentor_id.label("profile_id"), func.count().label("active"))
        .where(Mentorship.course_id == course_id, Mentorship.status == MentorshipStatus.ACTIVE)
        .group_by(Mentorship.mentor_id)
        .subquery("active_counts")
    )


def available_mentors(course_id: int) -> list[tuple[MentorProfile, int]]:
    """Return approved, not busy mentors still in the course with a free place, by name."""
    counts = _active_counts(course_id)
    active = func.coalesce(counts.c.active, 0)
    rows = db.session.execute(
        select(MentorProfile, active)
        .join(Membership, Membership.id == MentorProfile.membership_id)
        .join(User, User.id == Membership.user_id)
        .outerjoin(counts, counts.c.profile_id == MentorProfile.id)
        .options(joinedload(MentorProfile.membership).joinedload(Membership.user))
        .where(
            MentorProfile.course_id == course_id,
            MentorProfile.status == MentorStatus.APPROVED,
            MentorProfile.is_busy.is_(False),
            Membership.is_active.is_(True),
            active < MentorProfile.capacity,
        )
        .order_by(func.lower(func.coalesce(User.name, User.given_name, "")), MentorProfile.id)
    )
    return [(row[0], row[1]) for row in rows]


def members_by_identifier(course_id: int, identifiers: set[str]) -> dict[str, list[Membership]]:
    """Return the course's members each identifier names (e-mail, any case, or LMS user id)."""
    found: dict[str, list[Membership]] = {identifier: [] for identifier in identifiers}
    if not identifiers:
        return found
    folded = {identifier.lower() for identifier in identifiers}
    members = db.session.scalars(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .options(joinedload(Membership.user))
        .where(
            Membership.course_id == course_id,
            or_(User.subject.in_(identifiers), func.lower(User.email).in_(folded)),
        )
    ).unique()
    for member in members:
        for identifier in identifiers:
            email = (member.user.email or "").lower()
            if member.user.subject == identifier or (email and email == identifier.lower()):
                found[identifier].append(member)
    return found


def profiles_of(course_id: int, membership_ids: set[int]) -> dict[int, MentorProfile]:
    """Return the mentor profiles of these members of the course, by membership id."""
    if not membership_ids:
        return {}
    return {
        profile.membership_id: profile
        for profile in db.session.scalars(
            select(MentorProfile).where(
                MentorProfile.course_id == course_id,
                MentorProfile.membership_id.in_(membership_ids),
            )
        )
    }


def active_counts(course_id: int, profile_ids: set[int]) -> dict[int, int]:
    """Return the number of active mentorships of each of these mentors."""
    if not profile_ids:
        return {}
    rows = db.session.execute(
        select(Mentorship.mentor_id, func.count())
        .where(
            Mentorship.course_id == course_id,
            Mentorship.status == MentorshipStatus.ACTIVE,
            Mentorship.mentor_id.in_(profile_ids),
        )
        .group_by(Mentorship.mentor_id)
    )
    return {profile_id: count for profile_id, count in rows}


def active_pairs(course_id: int) -> set[tuple[int, int]]:
    """Return the (mentee, mentor profile) pairs of the course's active mentorships."""
    return {
        (mentee_id, profile_id)
        for mentee_id, profile_id in db.session.execute(
            select(Mentorship.mentee_id, Mentorship.mentor_id).where(
                Mentorship.course_id == course_id, Mentorship.status == MentorshipStatus.ACTIVE
            )
        )
    }


def matching_facts(
    course_id: int,
) -> tuple[list[matching.LearnerFacts], list[matching.MentorFacts]]:
    """Load what matching needs: learners without a mentor or a pending request, free mentors."""
    busy_learners = (
        select(Mentorship.mentee_id)
        .where(Mentorship.course_id == course_id, Mentorship.status == MentorshipStatus.ACTIVE)
        .union(
            select(ContactRequest.mentee_id).where(
                ContactRequest.course_id == course_id,
                ContactRequest.status == RequestStatus.PENDING,
            )
        )
    )
    learner_rows = db.session.execute(
        select(Membership.id, User.name, User.given_name, User.family_name, User.locale)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.course_id == course_id,
            Membership.role == CourseRole.LEARNER,
            Membership.is_active.is_(True),
            Membership.id.not_in(busy_learners),
        )
        .order_by(Membership.id)
    ).all()
    profiles = db.session.execute(
        select(
            MentorProfile.id,
            MentorProfile.membership_id,
            MentorProfile.topics,
            MentorProfile.languages,
            MentorProfile.contact_modes,
            MentorProfile.capacity,
            MentorProfile.status,
            MentorProfile.is_busy,
            Membership.is_active,
            User.name,
            User.given_name,
            User.family_name,
        )
        .join(Membership, Membership.id == MentorProfile.membership_id)
        .join(User, User.id == Membership.user_id)
        .where(MentorProfile.course_id == course_id)
    ).all()
    topics_of = {row[0]: row[2] or [] for row in profiles}
    counts = active_counts(course_id, {row[0] for row in profiles})
    learner_ids = {row[0] for row in learner_rows}
    topics: dict[int, set[str]] = {}
    texts: dict[int, list[str]] = {}
    preferred: dict[int, tuple[int, str]] = {}
    excluded: dict[int, set[int]] = {}
    requests = db.session.execute(
        select(
            ContactRequest.id,
            ContactRequest.mentee_id,
            ContactRequest.mentor_id,
            ContactRequest.question,
            ContactRequest.ideas,
            ContactRequest.expectations,
            ContactRequest.preferred_mode,
            ContactRequest.status,
        ).where(ContactRequest.course_id == course_id)
    )
    for request_id, mentee_id, profile_id, question, ideas, expectations, mode, status in requests:
        if mentee_id not in learner_ids:
            continue
        topics.setdefault(mentee_id, set()).update(
            topic_key(label) for label in topics_of.get(profile_id, [])
        )
        texts.setdefault(mentee_id, []).extend((question, ideas, expectations))
        if request_id > preferred.get(mentee_id, (0, ""))[0]:
            preferred[mentee_id] = (request_id, mode)
        if status == RequestStatus.DECLINED:
            excluded.setdefault(mentee_id, set()).add(profile_id)
    for mentee_id, profile_id in db.session.execute(
        select(Mentorship.mentee_id, Mentorship.mentor_id).where(
            Mentorship.course_id == course_id,
            Mentorship.status == MentorshipStatus.ENDED_EARLY,
        )
    ):
        excluded.setdefault(mentee_id, set()).add(profile_id)
    learners = [
        matching.LearnerFacts(
            membership_id=row[0],
            name=display_name(row[1], row[2], row[3]),
            language=matching.language_of(row[4]),
            topics=frozenset(topics.get(row[0], ())),
            need_words=matching.need_words(texts.get(row[0], ())),
            preferred_mode=preferred[row[0]][1] if row[0] in preferred else None,
            excluded_profiles=frozenset(excluded.get(row[0], ())),
        )
        for row in learner_rows
    ]
    mentors = [
        matching.MentorFacts(
            profile_id=row[0],
            membership_id=row[1],
            name=display_name(row[9], row[10], row[11]),
            topics=tuple(row[2] or ()),
            languages=frozenset(row[3] or ()),
            modes=frozenset(row[4] or ()),
            free_places=max(0, row[5] - counts.get(row[0], 0)),
        )
        for row in profiles
        if row[6] == MentorStatus.APPROVED and not row[7] and row[8]
    ]
    return learners, mentors
