"""The statements of mentor search (§4.2), per database: one full-text
lookup bounded at ``MAX_MATCHES`` candidates, scored and sorted, and the page's rows loaded after
the sort; without criteria, the course's mentors walked in name order. ``search`` runs them;
``docs/performance.md`` has the plans.

Every value that comes from the criteria (course, tokens, words, page) is a named parameter
worked out by ``parameters``; the statements themselves depend only on the *shape* of the
criteria (how many words and facet values, which words are prefixes, the database), so
``prepared`` builds them once per shape and a search only fills in the parameters: building
the SQLAlchemy expressions of a search cost about 1 ms a page, more than a rare word's lookup.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    String,
    bindparam,
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
from .models import MentorProfile, MentorStatus
from .search_criteria import MIN_PREFIX_LENGTH, Criteria
from .search_index import PREFIX_TOKEN_LENGTH, mentor_search

#: At most this many matches are counted and ranked: a search without criteria or with a
#: common word costs the same at 100k mentors as at 1k (the page says "more than 1000").
MAX_MATCHES = 1000


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
    Parameters ``facet_<n>``: each token as the lookup needs it (``parameters``).
    """
    score: ColumnElement[Any] = literal(0.0)
    tokens = range(len(criteria.facet_tokens()))
    if padded is not None:
        for index in tokens:
            found = func.strpos(padded, bindparam(f"facet_{index}", type_=String)) > 0
            score = score + case((found, 1.0), else_=0.0)
        return score
    padded = literal(" ") + MentorProfile.search_document + literal(" ")
    for index in tokens:
        score = score + case(
            (padded.like(bindparam(f"facet_{index}", type_=String)), 1.0), else_=0.0
        )
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
    words = range(len(criteria.text_words))
    occurrences: ColumnElement[Any] = literal(0.0, Float)
    if padded is None:
        document = MentorProfile.search_document
        size = cast(func.length(document), Float)
        for index in words:
            without = func.replace(document, bindparam(f"word_{index}", type_=String), "")
            removed = size - cast(func.length(without), Float)
            occurrences = occurrences + removed / bindparam(f"word_length_{index}", type_=Float)
    else:
        for index in words:
            without = func.replace(padded, bindparam(f"word_{index}", type_=String), "")
            removed = octets - cast(func.octet_length(without), Float)
            occurrences = occurrences + removed / bindparam(f"word_length_{index}", type_=Float)
    return occurrences / (literal(1.0, Float) + size / literal(400.0, Float))


def statements(
    criteria: Criteria, dialect: str, *, limit: int = 20, offset: int = 0
) -> tuple[Any, Any]:
    """Return the page query and the bounded count query of the criteria, with their values
    bound (to print or explain them; a search runs ``prepared``)."""
    page, count = _build(criteria, dialect)
    values = parameters(criteria, dialect, limit=limit, offset=offset)
    return page.params(values), count.params(values)


def prepared(
    criteria: Criteria, dialect: str, *, limit: int = 20, offset: int = 0
) -> tuple[Any, Any, dict[str, Any]]:
    """Return the page query and the count query for the shape of the criteria, built once
    per shape and process, and the parameters to run them with."""
    page, count = _built(_Shape.of(criteria, dialect))
    return page, count, parameters(criteria, dialect, limit=limit, offset=offset)


@dataclass(frozen=True)
class _Shape:
    """What the statements of a search depend on; the values are parameters."""

    dialect: str
    #: Per typed word: whether it matches as a prefix, whether it is longer than a prefix token.
    words: tuple[tuple[bool, bool], ...]
    #: Values asked for per facet (topics, languages, modes, roles).
    facets: tuple[int, ...]
    include_unavailable: bool
    #: ``MAX_MATCHES`` when built (a constant a deployment or a test may change).
    bound: int
    #: The first criteria of this shape, which its statements are built from (values unused).
    criteria: Criteria = field(compare=False, hash=False)

    @classmethod
    def of(cls, criteria: Criteria, dialect: str) -> _Shape:
        return cls(
            dialect,
            tuple(
                (len(word) >= MIN_PREFIX_LENGTH, len(word) > PREFIX_TOKEN_LENGTH)
                for word in criteria.text_words
            ),
            tuple(len(group) for group in criteria.facet_groups()),
            criteria.include_unavailable,
            MAX_MATCHES,
            criteria,
        )


@functools.lru_cache(maxsize=256)
def _built(shape: _Shape) -> tuple[Any, Any]:
    return _build(shape.criteria, shape.dialect)


