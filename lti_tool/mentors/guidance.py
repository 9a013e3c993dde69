"""Labels of what a mentor offers, and the guidance shown beside the profile (§4.1, §4.7).

The project's own text, written from the standards seed (seeds/003): the mentor's possible roles
(§3.2) and the benefits of mentoring for each side (§3.3).
"""

from __future__ import annotations

from collections.abc import Iterable

from babel import Locale
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from .models import ContactMode, MentorRole, MentorStatus

#: The languages a mentor may offer: every ISO 639-1 code Babel's locale data names.
LANGUAGE_CODES: tuple[str, ...] = tuple(
    sorted(code for code in Locale("en").languages if len(code) == 2 and code.isalpha())
)
#: Offered in the search facet even before any mentor of the course speaks them.
COMMON_LANGUAGES: tuple[str, ...] = ("en", "it", "de", "fr", "es")


def language_name(code: str) -> str:
    """Return the name of a language in the reader's language (Babel's locale data)."""
    reader = get_locale() or Locale("en")
    name = reader.languages.get(code) or Locale("en").languages.get(code) or code
    return name[:1].upper() + name[1:]


def language_choices(codes: Iterable[str] = LANGUAGE_CODES) -> list[tuple[str, str]]:
    """Return (code, name) pairs of known language codes, by name in the reader's language."""
    known = [code for code in dict.fromkeys(codes) if code in LANGUAGE_CODES]
    return sorted(((code, language_name(code)) for code in known), key=lambda c: c[1].casefold())


CONTACT_MODE_LABELS: dict[ContactMode, LazyString] = {
    ContactMode.PHONE: _l("Phone"),
    ContactMode.VIDEO: _l("Video call"),
    ContactMode.IN_PERSON: _l("In person"),
    ContactMode.WRITTEN: _l("In writing"),
}

#: The seed's names of the mentor's roles (seed §3.2; glossary in translations/GLOSSARY.md).
ROLE_LABELS: dict[MentorRole, LazyString] = {
    MentorRole.ADVISOR: _l("Advisor"),
    MentorRole.COMPANION: _l("Companion"),
    MentorRole.BROKER: _l("Intermediary"),
    MentorRole.INITIATOR: _l("Initiator"),
    MentorRole.KNOWLEDGE_BROKER: _l("Knowledge broker"),
}

#: What each role means (seed §3.2): the one description used wherever roles are shown.
ROLE_DESCRIPTIONS: dict[MentorRole, LazyString] = {
    MentorRole.ADVISOR: _l(
        "Discusses the mentee's goals and the possible ways to reach them. Gives their own view "
        "on a question or a problem."
    ),
    MentorRole.COMPANION: _l(
        "Discusses the mentee's career plans and possible obstacles, and works out solutions "
        "together with the mentee, keeping in mind that the mentee's goals must be realistic to "
        "achieve."
    ),
    MentorRole.BROKER: _l(
        "Brokers social, professional and specialist contacts, or ways of approaching them."
    ),
    MentorRole.INITIATOR: _l(
        "Shows points of view, gives impulses for ways to develop, points out skills that are "
        "little developed or little used, and strengthens the mentee's own ideas and "
        "initiatives."
    ),
    MentorRole.KNOWLEDGE_BROKER: _l(
        "Supports specific questions with their own knowledge and skills, and gives their "
        "assessment."
    ),
}

STATUS_LABELS: dict[MentorStatus, LazyString] = {
    MentorStatus.APPLICANT: _l("waiting for approval"),
    MentorStatus.APPROVED: _l("approved"),
    MentorStatus.PAUSED: _l("paused"),
    MentorStatus.EXCLUDED: _l("excluded from the programme"),
}

#: What mentoring gives the mentor (seed §3.3).
MENTOR_BENEFITS: tuple[LazyString, ...] = (
    _l("An exchange of different points of view."),
    _l("Insight into the professional barriers that mentees face."),
    _l("An incentive to help people grow."),
    _l("Wider skills in advising others and in leading conversations."),
    _l("Motivation for your own steps of professional growth."),
    _l("New contacts."),
)

#: What mentoring gives the mentee (seed §3.3).
MENTEE_BENEFITS: tuple[LazyString, ...] = (
    _l("Competent exchange and advice."),
    _l("Access to networks."),
    _l("Leadership qualities."),
    _l("More self-confidence."),
    _l("A better assessment of yourself."),
    _l("More skills."),
    _l("Clearer professional and personal goals."),
    _l("A better grasp of how things connect, and of their complexity."),
)

#: What mentoring gives the organisation that runs the programme (seed §3.3, "Azienda").
ORGANISATION_BENEFITS: tuple[LazyString, ...] = (
    _l("A culture of learning, by strengthening self-reflection and feedback."),
    _l("A cost-effective form of learning."),
    _l("A stronger network of relationships."),
    _l("Stronger knowledge management and development of skills."),
)

#: What a mentor brings to the programme (seed §3.1): shown to every mentor.
MENTOR_CONTRIBUTION: tuple[LazyString, ...] = (
    _l(
        "You work successfully in leading positions or projects (as a manager, specialist, "
        "senior or project manager), and have experience and know-how of interest to mentees "
        "that you want to pass on to them free of charge."
    ),
    _l(
        "You are willing to give about one hour a month, up to four times per mentorship, at "
        "no cost to the mentee."
    ),
    _l("You show respect and appreciation for your mentee."),
    _l("You love passing on your knowledge."),
    _l("You are interested in your mentee's growth."),
    _l("You are interested in other points of view, you listen and you ask questions."),
    _l("You give respectful and constructive feedback."),
)

#: What a mentee brings to the mentoring (seed §3.1): shown before searching and requesting.
MENTEE_CONTRIBUTION: tuple[LazyString, ...] = (
    _l(
        "You have a question, a problem or a concrete request on which you want your mentor's "
        "opinion and support."
    ),
    _l("You take an active interest in your mentor's professional know-how."),
    _l("You are open to your mentor's input: you listen and accept other points of view."),
    _l("You are ready to reflect on yourself."),
    _l("You show respect and appreciation for your mentor."),
)


def seed_guidance() -> dict[str, object]:
    """Return the seed's guidance for templates (one source for every page that shows it)."""
    return {
        "role_labels": ROLE_LABELS,
        "role_descriptions": ROLE_DESCRIPTIONS,
        "mentor_benefits": MENTOR_BENEFITS,
        "mentee_benefits": MENTEE_BENEFITS,
        "organisation_benefits": ORGANISATION_BENEFITS,
        "mentor_contribution": MENTOR_CONTRIBUTION,
        "mentee_contribution": MENTEE_CONTRIBUTION,
    }
