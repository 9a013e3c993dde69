"""Mentor search (§4.2), the indexed side: the document of a profile and its tokens.

Layout (PERF-FACTS.md): every facet value is written into ``mentor_profile.search_document`` as
a token next to the words of the profile, so that one index lookup answers every condition —
course, status, availability, topics, languages, contact modes and roles offered — together
with the free text. SQLite answers with an FTS5 table over that column (kept in step by
triggers, see the migration ``5f3c9a7e21d4``); PostgreSQL with a GIN index on the stored
``to_tsvector('simple', search_document)`` (migration ``7e3d5b1a9f64``). Both give the same
result contract. ``docs/performance.md`` has the plans.

Every token starts with ``c<course id>``: a profile belongs to one course, so the index holds
one posting list per course and value, and a search in one course never reads the other
courses' entries (1M mentors across courses cost about what the searched course costs).

Tokens (after the course prefix):

- ``st<status>``; ``avail1`` (approved and taking mentees) or ``avail0``;
- ``top<16 letters>`` per topic (a digest of the folded label, so that any label is one token),
  ``lang<code>``, ``mode<contact mode>``, ``role<role offered>`` (underscores dropped: both
  tokenisers split on them);
- ``w<word>`` per word of the name, headline, topics and bio, folded (lower case, no accents).
  The ``w`` keeps typed words apart from facet tokens: a prefix search for ``top`` or ``lang``
  can never match a facet token.

At most ``MAX_MATCHES`` matches are counted and ranked (relevance is computed on those only),
so that a common word or no criteria at all cost no more than a rare word; without criteria
the course's mentors are walked in name order along ``ix_mentor_profile_listing``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

from sqlalchemy import Column, Integer, MetaData, Table, Text

from .guidance import LANGUAGE_CODES
from .models import MentorProfile, MentorStatus

#: Languages a mentor may offer (ISO 639-1 codes, named by Babel in the reader's language).
LANGUAGES = LANGUAGE_CODES
#: Longest word kept in the index (PostgreSQL skips words over 2,047 bytes).
MAX_WORD_LENGTH = 100
#: PostgreSQL's GIN index also holds, for every word, its prefixes of 2 to this many letters
#: as tokens ``c<id>p<prefix>`` (computed from the document by ``mentor_search_prefixes``,
#: migration ``8f2a6c4e1d97``; the rows do not store them).
PREFIX_TOKEN_LENGTH = 6
#: Longest folded name kept for sorting (``mentor_profile.search_name``).
MAX_SEARCH_NAME = 200

#: The SQLite FTS5 table (rowid = mentor_profile.id). Not a model: its migration owns it.
mentor_search = Table(
    "mentor_search", MetaData(), Column("rowid", Integer), Column("search_document", Text)
)

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Return text in lower case without accents, as the index stores it."""
    if text.isascii():  # nothing to decompose (most texts; the search's reasons fold each bio)
        return text.casefold()
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
    """Return the prefix of every index token of a course's profiles."""
    return f"c{course_id}"


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


def search_name(name: str | None) -> str:
    """Return a name as search sorts it: folded (lower case, no accents), bounded."""
    return " ".join(fold(name or "").split())[:MAX_SEARCH_NAME]


def index_profile(profile: MentorProfile) -> None:
    """Write the profile's indexed document and sort name (after any change to either)."""
    profile.search_document = search_document_for(profile)
    profile.search_name = search_name(profile.membership.user.display_name)


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
        status_token(status),
        availability_token(is_taking_mentees),
        *(topic_token(topic) for topic in topics),
        *(language_token(code) for code in languages),
        *(mode_token(mode) for mode in modes),
        *(role_token(role) for role in roles),
    ]
    text = " ".join((name, headline, " ".join(topics), bio))
    scope = course_token(course_id)
    tokens = [*dict.fromkeys(facets), *("w" + word for word in words(text))]
    return " ".join(scope + token for token in tokens)