def parameters(
    criteria: Criteria, dialect: str, *, limit: int = 20, offset: int = 0
) -> dict[str, Any]:
    """The values of the statements' parameters, by name: the only place where the criteria's
    values enter a search (the statements hold none of them, ``_build``)."""
    values: dict[str, Any] = {
        "course_id": criteria.course_id,
        "page_limit": limit,
        "page_offset": offset,
    }
    postgresql = dialect == "postgresql"
    for index, token in enumerate(criteria.facet_tokens()):
        values[f"facet_{index}"] = f" {token} " if postgresql else f"% {token} %"
    for index, word in enumerate(criteria.text_words):
        token = " " + criteria.scoped("w" + word)
        values[f"word_{index}"] = token
        values[f"word_length_{index}"] = float(len(token.encode() if postgresql else token))
    if not criteria.text_words and not criteria.facet_tokens():
        return values
    if not postgresql:
        values["match"] = _sqlite_match(criteria)
    elif _narrow(criteria):
        values["tsquery"] = _tsquery(
            criteria.required_groups(),
            [(criteria.scoped("w" + word), False) for word in _whole_words(criteria)],
        )
        values["prefix_tokens"] = " & ".join(
            "'" + criteria.scoped("p" + word[:PREFIX_TOKEN_LENGTH]) + "'"
            for word in _prefixed_words(criteria)
        )
        for index, word in enumerate(_long_words(criteria)):
            values[f"word_start_{index}"] = " " + criteria.scoped("w" + word)
    else:
        values["tsquery"] = _tsquery(criteria.required_groups(), criteria.text_terms())
    return values


def _planned(name: str, type_: Any = String) -> Any:
    """A value PostgreSQL must see to plan the search (the words and tokens looked up, the
    course): written into the statement when it runs (SQLAlchemy's ``literal_execute``, escaped
    by the dialect), not sent as a parameter. psycopg prepares a statement it runs often, and
    for a prepared statement PostgreSQL may settle on a generic plan made without the values:
    for a common word that plan built the whole bitmap of matches from the GIN index instead of
    walking the course to the bound (15.7 ms against 3.8 ms at 100k mentors). The statement
    objects stay built once per shape."""
    return bindparam(name, type_=type_, literal_execute=True)


def _course(dialect: str) -> Any:
    """The course's id: planned on PostgreSQL (``_planned``), a parameter on SQLite."""
    if dialect == "postgresql":
        return _planned("course_id", Integer)
    return bindparam("course_id", type_=Integer)


def _build(criteria: Criteria, dialect: str) -> tuple[Any, Any]:
    """Build the page query (profile, score, total) and the bounded count query.

    With words or facets, one full-text lookup gives the candidates (at most
    ``MAX_MATCHES + 1``, in the index's order); only those are counted, scored and sorted, so
    a common word costs no more than a rare one. The sort handles ids and scores only; the
    page's rows are loaded after it. The page carries the number of candidates (a window
    count over ids), so a page is one statement; the count query serves pages past the end.
    Only the shape of the criteria is read here: every value is a parameter (``parameters``).
    """
    if not criteria.text_words and not criteria.facet_tokens():
        return _listing(criteria, dialect)
    # Members who left the course: the few inactive ones, hashed once (a partial index finds
    # them). A join or a per-row lookup made PostgreSQL build the whole bitmap of matches.
    left = select(Membership.id).where(
        Membership.course_id == _course(dialect),
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
        .limit(bindparam("page_limit", type_=Integer, literal_execute=True))
        .offset(bindparam("page_offset", type_=Integer, literal_execute=True))
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
            literal_column("mentor_search").op("MATCH")(bindparam("match", type_=String)),
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
            MentorProfile.course_id == _course("postgresql"),
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
    tsquery = func.to_tsquery(literal_column("'simple'"), _planned("tsquery"))
    if not _narrow(criteria):
        return [vector.bool_op("@@")(tsquery)]
    conditions = [
        vector.bool_op("@@")(tsquery),
        func.mentor_search_prefixes(MentorProfile.search_document).bool_op("@@")(
            cast(_planned("prefix_tokens"), TSQUERY)
        ),
    ]
    padded = literal(" ") + MentorProfile.search_document
    conditions += [
        func.strpos(padded, bindparam(f"word_start_{index}", type_=String)) > 0
        for index in range(len(_long_words(criteria)))
    ]
    return conditions


def _prefixed_words(criteria: Criteria) -> list[str]:
    return [word for word in criteria.text_words if len(word) >= MIN_PREFIX_LENGTH]


def _whole_words(criteria: Criteria) -> list[str]:
    return [word for word in criteria.text_words if len(word) < MIN_PREFIX_LENGTH]


def _long_words(criteria: Criteria) -> list[str]:
    return [word for word in criteria.text_words if len(word) > PREFIX_TOKEN_LENGTH]


def _narrow(criteria: Criteria) -> bool:
    """Whether PostgreSQL looks typed words up as prefix tokens (``_postgresql_match``)."""
    narrow = bool(criteria.topics) or sum(1 for group in criteria.facet_groups() if group) > 1
    return narrow and bool(_prefixed_words(criteria))


def _listing(criteria: Criteria, dialect: str) -> tuple[Any, Any]:
    """No words, no facets: walk ``ix_mentor_profile_listing`` in name order, stop at the page.

    The conditions are read from the columns (the truth the document's tokens copy); the
    index gives the order, so neither the page nor the bounded count sorts the course.
    """
    conditions = [
        MentorProfile.course_id == _course(dialect),
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
        .limit(bindparam("page_limit", type_=Integer, literal_execute=True))
        .offset(bindparam("page_offset", type_=Integer, literal_execute=True))
    )
    matches = (
        select(MentorProfile.id)
        .join(MentorProfile.membership)
        .where(*conditions)
        .limit(MAX_MATCHES + 1)
        .subquery("matches")
    )
    return page, select(func.count()).select_from(matches)
