"""Labels of what a mentor offers, and the guidance shown beside the profile (§4.1, §4.7).

The project's own text, written from the standards seed (seeds/003): the mentor's possible roles
(§3.2) and the benefits of mentoring for each side (§3.3).
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from .models import ContactMode, MentorRole, MentorStatus

#: The languages a mentor may offer (code → name in the reader's language).
LANGUAGE_LABELS: dict[str, LazyString] = {
    "en": _l("English"),
    "it": _l("Italian"),
    "de": _l("German"),
    "fr": _l("French"),
    "es": _l("Spanish"),
}

CONTACT_MODE_LABELS: dict[ContactMode, LazyString] = {
    ContactMode.PHONE: _l("Phone"),
    ContactMode.VIDEO: _l("Video call"),
    ContactMode.IN_PERSON: _l("In person"),
    ContactMode.WRITTEN: _l("In writing"),
}

ROLE_LABELS: dict[MentorRole, LazyString] = {
    MentorRole.ADVISOR: _l("Advisor"),
    MentorRole.COMPANION: _l("Companion"),
    MentorRole.BROKER: _l("Broker of contacts"),
    MentorRole.INITIATOR: _l("Initiator"),
    MentorRole.KNOWLEDGE_BROKER: _l("Knowledge broker"),
}

#: What each role means (seed §3.2), shown as guidance when a mentor chooses what to offer.
ROLE_DESCRIPTIONS: dict[MentorRole, LazyString] = {
    MentorRole.ADVISOR: _l(
        "Talks through the mentee's goals and the ways to reach them, and gives a personal view "
        "on a question or a problem."
    ),
    MentorRole.COMPANION: _l(
        "Discusses the mentee's career plans and the obstacles on the way, and works out "
        "solutions together that keep the mentee's goals realistic."
    ),
    MentorRole.BROKER: _l(
        "Opens doors: puts the mentee in touch with social, professional and specialist "
        "contacts, or suggests how to approach them."
    ),
    MentorRole.INITIATOR: _l(
        "Brings new points of view and ideas for growth, names skills the mentee has not yet "
        "developed or uses too little, and backs the mentee's own ideas and initiatives."
    ),
    MentorRole.KNOWLEDGE_BROKER: _l(
        "Helps with specific questions from their own knowledge and skills, and gives an "
        "honest assessment."
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
    _l("A view of the professional hurdles that mentees face."),
    _l("The reward of helping people grow."),
    _l("Wider skills in advising others and in leading conversations."),
    _l("Motivation for your own next steps in your career."),
    _l("New contacts."),
)

#: What mentoring gives the mentee (seed §3.3).
MENTEE_BENEFITS: tuple[LazyString, ...] = (
    _l("Exchange with, and advice from, someone who knows the field."),
    _l("Access to networks."),
    _l("Leadership qualities."),
    _l("More self-confidence."),
    _l("A more accurate view of yourself."),
    _l("New skills."),
    _l("Clearer professional and personal goals."),
    _l("A better grasp of how things connect, and of their complexity."),
)

#: What a mentor brings to the programme (seed §3.1), shown to learners who volunteer.
MENTOR_CONTRIBUTION: tuple[LazyString, ...] = (
    _l(
        "Experience from leading people or projects, and know-how you want to pass on free of "
        "charge."
    ),
    _l("About one hour a month, for up to four contacts per mentorship."),
    _l("Respect and appreciation for your mentee, and interest in their growth."),
    _l("Curiosity about other points of view: you listen and ask questions."),
    _l("Feedback that is respectful and constructive."),
)
