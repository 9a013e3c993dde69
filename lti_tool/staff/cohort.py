"""The cohort of a course, one row per learner with their state (dashboard list and export).

The learner state is computed once per page: one statement with the cohort as a
``MATERIALIZED`` common table expression feeds the state counts, the filtered total and the
page of learners (issue 12). Nothing here reads the text of notes, forms or evaluations.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import aliased

from ..evaluation.models import Evaluation
from ..extensions import db
from ..mentoring.models import (
    Agreement,
    ContactRequest,
    Mentorship,
    MentorshipStatus,
    RequestStatus,
)
from ..mentors.models import MentorProfile
from ..pagination import ListPage
from ..people.models import CourseRole, Membership, Side, User

PAGE_SIZE = 50


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


def display_name(name: str | None, given: str | None, family: str | None) -> str | None:
    """Return the best name the platform shared, as ``User.display_name`` does."""
    joined = " ".join(part for part in (given, family) if part)
    return name or joined or None


# --- the cohort, one row per learner ------------------------------------------------------


def _cohort(course_id: int) -> Any:
    """Return the subquery of the course's active learners with their state, one row each."""
    return _cohort_select(course_id).subquery("cohort")


def _cohort_select(course_id: int) -> Any:
    """Return the select of the course's active learners with their state, one row each."""
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


@dataclass(frozen=True)
class CohortOverview:
    """The cohort's state counts and one page of its learners."""

    counts: dict[LearnerState, int]
    contacts_breakdown: dict[int, int]
    learners: ListPage


#: Columns of the learner rows, in the order the overview's statement returns them.
_ROW_COLUMNS = (
    "membership_id",
    "name",
    "given_name",
    "family_name",
    "email",
    "state",
    "mentorship_id",
    "mentor_name",
    "mentor_given_name",
    "mentor_family_name",
    "contacts_done",
    "contacts_planned",
    "started_at",
)


def cohort_overview(
    course_id: int, *, state: LearnerState | None = None, search: str = "", page: int = 1
) -> CohortOverview:
    """Return the state counts and one page of the cohort, by name, in one statement.

    The cohort is a materialised common table expression, computed once and read three
    times: counts per state (and per number of contacts), the filtered total, and the page
    (a page past the end gives the last page). Its plan does not depend on statistics the
    way three copies of the subquery did.
    """
    cohort = _cohort_select(course_id).cte("cohort").prefix_with("MATERIALIZED")
    filtered = _filtered(cohort, state, search).subquery("filtered")
    page = max(1, page)
    rows = _without_nested_loops(_overview_statement(cohort, filtered, page))
    counts = dict.fromkeys(LearnerState, 0)
    breakdown: dict[int, int] = {}
    total = 0
    learners = []
    for row in rows:
        if row.part == 0:
            counts[LearnerState(row.state)] += row.n
            if row.state == LearnerState.CONTACTS.value:
                breakdown[row.contacts_done] = breakdown.get(row.contacts_done, 0) + row.n
        elif row.part == 1:
            total = row.n
        else:
            learners.append(row)
    learners.sort(key=lambda row: row.rn)
    page = min(page, max(1, math.ceil(total / PAGE_SIZE)))
    return CohortOverview(
        counts,
        dict(sorted(breakdown.items())),
        ListPage(
            [_learner_row(row) for row in learners], page=page, per_page=PAGE_SIZE, total=total
        ),
    )


def _without_nested_loops(statement: Any) -> list[Any]:
    """Run the cohort statement; on PostgreSQL with hash and merge joins only.

    Right after a bulk load (no statistics) PostgreSQL guessed tiny inputs and re-ran each
    per-learner aggregate once per learner in nested loops (3.6 s at 2,000 learners). The
    cohort is a whole-course computation: hashing is right at every size, with or without
    statistics. ``SET LOCAL`` lasts to the end of the transaction, so it is switched back.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return list(db.session.execute(statement).all())
    db.session.execute(text("SET LOCAL enable_nestloop = off"))
    try:
        return list(db.session.execute(statement).all())
    finally:
        db.session.execute(text("SET LOCAL enable_nestloop = on"))


def _overview_statement(cohort: Any, filtered: Any, page: int) -> Any:
    """Counts (part 0), the filtered total (part 1) and the page's rows (part 2), united."""

    def blank(name: str) -> Any:
        # Typed: PostgreSQL takes a united column's type from its first SELECT.
        kind = cohort.c[name].type if name in cohort.c else BigInteger()
        return cast(null(), kind).label(name)

    order = (
        func.lower(func.coalesce(filtered.c.name, filtered.c.given_name, filtered.c.email, "")),
        filtered.c.membership_id,
    )
    numbered = select(
        filtered,
        func.row_number().over(order_by=order).label("rn"),
        func.count().over().label("filtered_total"),
    ).subquery("numbered")
    wanted = (page - 1) * PAGE_SIZE
    last_start = ((numbered.c.filtered_total - 1) // PAGE_SIZE) * PAGE_SIZE
    start = case((numbered.c.filtered_total > wanted, wanted), else_=last_start)
    counts = select(
        literal(0).label("part"),
        func.count().label("n"),
        *(
            cohort.c[name] if name in ("state", "contacts_done") else blank(name)
            for name in _ROW_COLUMNS
        ),
        blank("rn"),
    ).group_by(cohort.c.state, cohort.c.contacts_done)
    total = select(
        literal(1).label("part"),
        func.count().label("n"),
        *(blank(name) for name in _ROW_COLUMNS),
        blank("rn"),
    ).select_from(filtered)
    learners = select(
        literal(2).label("part"),
        literal(0).label("n"),
        *(numbered.c[name] for name in _ROW_COLUMNS),
        numbered.c.rn,
    ).where(numbered.c.rn > start, numbered.c.rn <= start + PAGE_SIZE)
    return union_all(counts, total, learners)


def progress_rows(course_id: int) -> Iterator[Any]:
    """Yield every learner's progress (for the CSV export), one statement, plan as above."""
    cohort = _cohort(course_id)
    yield from _without_nested_loops(select(cohort).order_by(cohort.c.membership_id))
