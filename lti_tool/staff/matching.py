"""Suggested matching (§1, issue 5): score every learner–mentor pair and propose one mentor each.

Pure Python over rows preloaded by :func:`lti_tool.staff.queries.matching_facts`, so that 300
learners and 100 mentors are scored in milliseconds. Each score is the sum of named parts, so
that staff see *why* a pair is proposed:

- **language** (required): the learner's language is the primary language of the locale their
  LMS launches carry (``it_CH`` → ``it``), the only language the tool knows of a learner. A
  learner whose platform sent no locale is never matched automatically (staff assign by hand),
  and a pair that shares no language is never proposed;
- **topics**: topics of the mentors the learner asked before (their contact requests);
- **contact mode**: the mode the learner preferred in their latest request, offered or not;
- **needs**: mentor topics whose words appear in what the learner wrote in their requests (the
  text is read here, never shown).

Mentors take part only when approved, not busy, still in the course and with free places; a
learner is never proposed again to a mentor who declined them or with whom a mentorship ended
early. The proposal is greedy: best pairs first, each mentor up to their free places.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..mentors.search import topic_key, words

LANGUAGE_POINTS = 30
TOPIC_POINTS = 10
TOPICS_MAXIMUM = 30
MODE_POINTS = 15
#: A learner who stated no preferred mode fits every mentor a little.
MODE_UNKNOWN_POINTS = 5
NEED_POINTS = 10
NEEDS_MAXIMUM = 25
#: Other mentors offered per learner when staff edit the proposal.
ALTERNATIVES = 4


@dataclass(frozen=True)
class LearnerFacts:
    """What the matching knows of one learner without a mentor."""

    membership_id: int
    name: str | None
    language: str | None
    topics: frozenset[str] = frozenset()
    need_words: frozenset[str] = frozenset()
    preferred_mode: str | None = None
    excluded_profiles: frozenset[int] = frozenset()


@dataclass(frozen=True)
class MentorFacts:
    """What the matching knows of one mentor who may take mentees."""

    profile_id: int
    membership_id: int
    name: str | None
    topics: tuple[str, ...]
    languages: frozenset[str]
    modes: frozenset[str]
    free_places: int


@dataclass(frozen=True)
class ScorePart:
    """One reason of a score: its key, the points earned, the most it gives, what matched."""

    key: str
    points: int
    maximum: int
    matched: tuple[str, ...] = ()


@dataclass(frozen=True)
class PairScore:
    """A possible pair and its score, part by part."""

    learner_id: int
    profile_id: int
    parts: tuple[ScorePart, ...]

    @property
    def total(self) -> int:
        """The sum of the parts (0–100)."""
        return sum(part.points for part in self.parts)


@dataclass
class Proposal:
    """One proposed pair per learner who could be matched; why the others could not."""

    pairs: list[PairScore] = field(default_factory=list)
    alternatives: dict[int, list[PairScore]] = field(default_factory=dict)
    #: learner id → why no mentor is proposed, one of :data:`UNMATCHED_REASONS`.
    unmatched: dict[int, str] = field(default_factory=dict)


#: Why a learner gets no proposal, decided by :func:`unmatched_reason` from the same rules that
#: score the pairs: no language known; no mentor offering one shares it; every one who does
#: declined them or ended early with them; none of those has a free place; or their free places
#: went to pairs that scored higher in this proposal.
UNMATCHED_REASONS = (
    "no_language",
    "no_shared_language",
    "only_excluded",
    "no_free_place",
    "places_taken",
)


def language_of(locale: str | None) -> str | None:
    """Return the primary language of an LMS locale code (``pt_BR`` → ``pt``), if any."""
    if not locale:
        return None
    language = locale.replace("-", "_").split("_", 1)[0].strip().lower()
    return language or None


def need_words(texts: Iterable[str]) -> frozenset[str]:
    """Return the folded words of what a learner wrote."""
    return frozenset(word for text in texts for word in words(text or ""))


def score_pair(learner: LearnerFacts, mentor: MentorFacts) -> PairScore | None:
    """Return the pair's score, or None when the rules forbid the pair (language, exclusion)."""
    if learner.membership_id == mentor.membership_id:
        return None
    if learner.language is None or learner.language not in mentor.languages:
        return None
    if mentor.profile_id in learner.excluded_profiles:
        return None
    shared = tuple(label for label in mentor.topics if topic_key(label) in learner.topics)
    needs = tuple(
        label
        for label in mentor.topics
        if topic_key(label) not in learner.topics
        and (key_words := set(topic_key(label).split()))
        and key_words <= learner.need_words
    )
    if learner.preferred_mode is None:
        mode = ScorePart("mode", MODE_UNKNOWN_POINTS, MODE_POINTS)
    elif learner.preferred_mode in mentor.modes:
        mode = ScorePart("mode", MODE_POINTS, MODE_POINTS, (learner.preferred_mode,))
    else:
        mode = ScorePart("mode", 0, MODE_POINTS)
    parts = (
        ScorePart("language", LANGUAGE_POINTS, LANGUAGE_POINTS, (learner.language,)),
        ScorePart(
            "topics", min(TOPICS_MAXIMUM, TOPIC_POINTS * len(shared)), TOPICS_MAXIMUM, shared
        ),
        mode,
        ScorePart("needs", min(NEEDS_MAXIMUM, NEED_POINTS * len(needs)), NEEDS_MAXIMUM, needs),
    )
    return PairScore(learner.membership_id, mentor.profile_id, parts)


