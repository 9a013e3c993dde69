"""What a search result card shows, worked out once per page in Python.

A page of 20 cards rendered through macros, ``url_for`` and ``_()`` per card cost more than
the search itself (issue 12: ~0.5 ms a card). The texts are the same as the templates wrote
them, translated the way Jinja's ``_()`` translates them (the translation as markup, its
values escaped); the markup stays in ``templates/mentors/search.html``. Labels (languages,
contact modes, roles) are looked up once per page, URLs built once per page and completed
with each mentor's id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import url_for
from markupsafe import Markup

from ..i18n import _translations
from ..people.models import Membership
from ..programme.models import MatchingMode
from .access import can_request
from .guidance import CONTACT_MODE_LABELS, ROLE_LABELS, language_name
from .models import MentorProfile, MentorStatus
from .search import SearchHit

_LIST_SEPARATOR = ", "
_REASON_SEPARATOR = Markup("; ")


@dataclass(frozen=True)
class Card:
    """One mentor of the result list, as the card shows them."""

    id: int
    name: str
    initials: str
    photo_url: str | None
    profile_url: str
    availability: Markup
    is_taking_mentees: bool
    headline: str
    topics: str
    languages: str
    modes: str
    roles: str
    reasons: Markup
    request_url: str | None
    request_label: Markup


class _Texts:
    """Translations of one page: Jinja's newstyle ``_()`` and ``ngettext()``, looked up once."""

    def __init__(self) -> None:
        self._translations = _translations()
        self._seen: dict[str, Markup] = {}
        self._languages: dict[str, str] = {}
        self._modes: dict[str, str] = {}
        self._roles: dict[str, str] = {}

    def gettext(self, string: str, **variables: Any) -> Markup:
        """The translation as markup with its values escaped (what ``{{ _(...) }}`` writes)."""
        translated = self._seen.get(string)
        if translated is None:
            # A catalogue's text is trusted as Jinja's _() trusts it; the values are escaped.
            translated = Markup(self._translations.ugettext(string))  # noqa: S704
            self._seen[string] = translated
        return translated % variables

    def ngettext(self, singular: str, plural: str, num: int, **variables: Any) -> Markup:
        """The singular or plural translation, ``num`` among its values."""
        translated = Markup(self._translations.ungettext(singular, plural, num))  # noqa: S704
        return translated % {"num": num, **variables}

    def language(self, code: str) -> str:
        """A language's name in the reader's language."""
        name = self._languages.get(code)
        if name is None:
            name = self._languages[code] = language_name(code)
        return name

    def mode(self, mode: str) -> str:
        """A contact mode's label."""
        label = self._modes.get(mode)
        if label is None:
            # The labels' keys are StrEnum members: a member hashes and compares as its value.
            label = self._modes[mode] = str(CONTACT_MODE_LABELS.get(mode, mode))  # type: ignore[call-overload]
        return label

    def role(self, role: str) -> str:
        """A mentor role's label."""
        label = self._roles.get(role)
        if label is None:
            label = self._roles[role] = str(ROLE_LABELS.get(role, role))  # type: ignore[call-overload]
        return label


def initials(name: str | None) -> str:
    """Return up to two initials of a name for its avatar ("?" when the name is not shared)."""
    words = [word for word in (name or "").split() if word[:1].isalpha()]
    if not words:
        return "?"
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


def _url_with_id(endpoint: str, **values: Any) -> Callable[[int], str]:
    """Build an URL whose last path segment is a mentor's id once; complete it per mentor."""
    arguments: dict[str, Any] = {**values, _ID_ARGUMENT[endpoint]: 0}
    sample = url_for(endpoint, **arguments)
    head, _sep, last = sample.rpartition("/")
    if last != "0":  # pragma: no cover - the routes end with the id
        raise ValueError(f"{endpoint}'s URL does not end with the mentor's id: {sample}")
    prefix = head + "/"
    return lambda mentor_id: prefix + str(mentor_id)


_ID_ARGUMENT = {"mentors.profile": "profile_id", "mentoring.new_request": "mentor_id"}


def search_cards(
    hits: Iterable[SearchHit],
    member: Membership,
    mode: MatchingMode,
    viewer_language: str,
) -> list[Card]:
    """Return the cards of a page of hits, for ``member`` in a course paired by ``mode``."""
    texts = _Texts()
    course_id = member.course_id
    profile_url = _url_with_id("mentors.profile", course_id=course_id)
    request_url = _url_with_id("mentoring.new_request", course_id=course_id)
    cards = []
    for hit in hits:
        mentor = hit.profile
        display_name = mentor.membership.user.display_name
        name = display_name or texts.gettext("Mentor (name not shared by the platform)")
        may_ask = can_request(member, mentor, mode)
        cards.append(
            Card(
                id=mentor.id,
                name=name,
                initials=initials(display_name),
                photo_url=(
                    url_for(
                        "mentors.photo",
                        course_id=course_id,
                        profile_id=mentor.id,
                        v=mentor.photo_key[:8],
                    )
                    if mentor.photo_key
                    else None
                ),
                profile_url=profile_url(mentor.id),
                availability=_availability(mentor, texts),
                is_taking_mentees=mentor.is_taking_mentees,
                headline=mentor.headline or "",
                topics=_LIST_SEPARATOR.join(mentor.topics or ()),
                languages=_LIST_SEPARATOR.join(texts.language(c) for c in mentor.languages or ()),
                modes=_LIST_SEPARATOR.join(texts.mode(m) for m in mentor.contact_modes or ()),
                roles=_LIST_SEPARATOR.join(texts.role(r) for r in mentor.roles_offered or ()),
                reasons=_reasons(hit, texts, viewer_language),
                request_url=request_url(mentor.id) if may_ask else None,
                request_label=texts.gettext("to %(name)s", name=name),
            )
        )
    return cards


def _availability(mentor: MentorProfile, texts: _Texts) -> Markup:
    if mentor.status != MentorStatus.APPROVED:
        return texts.gettext("Not taking mentees right now")
    if mentor.is_busy:
        return texts.gettext("Busy at the moment")
    if mentor.is_full:
        return texts.gettext("No place free at the moment")
    free = mentor.capacity - mentor.active_mentorships
    return texts.ngettext("%(num)d place free", "%(num)d places free", free)


def _reasons(hit: SearchHit, texts: _Texts, viewer_language: str) -> Markup:
    """Why this mentor: what they matched, else what every listed mentor offers."""
    mentor = hit.profile
    if not hit.reasons:
        general = [
            texts.gettext("takes mentees")
            if mentor.is_taking_mentees
            else texts.gettext("a mentor of your course")
        ]
        if viewer_language in (mentor.languages or ()):
            general.append(texts.gettext("speaks your language"))
        return _REASON_SEPARATOR.join(general)
    said = []
    for reason in hit.reasons:
        if reason.kind == "topic":
            said.append(texts.gettext("topic “%(topic)s”", topic=reason.value))
        elif reason.kind == "language":
            said.append(texts.gettext("speaks %(language)s", language=texts.language(reason.value)))
        elif reason.kind == "mode":
            said.append(texts.gettext("offers %(mode)s", mode=texts.mode(reason.value)))
        elif reason.kind == "role":
            said.append(texts.gettext("acts as %(role)s", role=texts.role(reason.value)))
        else:
            said.append(texts.gettext("mentions “%(word)s”", word=reason.value))
    return _REASON_SEPARATOR.join(said)
