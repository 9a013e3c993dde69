"""Read-side queries of the staff pages: every one scoped to one course, aggregated in SQL.

The dashboard's number of queries does not depend on the size of the cohort: counts come from
``GROUP BY`` queries, lists are paged, and nothing is loaded row by row (issue 5, acceptance 4).
Nothing here reads the text of notes, preparation forms, contact requests or evaluations.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, or_, select, union
from sqlalchemy.orm import joinedload

from ..concerns.models import Concern, ConcernAction, ConcernStatus
from ..extensions import db
from ..mentoring.models import ContactRequest, Mentorship, MentorshipStatus, RequestStatus
from ..mentors.models import MentorProfile, MentorStatus
from ..mentors.search import topic_key
from ..pagination import Pagination, paginate
from ..people.models import CourseRole, Membership, User
from . import matching
from .cohort import (  # noqa: F401 - the names the staff pages import from here
    PAGE_SIZE,
    LearnerRow,
    LearnerState,
    display_name,
    progress_rows,
)
from .overview import (  # noqa: F401 - the names the staff pages import from here
    Dashboard,
    EvaluationAverage,
    FlaggedMentor,
    OverdueRequest,
    WeekBar,
    dashboard,
    evaluation_averages,
    evaluation_question_averages,
    latest_sync,
    roster_sync_in_course,
)

# --- concerns ----------------------------------------------------------------------------


def concerns_page(course_id: int, *, status: ConcernStatus | None, page: int = 1) -> Pagination:
    """Return one page of the course's concerns, open ones first, oldest first."""
    condition = [Concern.course_id == course_id]
    if status is not None:
        condition.append(Concern.status == status)
    open_first = case((Concern.status == ConcernStatus.OPEN, 0), else_=1)
    return paginate(
        select(Concern)
        .options(joinedload(Concern.reporter).joinedload(Membership.user))
        .where(*condition)
        .order_by(open_first, Concern.created_at, Concern.id),
        page,
        PAGE_SIZE,
    )


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
    course_id: int, *, again: bool = False
) -> tuple[list[matching.LearnerFacts], list[matching.MentorFacts]]:
    """Load what matching needs: the learners who may be matched now, and free mentors.

    A learner may be matched when they have no mentorship in progress nor a request waiting,
    no concluded mentorship (unless staff ask for ``again``), no mentor profile of their own
    in the course (a mentor is not proposed a mentor), and are not barred.
    """
    taken = (
        [MentorshipStatus.ACTIVE]
        if again
        else [
            MentorshipStatus.ACTIVE,
            MentorshipStatus.CONCLUDED,
        ]
    )
    busy_learners = union(
        select(Mentorship.mentee_id).where(
            Mentorship.course_id == course_id, Mentorship.status.in_(taken)
        ),
        select(MentorProfile.membership_id).where(
            MentorProfile.course_id == course_id,
            MentorProfile.status != MentorStatus.EXCLUDED,
        ),
        select(ContactRequest.mentee_id).where(
            ContactRequest.course_id == course_id,
            ContactRequest.status == RequestStatus.PENDING,
        ),
    )
    learner_rows = db.session.execute(
        select(Membership.id, User.name, User.given_name, User.family_name, User.locale)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.course_id == course_id,
            Membership.role == CourseRole.LEARNER,
            Membership.is_active.is_(True),
            Membership.barred_at.is_(None),
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
            Membership.barred_at,
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
        if row[6] == MentorStatus.APPROVED and not row[7] and row[8] and row[12] is None
    ]
    return learners, mentors