def unmatched_reason(learner: LearnerFacts, mentors: Sequence[MentorFacts]) -> str:
    """Say why the learner has no proposed mentor, by the rules of :func:`score_pair`."""
    if learner.language is None:
        return "no_language"
    sharing = [
        mentor
        for mentor in mentors
        if learner.language in mentor.languages and mentor.membership_id != learner.membership_id
    ]
    if not sharing:
        return "no_shared_language"
    allowed = [mentor for mentor in sharing if score_pair(learner, mentor) is not None]
    if not allowed:
        return "only_excluded"
    if all(mentor.free_places <= 0 for mentor in allowed):
        return "no_free_place"
    return "places_taken"


def propose(learners: Sequence[LearnerFacts], mentors: Sequence[MentorFacts]) -> Proposal:
    """Propose at most one mentor per learner, best pairs first, within every free place."""
    proposal = Proposal()
    places = {mentor.profile_id: mentor.free_places for mentor in mentors}
    candidates: list[PairScore] = []
    by_learner: dict[int, list[PairScore]] = {}
    for learner in learners:
        if learner.language is None:
            proposal.unmatched[learner.membership_id] = unmatched_reason(learner, mentors)
            continue
        scored = [
            pair
            for mentor in mentors
            if mentor.free_places > 0 and (pair := score_pair(learner, mentor)) is not None
        ]
        scored.sort(key=lambda pair: (-pair.total, -places[pair.profile_id], pair.profile_id))
        by_learner[learner.membership_id] = scored
        candidates.extend(scored)
    candidates.sort(
        key=lambda pair: (-pair.total, -places[pair.profile_id], pair.learner_id, pair.profile_id)
    )
    chosen: dict[int, PairScore] = {}
    for pair in candidates:
        if pair.learner_id in chosen or places[pair.profile_id] <= 0:
            continue
        chosen[pair.learner_id] = pair
        places[pair.profile_id] -= 1
    for learner in learners:
        if learner.membership_id in proposal.unmatched:
            continue
        pair = chosen.get(learner.membership_id)
        if pair is None:
            proposal.unmatched[learner.membership_id] = unmatched_reason(learner, mentors)
            continue
        proposal.pairs.append(pair)
        proposal.alternatives[learner.membership_id] = [
            other for other in by_learner[learner.membership_id] if other is not pair
        ][:ALTERNATIVES]
    return proposal
