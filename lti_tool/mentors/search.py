"""Mentor search (§4.2): one query function over the database's own full-text index.

How profiles are indexed (course-scoped facet and word tokens) is in ``search_index``; the
statements that find, score and sort them per database in ``search_statements``; here they run,
and each mentor found gets the reasons shown to the learner. ``docs/performance.md`` has the
plans.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..extensions import db
from ..pagination import ListPage
from . import search_statements
from .models import MentorProfile
from .search_criteria import MIN_PREFIX_LENGTH, Criteria, make_criteria
from .search_index import (  # noqa: F401 - search_index names importers take from here
    LANGUAGES,
    MAX_SEARCH_NAME,
    MAX_WORD_LENGTH,
    PREFIX_TOKEN_LENGTH,
    availability_token,
    build_search_document,
    course_token,
    fold,
    index_profile,
    language_token,
    mentor_search,
    mode_token,
    role_token,
    search_document_for,
    search_name,
    status_token,
    topic_key,
    topic_token,
    words,
)
from .search_statements import prepared


@dataclass(frozen=True)
class Reason:
    """Why a mentor matched: ``kind`` is topic, language, mode, role or text."""

    kind: str
    value: str


@dataclass
class SearchHit:
    """One mentor found, with the relevance score and the reasons shown to the learner."""

    profile: MentorProfile
    score: float
    reasons: list[Reason]


class SearchResult(ListPage):
    """One page of mentors, best first, and where the page stands among all hits."""

    def __init__(
        self,
        hits: list[SearchHit],
        *,
        total: int,
        page: int,
        per_page: int,
        text_words: list[str],
        more: bool,
    ) -> None:
        super().__init__(hits, page=page, per_page=per_page, total=total)
        self.text_words = text_words
        #: More than ``total`` mentors matched: only the first ``MAX_MATCHES`` are counted.
        self.more = more

    @property
    def hits(self) -> list[SearchHit]:
        """The mentors of this page."""
        return list(self.items)


def search_mentors(
    course_id: int,
    *,
    text: str = "",
    topics: Iterable[str] = (),
    languages: Iterable[str] = (),
    modes: Iterable[str] = (),
    roles: Iterable[str] = (),
    include_unavailable: bool = False,
    page: int = 1,
    per_page: int = 20,
) -> SearchResult:
    """Find the approved mentors of a course that match text and facets, best first.

    Every typed word must match (as a word prefix) the name, headline, topics or bio; a
    mentor needs one of the values asked for in each facet. Mentors who are not taking
    mentees (busy or full) are left out unless ``include_unavailable``; applicants, paused and
    excluded mentors, and mentors who left the course, are always left out. The score is the
    number of facet values asked for that the mentor has, plus the text relevance in [0, 1);
    ties go by name, then id, so that paging is stable.

    At most ``MAX_MATCHES`` mentors are counted and ranked (``more`` tells that there were
    more): without criteria they are the first by name; with words or facets, the best of the
    first ``MAX_MATCHES`` matches the index yields. One or two statements whatever the hits.
    """
    criteria = make_criteria(
        course_id, text, topics, languages, modes, roles, include_unavailable=include_unavailable
    )
    per_page = max(1, min(per_page, 100))
    dialect = db.session.get_bind().dialect.name
    page = max(1, page)
    rows: list[Any] = []
    found: int | None = None
    page_query, count_query, values = prepared(
        criteria, dialect, limit=per_page, offset=(page - 1) * per_page
    )
    if page <= math.ceil(search_statements.MAX_MATCHES / per_page):
        rows = list(db.session.execute(page_query, values))
        found = rows[0].total if rows else None
    if found is None:  # no criteria (no window count), or a page past the end
        found = db.session.scalar(count_query, values) or 0
    total = min(found, search_statements.MAX_MATCHES)
    pages = max(1, math.ceil(total / per_page))
    if page > pages:
        page = pages
        values["page_offset"] = (page - 1) * per_page
        rows = list(db.session.execute(page_query, values))
    rows = rows[: max(0, total - (page - 1) * per_page)]
    return SearchResult(
        hits=[
            SearchHit(profile=row[0], score=float(row.score), reasons=reasons_for(row[0], criteria))
            for row in rows
        ],
        total=total,
        page=page,
        per_page=per_page,
        text_words=criteria.text_words,
        more=found > search_statements.MAX_MATCHES,
    )


def reasons_for(profile: MentorProfile, criteria: Criteria) -> list[Reason]:
    """Say which of the asked-for topics, languages, modes, roles and words a mentor matched."""
    asked_topics = {topic_key(topic) for topic in criteria.topics}
    reasons = []
    for topic in profile.topics:
        key = topic_key(topic)
        by_word = any(
            _word_matches(word, typed) for word in key.split() for typed in criteria.text_words
        )
        if key in asked_topics or by_word:
            reasons.append(Reason("topic", topic))
    reasons += [
        Reason("language", code) for code in profile.languages if code in criteria.languages
    ]
    reasons += [Reason("mode", mode) for mode in profile.contact_modes if mode in criteria.modes]
    reasons += [Reason("role", role) for role in profile.roles_offered if role in criteria.roles]
    if criteria.text_words:
        name = profile.membership.user.display_name or ""
        text_words = set(words(" ".join((name, profile.headline or "", profile.bio or ""))))
        reasons += [
            Reason("text", typed)
            for typed in criteria.text_words
            if any(_word_matches(word, typed) for word in text_words)
        ]
    return reasons


def _word_matches(word: str, typed: str) -> bool:
    """Match a typed word as the index does: a prefix, or the whole word when very short."""
    return word.startswith(typed) if len(typed) >= MIN_PREFIX_LENGTH else word == typed
