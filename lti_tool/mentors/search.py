"""Mentor search (§4.2): one query function over the database's own full-text index.

Layout (PERF-FACTS.md): every facet value is written into ``mentor_profile.search_document`` as
a token next to the words of the profile, so that one index lookup answers every condition —
course, status, availability, topics, languages, contact modes and roles offered — together
with the free text. SQLite answers with an FTS5 table over that column (kept in step by
triggers, see the migration ``5f3c9a7e21d4``); PostgreSQL with a GIN index on
``to_tsvector('simple', search_document)``. Both give the same result contract.

Tokens:

- ``crs<course id>``, ``st<status>``, ``avail1`` (taking mentees) or ``avail0``;
- ``top<16 letters>`` per topic (a digest of the folded label, so that any label is one token),
  ``lang<code>``, ``mode<contact mode>``, ``role<role offered>`` (underscores dropped: both
  tokenisers split on them);
- ``w<word>`` per word of the name, headline, topics and bio, folded (lower case, no accents).
  The ``w`` keeps typed words apart from facet tokens: a prefix search for ``top`` or ``lang``
  can never match a facet token.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    case,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..people.models import Membership, User
from .guidance import LANGUAGE_CODES
from .models import ContactMode, MentorProfile, MentorRole, MentorStatus

#: Languages a mentor may offer (ISO 639-1 codes).
LANGUAGES = LANGUAGE_CODES
#: At most this many typed words take part in a search.
MAX_TEXT_WORDS = 8
#: At most this many values per facet.
MAX_FACET_VALUES = 10
#: Longest word kept in the index (PostgreSQL skips words over 2,047 bytes).
MAX_WORD_LENGTH = 100
#: Words shorter than this match whole words only, longer ones also match as a prefix.
MIN_PREFIX_LENGTH = 2

#: The SQLite FTS5 table (rowid = mentor_profile.id). Not a model: its migration owns it.
mentor_search = Table(
    "mentor_search", MetaData(), Column("rowid", Integer), Column("search_document", Text)
)

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Return text in lower case without accents, as the index stores it."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def words(text: str) -> list[str]:
    """Return the folded words of a text (letters and digits; everything else separates)."""
    return [word[:MAX_WORD_LENGTH] for word in _WORD.findall(fold(text))]


def topic_key(label: str) -> str:
    """Return the form under which two spellings of a topic count as the same topic."""
    return " ".join(words(label))


def topic_token(label: str) -> str:
    """Return the index token of a topic label."""
    digest = hashlib.sha256(topic_key(label).encode()).digest()[:8]
    return "top" + "".join(chr(ord("a") + nibble) for byte in digest for nibble in divmod(byte, 16))


def course_token(course_id: int) -> str:
    """Return the index token of a course."""
    return f"crs{course_id}"


def status_token(status: MentorStatus) -> str:
    """Return the index token of a mentor status."""
    return f"st{status.value}"


def language_token(code: str) -> str:
    """Return the index token of a language."""
    return f"lang{code}"


def mode_token(mode: str) -> str:
    """Return the index token of a contact mode."""
    return "mode" + mode.replace("_", "")


def role_token(role: str) -> str:
    """Return the index token of a role offered."""
    return "role" + role.replace("_", "")


def availability_token(is_taking_mentees: bool) -> str:
    """Return the index token of availability (approved, not busy, not full)."""
    return "avail1" if is_taking_mentees else "avail0"


def search_document_for(profile: MentorProfile) -> str:
    """Return the indexed document of a profile: facet tokens, then the words of its text."""
    return build_search_document(
        course_id=profile.course_id,
        status=profile.status,
        is_taking_mentees=profile.is_taking_mentees,
        topics=profile.topics,
        languages=profile.languages,
        modes=profile.contact_modes,
        roles=profile.roles_offered,
        name=profile.membership.user.display_name or "",
        headline=profile.headline or "",
        bio=profile.bio or "",
    )


def build_search_document(
    *,
    course_id: int,
    status: MentorStatus,
    is_taking_mentees: bool,
    topics: Sequence[str],
    languages: Sequence[str],
    modes: Sequence[str],
    roles: Sequence[str],
    name: str,
    headline: str,
    bio: str,
) -> str:
    """Return the indexed document of a profile's values (bulk seeding builds it this way)."""
    facets = [
        course_token(course_id),
        status_token(status),
        availability_token(is_taking_mentees),
        *(topic_token(topic) for topic in topics),
        *(language_token(code) for code in languages),
        *(mode_token(mode) for mode in modes),
        *(role_token(role) for role in roles),
    ]
    text = " ".join((name, headline, " ".join(topics), bio))
    return " ".join([*dict.fromkeys(facets), *("w" + word for word in words(text))])


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


