"""The fixed choices of the mentoring forms and their labels, in the seed's words (§4.5)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ..mentors.models import ContactMode
from .models import MentorshipStatus, RequestStatus

#: "What I offered the mentee last time" (standards seed §4.2).
OFFER_KINDS: dict[str, LazyString] = {
    "knowledge": _l("Knowledge, information and tips"),
    "stories": _l("Personal stories"),
    "listening": _l("Encouraging listening"),
    "questioning": _l("Specific questioning techniques"),
}

#: "Which communication techniques I used" (standards seed §4.2).
TECHNIQUES: dict[str, LazyString] = {
    "active_listening": _l("Active listening and building rapport"),
    "right_questions": _l("“Right” questions, special questioning techniques"),
    "feedback": _l("Feedback"),
}

CONTACT_MODES: dict[str, LazyString] = {
    ContactMode.PHONE: _l("Phone"),
    ContactMode.VIDEO: _l("Video call"),
    ContactMode.IN_PERSON: _l("In person"),
    ContactMode.WRITTEN: _l("In writing"),
}

REQUEST_STATUSES: dict[str, LazyString] = {
    RequestStatus.PENDING: _l("Waiting for an answer"),
    RequestStatus.ACCEPTED: _l("Accepted"),
    RequestStatus.DECLINED: _l("Declined"),
    RequestStatus.EXPIRED: _l("Expired without an answer"),
    RequestStatus.WITHDRAWN: _l("Withdrawn"),
}

MENTORSHIP_STATUSES: dict[str, LazyString] = {
    MentorshipStatus.ACTIVE: _l("In progress"),
    MentorshipStatus.CONCLUDED: _l("Concluded"),
    MentorshipStatus.ENDED_EARLY: _l("Ended early"),
}

#: The longest contact one can log, in minutes (ten hours).
MAX_DURATION_MINUTES = 600
