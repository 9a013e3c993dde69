"""What a mentor search asks for (§4.2), cleaned: unknown values dropped, sizes bounded, and
the index tokens each part of it stands for (``search_index``). ``search_statements`` turns
criteria into statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .models import ContactMode, MentorRole, MentorStatus
from .search_index import (
    LANGUAGES,
    availability_token,
    course_token,
    language_token,
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