@dataclass
class SearchResult:
    """One page of mentors, best first, and where the page stands among all hits."""

    hits: list[SearchHit]
    total: int
    page: int
    pages: int
    per_page: int = 20
    text_words: list[str] = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.page < self.pages


@dataclass
class _Criteria:
    """What a search asks for, cleaned: unknown values dropped, sizes bounded."""

    course_id: int
    text_words: list[str]
    topics: list[str]
    languages: list[str]
    modes: list[str]
    roles: list[str]
    include_unavailable: bool

    def required_groups(self) -> list[list[str]]:
        """Return groups of tokens: a mentor matches one token of every group."""
        groups = [[course_token(self.course_id)], [status_token(MentorStatus.APPROVED)]]
        if not self.include_unavailable:
            groups.append([availability_token(True)])
        for tokens in self.facet_groups():
            if tokens:
                groups.append(tokens)
        return groups

    def facet_groups(self) -> list[list[str]]:
        """Return the tokens asked for per facet (a mentor needs one of each facet)."""
        return [
            list(dict.fromkeys(topic_token(topic) for topic in self.topics)),
            [language_token(code) for code in self.languages],
            [mode_token(mode) for mode in self.modes],
            [role_token(role) for role in self.roles],
        ]

    def facet_tokens(self) -> list[str]:
        """Return every facet token asked for (each one a mentor has adds to the score)."""
        return [token for group in self.facet_groups() for token in group]

    def text_terms(self) -> list[tuple[str, bool]]:
        """Return the indexed form of each typed word and whether it matches as a prefix."""
        return [("w" + word, len(word) >= MIN_PREFIX_LENGTH) for word in self.text_words]


def _clean(values: Iterable[str], allowed: Sequence[str]) -> list[str]:
    chosen = set(values)
    return [value for value in allowed if value in chosen][:MAX_FACET_VALUES]


def _criteria(
    course_id: int,
    text: str,
    topics: Iterable[str],
    languages: Iterable[str],
    modes: Iterable[str],
    roles: Iterable[str],
    include_unavailable: bool,
) -> _Criteria:
    return _Criteria(
        course_id=course_id,
        text_words=list(dict.fromkeys(words(text or "")))[:MAX_TEXT_WORDS],
        topics=[topic for topic in topics if topic_key(topic)][:MAX_FACET_VALUES],
        languages=_clean(languages, LANGUAGES),
        modes=_clean(modes, [mode.value for mode in ContactMode]),
        roles=_clean(roles, [role.value for role in MentorRole]),
        include_unavailable=include_unavailable,
    )


def _sqlite_match(criteria: _Criteria) -> str:
    """Return the FTS5 query: groups ANDed, the tokens of a group ORed, words as prefixes."""
    parts = []
    for group in criteria.required_groups():
        alternatives = " OR ".join(f'"{token}"' for token in group)
        parts.append(f"({alternatives})" if len(group) > 1 else alternatives)
    parts += [f'"{term}"' + ("*" if prefix else "") for term, prefix in criteria.text_terms()]
    return " AND ".join(parts)


def _tsquery(groups: list[list[str]], terms: list[tuple[str, bool]]) -> str:
    """Return a PostgreSQL tsquery: groups ANDed, the tokens of a group ORed, words prefixed."""
    parts = []
    for group in groups:
        alternatives = " | ".join(group)
        parts.append(f"({alternatives})" if len(group) > 1 else alternatives)
    parts += [term + (":*" if prefix else "") for term, prefix in terms]
    return " & ".join(parts)


