"""Read-side queries of the mentor pages, always scoped to one course."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import g
from sqlalchemy import case, exists, func, literal, select
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..people.models import Membership, User
from ..programme.models import MatchingMode, Programme
from ..soft_cache import soft_get, soft_set
from .models import MentorProfile, MentorStatus
from .search import topic_key

#: How long the list of a course's topics (the topic facet) may be stale, in seconds.
TOPICS_CACHE_SECONDS = 60
#: The topic facet counts the topics of at most this many approved mentors of a course.
TOPICS_SAMPLE = 2000


def profile_of(membership: Membership) -> MentorProfile | None:
    """Return the member's own mentor profile, if they have one."""
    return db.session.scalar(select(MentorProfile).filter_by(membership_id=membership.id))


def matching_mode(course_id: int) -> MatchingMode:
    """Return how the course pairs mentors and mentees (the default before any setting)."""
    mode = db.session.scalar(select(Programme.matching_mode).filter_by(course_id=course_id))
    return mode if mode is not None else MatchingMode.BOTH


def profile_in_course(course_id: int, profile_id: int) -> MentorProfile | None:
    """Return a profile of this course by id (None for another course's profile)."""
    return db.session.scalar(
        select(MentorProfile)
        .options(joinedload(MentorProfile.membership).joinedload(Membership.user))
        .filter_by(id=profile_id, course_id=course_id)
    )


def pool(course_id: int) -> list[MentorProfile]:
    """Return every mentor profile of a course: applicants first, then by status and name."""
    status_order = case(
        {
            MentorStatus.APPLICANT: 0,
            MentorStatus.APPROVED: 1,
            MentorStatus.PAUSED: 2,
            MentorStatus.EXCLUDED: 3,
        },
        value=MentorProfile.status,
    )
    return list(
        db.session.scalars(
            select(MentorProfile)
            .join(MentorProfile.membership)
            .join(Membership.user)
            .options(contains_eager(MentorProfile.membership).contains_eager(Membership.user))
            .where(MentorProfile.course_id == course_id)
            .order_by(status_order, func.lower(func.coalesce(User.name, "")), MentorProfile.id)
        )
    )


def known_topics(course_id: int, limit: int = 20) -> list[str]:
    """Return the topics most approved mentors of a course offer (for the topic facet).

    Counted by the database over at most ``TOPICS_SAMPLE`` approved mentors (the labels
    grouped in SQL, spellings merged here): at 100k mentors, reading every profile's topics
    into Python took 9 s, every time the cached list expired (issue 12: the slow first search).
    """
    key = f"mentor-topics:{course_id}:{limit}"
    topics = soft_get(key)
    if topics is None:
        counts: Counter[str] = Counter()
        spelling: dict[str, str] = {}
        for label, count in _topic_counts(course_id):
            if not isinstance(label, str):
                continue
            normal = topic_key(label)
            if normal:
                counts[normal] += count
                spelling.setdefault(normal, label)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
        topics = sorted((spelling[normal] for normal, _count in ranked), key=str.casefold)
        soft_set(key, topics, timeout=TOPICS_CACHE_SECONDS)
    return topics


def _topic_counts(course_id: int) -> list[tuple[str, int]]:
    """Return (label, mentors) over a bounded sample of the course's approved mentors."""
    return _sampled_values(course_id, MentorProfile.topics)


def _sampled_values(course_id: int, column: Any) -> list[tuple[str, int]]:
    """Return (value, mentors) of a JSON list column over ``TOPICS_SAMPLE`` approved mentors."""
    sample = (
        select(column.label("values"))
        .where(MentorProfile.course_id == course_id, MentorProfile.status == MentorStatus.APPROVED)
        .limit(TOPICS_SAMPLE)
        .subquery("sample")
    )
    if db.session.get_bind().dialect.name == "postgresql":
        elements = func.json_array_elements_text(sample.c["values"]).table_valued("value")
    else:
        elements = func.json_each(sample.c["values"]).table_valued("value")
    rows = db.session.execute(
        select(elements.c.value, func.count())
        .select_from(sample)
        .join(elements, literal(True))
        .group_by(elements.c.value)
    )
    return [(value, count) for value, count in rows]


def has_mentor_profile(membership: Membership) -> bool:
    """Tell whether the member has a mentor profile in their course (volunteers included).

    A page that read it already with :func:`matching_mode_and_profile` (the search page) is
    answered from the request's note of it: the menu asks again while rendering.
    """
    known = g.get("mentor_profile_known")
    if known is not None and membership.id in known:
        return bool(known[membership.id])
    return (
        db.session.scalar(select(MentorProfile.id).filter_by(membership_id=membership.id).limit(1))
        is not None
    )


def matching_mode_and_profile(membership: Membership) -> MatchingMode:
    """Return the course's matching mode and note whether the member has a mentor profile.

    One statement for what the search page needs besides the search: how the course pairs
    people, and (for the menu, :func:`has_mentor_profile`) whether the member offers
    mentoring. Each is a statement of its own elsewhere; on PostgreSQL every statement of a
    page costs ~0.7 ms more than on SQLite (issue 12). Only for pages that write nothing
    before rendering: a profile opened later in the request would not be seen.
    """
    mode, has_profile = db.session.execute(
        select(
            select(Programme.matching_mode)
            .where(Programme.course_id == membership.course_id)
            .scalar_subquery(),
            exists().where(MentorProfile.membership_id == membership.id),
        )
    ).one()
    note_mentor_profile(membership, has_profile=bool(has_profile))
    return MatchingMode(mode) if mode is not None else MatchingMode.BOTH


def note_mentor_profile(membership: Membership, *, has_profile: bool) -> None:
    """Note for the rest of the request whether the member has a mentor profile, read by a page
    anyway, so that the menu (:func:`has_mentor_profile`) does not read it again. Only for
    pages that write nothing before rendering: a profile opened later would not be seen."""
    g.setdefault("mentor_profile_known", {})[membership.id] = has_profile


def known_languages(course_id: int) -> list[str]:
    """Return the languages the approved mentors of a course offer (for the language facet).

    Read by the database over the same bounded sample as the topics: reading every approved
    mentor's languages into Python took 0.55-0.75 s at 100k mentors on PostgreSQL, each time
    the cached list expired (issue 12). The facet also offers the common languages and any
    language asked for (``SearchForm.set_language_choices``).
    """
    key = f"mentor-languages:{course_id}"
    languages = soft_get(key)
    if languages is None:
        languages = sorted(
            {code for code, _count in _sampled_values(course_id, MentorProfile.languages)} - {None}
        )
        soft_set(key, languages, timeout=TOPICS_CACHE_SECONDS)
    return languages
