"""The statements of mentor search (§4.2), per database: the criteria cleaned, one full-text
lookup bounded at ``MAX_MATCHES`` candidates, scored and sorted, and the page's rows loaded after
the sort; without criteria, the course's mentors walked in name order. ``search`` runs them;
``docs/performance.md`` has the plans.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import contains_eager, defer

from ..people.models import Membership
from .models import ContactMode, MentorProfile, MentorRole, MentorStatus
from .search_index import (
    LANGUAGES,
    PREFIX_TOKEN_LENGTH,
    availability_token,
    course_token,
    language_token,
    mentor_search,
    mode_token,
    role_token,
    status_token,
    topic_key,
    topic_token,
    words,
)

#: At most this many typed words take part in a search.
MAX_TEXT_WORDS = 8
#: At most this many values per facet.
MAX_FACET_VALUES = 10
#: Words shorter than this match whole words only, longer ones also match as a prefix.
MIN_PREFIX_LENGTH = 2
#: At most this many matches are counted and ranked: a search without criteria or with a
#: common word costs the same at 100k mentors as at 1k (the page says "more than 1000").
MAX_MATCHES = 1000


@dataclass
class Criteria:
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
        # Taking mentees implies approved: one course-scoped token either way.
        listed = (
            status_token(MentorStatus.APPROVED)
            if self.include_unavailable
            else availability_token(True)
        )
        groups = [[self.scoped(listed)]]
        for tokens in self.facet_groups():
            if tokens:
                groups.append(tokens)
        return groups

    def scoped(self, token: str) -> str:
        """Return a token as the course's documents hold it."""
        return course_token(self.course_id) + token

    def facet_groups(self) -> list[list[str]]:
        """Return the tokens asked for per facet (a mentor needs one of each facet)."""
        return [
            list(dict.fromkeys(self.scoped(topic_token(topic)) for topic in self.topics)),
            [self.scoped(language_token(code)) for code in self.languages],
            [self.scoped(mode_token(mode)) for mode in self.modes],
            [self.scoped(role_token(role)) for role in self.roles],
        ]

    def facet_tokens(self) -> list[str]:
        """Return every facet token asked for (each one a mentor has adds to the score)."""
        return [token for group in self.facet_groups() for token in group]

    def text_terms(self) -> list[tuple[str, bool]]:
        """Return the indexed form of each typed word and whether it matches as a prefix."""
        return [
            (self.scoped("w" + word), len(word) >= MIN_PREFIX_LENGTH) for word in self.text_words
        ]


def _clean(values: Iterable[str], allowed: Sequence[str]) -> list[str]:
    chosen = set(values)
    return [value for value in allowed if value in chosen][:MAX_FACET_VALUES]


def make_criteria(
    course_id: int,
    text: str,
    topics: Iterable[str],
    languages: Iterable[str],
    modes: Iterable[str],
    roles: Iterable[str],
    include_unavailable: bool,
) -> Criteria:
    return Criteria(
        course_id=course_id,
        text_words=list(dict.fromkeys(words(text or "")))[:MAX_TEXT_WORDS],
        topics=[topic for topic in topics if topic_key(topic)][:MAX_FACET_VALUES],
        languages=_clean(languages, LANGUAGES),
        modes=_clean(modes, [mode.value for mode in ContactMode]),
        roles=_clean(roles, [role.value for role in MentorRole]),
        include_unavailable=include_unavailable,
    )


def _sqlite_match(criteria: Criteria) -> str:
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


def _facet_score(criteria: Criteria, padded: Any = None) -> ColumnElement[Any]:
    """Count the facet values asked for that a mentor has (cheap: only on the candidates).

    ``padded`` is the document with a space at each end when the statement already has it
    (PostgreSQL: looked up with ``strpos``, several times cheaper than ``LIKE`` in UTF-8).
    """
    score: ColumnElement[Any] = literal(0.0)
    if padded is not None:
        for token in criteria.facet_tokens():
            score = score + case((func.strpos(padded, f" {token} ") > 0, 1.0), else_=0.0)
        return score
    padded = literal(" ") + MentorProfile.search_document + literal(" ")
    for token in criteria.facet_tokens():
        score = score + case((padded.like(f"% {token} %"), 1.0), else_=0.0)
    return score


def _loaded(statement: Any) -> Any:
    """Join membership and user to the profiles and load them with the page (no reloads).

    The search document stays in the database: a page never shows it, and it is the longest
    column of a profile.
    """
    return (
        statement.join(MentorProfile.membership)
        .join(Membership.user)
        .options(
            contains_eager(MentorProfile.membership).contains_eager(Membership.user),
            defer(MentorProfile.search_document),
        )
    )