def _facet_score(criteria: _Criteria) -> ColumnElement[Any]:
    """Count the facet values asked for that a mentor has (cheap: only on the hits)."""
    padded = literal(" ") + MentorProfile.search_document + literal(" ")
    score: ColumnElement[Any] = literal(0.0)
    for token in criteria.facet_tokens():
        score = score + case((padded.like(f"% {token} %"), 1.0), else_=0.0)
    return score


def _sort_name() -> ColumnElement[Any]:
    given_family = func.trim(
        func.coalesce(User.given_name, "") + literal(" ") + func.coalesce(User.family_name, "")
    )
    return func.lower(func.coalesce(User.name, given_family))


def _statements(criteria: _Criteria, dialect: str) -> tuple[Any, Any]:
    """Return the page query (profile, score) and the count query for the dialect."""
    facet_score = _facet_score(criteria)
    sort_name = _sort_name()
    if dialect == "sqlite":
        match = literal_column("mentor_search").op("MATCH")(_sqlite_match(criteria))
        if criteria.text_words:
            # bm25() is negative, lower is better; x / (1 + x) maps it into [0, 1).
            relevance = -func.bm25(literal_column("mentor_search"), type_=Float)
            score = facet_score + relevance / (literal(1.0) + relevance)
        else:
            score = facet_score

        def source(statement: Any) -> Any:
            return (
                statement.select_from(mentor_search)
                .join(MentorProfile, MentorProfile.id == mentor_search.c.rowid)
                .join(MentorProfile.membership)
                .join(Membership.user)
            )

    elif dialect == "postgresql":
        vector = func.to_tsvector(literal_column("'simple'"), MentorProfile.search_document)
        match = vector.bool_op("@@")(
            func.to_tsquery(
                literal_column("'simple'"),
                _tsquery(criteria.required_groups(), criteria.text_terms()),
            )
        )
        if criteria.text_words:
            text_query = func.to_tsquery(
                literal_column("'simple'"), _tsquery([], criteria.text_terms())
            )
            # Normalisation 1 divides by 1 + log(length), close to bm25's length penalty.
            relevance = func.ts_rank(vector, text_query, 1, type_=Float)
            score = facet_score + relevance / (literal(1.0) + relevance)
        else:
            score = facet_score
        sort_name = sort_name.collate("C")  # the same order as SQLite's binary collation

        def source(statement: Any) -> Any:
            return (
                statement.select_from(MentorProfile)
                .join(MentorProfile.membership)
                .join(Membership.user)
            )

    else:  # pragma: no cover - the tool runs on SQLite and PostgreSQL only
        raise NotImplementedError(f"mentor search does not support {dialect}")

    conditions = (match, Membership.is_active.is_(True))
    page = (
        source(select(MentorProfile, score.label("score")))
        .options(contains_eager(MentorProfile.membership).contains_eager(Membership.user))
        .where(*conditions)
        .order_by(
            *([score.desc()] if criteria.facet_tokens() or criteria.text_words else []),
            sort_name,
            MentorProfile.id,
        )
    )
    count = source(select(func.count())).where(*conditions)
    return page, count


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
    """
    criteria = _criteria(
        course_id, text, topics, languages, modes, roles, include_unavailable=include_unavailable
    )
    per_page = max(1, min(per_page, 100))
    page_query, count_query = _statements(criteria, db.session.get_bind().dialect.name)
    total = db.session.scalar(count_query) or 0
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(page, pages))
    rows = db.session.execute(page_query.limit(per_page).offset((page - 1) * per_page)).all()
    return SearchResult(
        hits=[
            SearchHit(profile=profile, score=float(score), reasons=reasons_for(profile, criteria))
            for profile, score in rows
        ],
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
        text_words=criteria.text_words,
    )


def reasons_for(profile: MentorProfile, criteria: _Criteria) -> list[Reason]:
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
