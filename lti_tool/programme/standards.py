"""The programme standards every participant accepts before first use (§3).

The project's own text, written from the ten standards of the association's mentoring standards
(seeds/003). Change ``STANDARDS_VERSION`` whenever the text changes: everyone is asked again.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STANDARDS_VERSION = "2026.1"

STANDARDS = (
    _l(
        "Staff may turn down a request to take part, and may exclude a mentor who does not "
        "respect these standards, without giving a reason."
    ),
    _l("Nobody has a right to be matched with a mentor or a mentee."),
    _l("A mentor answers every contact request, even when they cannot take the mentee on."),
    _l("A mentor who is not available marks themself “busy” in the tool."),
    _l("Mentor and mentee build a voluntary relationship based on mutual trust."),
    _l(
        "A mentorship has four contacts — by phone, video call, in person or in writing; the "
        "pair chooses the form."
    ),
    _l(
        "The mentorship is officially concluded after the fourth contact; the pair may decide "
        "to continue, and when to end."
    ),
    _l("Taking part is voluntary and free of charge for everyone."),
    _l(
        "Both keep each other's personal data strictly confidential and never pass it on; avoid "
        "topics that could hurt or discriminate against the other person, religion and faith in "
        "particular; no relationship of a sexual nature without consent; and shape the "
        "relationship around the mentee's goals and needs and the mentor's means and skills."
    ),
    _l("Either side may end the mentorship early, after talking it over with the other."),
)