def _relevance(
    criteria: Criteria, padded: Any = None, size: Any = None, octets: Any = None
) -> ColumnElement[Any]:
    """How often the typed words start a word of the document, damped by its length.

    Computed on the candidates only and the same on both databases (no bm25 or ts_rank,
    whose statistics over the whole index made a common word cost more the more it matched).
    Float arithmetic throughout: PostgreSQL's numeric division costs several times more.
    PostgreSQL passes the padded document and its length in bytes, worked out once per
    candidate: the occurrences are counted in bytes (the same count: the token's length is
    taken in bytes too), and the damping reads the length in bytes, the same as in
    characters for the folded documents of the tool's languages (accents are dropped);
    counting the characters of UTF-8 text cost 2 ms over 1,001 candidates. SQLite counts
    characters (its ``length``), which ranks a non-ASCII document slightly differently.
    """
    if padded is None:
        document = MentorProfile.search_document
        size = cast(func.length(document), Float)
        occurrences: ColumnElement[Any] = literal(0.0, Float)
        for word in criteria.text_words:
            token = " " + criteria.scoped("w" + word)
            removed = size - cast(func.length(func.replace(document, token, "")), Float)
            occurrences = occurrences + removed / literal(float(len(token)), Float)
    else:
        occurrences = literal(0.0, Float)
        for word in criteria.text_words:
            token = " " + criteria.scoped("w" + word)
            removed = octets - cast(func.octet_length(func.replace(padded, token, "")), Float)
            occurrences = occurrences + removed / literal(float(len(token.encode())), Float)
    return occurrences / (literal(1.0, Float) + size / literal(400.0, Float))


def statements(
    criteria: Criteria, dialect: str, *, limit: int = 20, offset: int = 0
) -> tuple[Any, Any]:
    """Return the page query (profile, score, total) and the bounded count query.

    With words or facets, one full-text lookup gives the candidates (at most
    ``MAX_MATCHES + 1``, in the index's order); only those are counted, scored and sorted, so
    a common word costs no more than a rare one. The sort handles ids and scores only; the
    page's rows are loaded after it. The page carries the number of candidates (a window
    count over ids), so a page is one statement; the count query serves pages past the end.
    """
    if not criteria.text_words and not criteria.facet_tokens():
        return _listing(criteria, limit=limit, offset=offset)
    # Members who left the course: the few inactive ones, hashed once (a partial index finds
    # them). A join or a per-row lookup made PostgreSQL build the whole bitmap of matches.
    left = select(Membership.id).where(
        Membership.course_id == criteria.course_id,
        Membership.is_active == False,  # noqa: E712 - the partial index says "= false"
    )
    if dialect == "sqlite":
        found = _sqlite_candidates(criteria, left)
    elif dialect == "postgresql":
        found = _postgresql_candidates(criteria, left)
    else:  # pragma: no cover - the tool runs on SQLite and PostgreSQL only
        raise NotImplementedError(f"mentor search does not support {dialect}")
    # The text relevance x ≥ 0 maps into [0, 1) as x / (1 + x) (facet matches always weigh
    # more) one level up from the candidates, so that x is computed once per candidate.
    score = (found.c.facets + found.c.relevance / (literal(1.0, Float) + found.c.relevance)).label(
        "score"
    )
    ranked = (
        select(found.c.id, score, found.c.search_name, func.count().over().label("total"))
        .order_by(score.desc(), found.c.search_name, found.c.id)
        .limit(limit)
        .offset(offset)
        .subquery("ranked")
    )
    page = _loaded(
        select(MentorProfile, ranked.c.score, ranked.c.total)
        .select_from(ranked)
        .join(MentorProfile, MentorProfile.id == ranked.c.id)
    ).order_by(ranked.c.score.desc(), ranked.c.search_name, ranked.c.id)
    return page, select(func.count()).select_from(found)


def _sqlite_candidates(criteria: Criteria, left: Any) -> Any:
    """Return the scored candidates on SQLite: the FTS5 lookup leads, scored as rows come.

    No ``course_id = …`` here (the tokens say it): without statistics (right after a bulk
    load) SQLite guessed 10 rows per course, walked the course and ran the full-text query
    once per mentor (36 s at 10k mentors); without the condition the FTS5 lookup always leads.
    """
    relevance = _relevance(criteria) if criteria.text_words else literal(0.0, Float)
    return (
        select(
            MentorProfile.id.label("id"),
            _facet_score(criteria).label("facets"),
            relevance.label("relevance"),
            MentorProfile.search_name.label("search_name"),
        )
        .select_from(mentor_search)
        .join(MentorProfile, MentorProfile.id == mentor_search.c.rowid)
        .where(
            literal_column("mentor_search").op("MATCH")(_sqlite_match(criteria)),
            MentorProfile.membership_id.not_in(left),
        )
        .limit(MAX_MATCHES + 1)
        .subquery("candidates")
    )


def _postgresql_candidates(criteria: Criteria, left: Any) -> Any:
    """Return the scored candidates on PostgreSQL: the matches first, then their scores.

    The stored tsvector column (migration 7e3d5b1a9f64) and its GIN index: a row that the
    planner checks outside the index costs no to_tsvector() of its document. The course
    condition repeats what the tokens say: it lets PostgreSQL walk the course's rows and stop
    at the bound when the words are common, instead of building the whole bitmap of matches
    from the GIN index (which it still chooses for rare words).

    The matches carry their document padded with spaces and its lengths, worked out once per
    row: the scores above read that copy. Scored in the same step, every ``LIKE``,
    ``replace`` and ``length`` unpacked the stored (compressed) document again and counted
    its characters; with ``strpos`` and byte lengths the scores of 1,001 candidates cost a
    few times less, with the same values.
    """
    document = MentorProfile.search_document
    matched = (
        select(
            MentorProfile.id.label("id"),
            MentorProfile.search_name.label("search_name"),
            (literal(" ") + document + literal(" ")).label("padded"),
        )
        .where(
            *_postgresql_match(criteria),
            MentorProfile.membership_id.not_in(left),
            MentorProfile.course_id == criteria.course_id,
        )
        .limit(MAX_MATCHES + 1)
        .subquery("matched")
    )
    if criteria.text_words:
        padded = matched.c.padded
        octets = cast(func.octet_length(padded), Float)
        relevance = _relevance(criteria, padded, size=octets - literal(2.0, Float), octets=octets)
    else:
        relevance = literal(0.0, Float)
    # Its own level (the bound again keeps PostgreSQL from merging it into the one above,
    # which would compute the relevance twice per candidate).
    return (
        select(
            matched.c.id,
            _facet_score(criteria, matched.c.padded).label("facets"),
            relevance.label("relevance"),
            matched.c.search_name,
        )
        .limit(MAX_MATCHES + 1)
        .subquery("candidates")
    )


def _postgresql_match(criteria: Criteria) -> list[ColumnElement[Any]]:
    """Return the full-text conditions on PostgreSQL.

    A typed word matches as a prefix (``c<id>w<word>:*``). With narrow facets asked for too
    (a topic, or values of two facets), the word is looked up instead as a token of its
    first ``PREFIX_TOKEN_LENGTH`` letters, which the GIN index holds for every word
    (``c<id>p<prefix>``, ``mentor_search_prefixes`` in migration ``8f2a6c4e1d97``): every
    condition is then an exact token and the index intersects the posting lists from the
    rarest one, instead of merging the lists of every word a common prefix starts (10 ms
    for "grow" at 100k mentors). A longer word is checked on the candidates' documents.

    Otherwise the prefix stays: without facets, or with one broad facet (a language, a
    contact mode or a role, each offered by a large share of mentors), a common word lets
    PostgreSQL walk the course and stop at the bound, which the prefix tokens cannot do (the
    rows do not store them: the function is declared costly so that no plan computes them
    per row).
    """
    vector = literal_column("mentor_profile.mentor_search_vector")
    groups = criteria.required_groups()
    prefixed = [word for word in criteria.text_words if len(word) >= MIN_PREFIX_LENGTH]
    narrow = bool(criteria.topics) or sum(1 for group in criteria.facet_groups() if group) > 1
    if not (narrow and prefixed):
        query = _tsquery(groups, criteria.text_terms())
        return [vector.bool_op("@@")(func.to_tsquery(literal_column("'simple'"), query))]
    whole = [
        (criteria.scoped("w" + word), False)
        for word in criteria.text_words
        if len(word) < MIN_PREFIX_LENGTH
    ]
    tokens = " & ".join(
        "'" + criteria.scoped("p" + word[:PREFIX_TOKEN_LENGTH]) + "'" for word in prefixed
    )
    conditions = [
        vector.bool_op("@@")(func.to_tsquery(literal_column("'simple'"), _tsquery(groups, whole))),
        func.mentor_search_prefixes(MentorProfile.search_document).bool_op("@@")(
            cast(literal(tokens), TSQUERY)
        ),
    ]
    padded = literal(" ") + MentorProfile.search_document
    conditions += [
        func.strpos(padded, " " + criteria.scoped("w" + word)) > 0
        for word in prefixed
        if len(word) > PREFIX_TOKEN_LENGTH
    ]
    return conditions


def _listing(criteria: Criteria, *, limit: int, offset: int) -> tuple[Any, Any]:
    """No words, no facets: walk ``ix_mentor_profile_listing`` in name order, stop at the page.

    The conditions are read from the columns (the truth the document's tokens copy); the
    index gives the order, so neither the page nor the bounded count sorts the course.
    """
    conditions = [
        MentorProfile.course_id == criteria.course_id,
        MentorProfile.status == MentorStatus.APPROVED,
        Membership.is_active.is_(True),
    ]
    if not criteria.include_unavailable:
        conditions += [
            MentorProfile.is_busy.is_(False),
            MentorProfile.active_mentorships < MentorProfile.capacity,
        ]
    page = (
        _loaded(
            select(
                MentorProfile, literal(0.0).label("score"), literal(None).label("total")
            ).select_from(MentorProfile)
        )
        .where(*conditions)
        .order_by(MentorProfile.search_name, MentorProfile.id)
        .limit(limit)
        .offset(offset)
    )
    matches = (
        select(MentorProfile.id)
        .join(MentorProfile.membership)
        .where(*conditions)
        .limit(MAX_MATCHES + 1)
        .subquery("matches")
    )
    return page, select(func.count()).select_from(matches)
