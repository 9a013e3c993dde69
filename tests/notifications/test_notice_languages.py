"""Every notice reads wholly in its reader's language: subject, body, the date in it, the contact
mode, a status and the plural of a count — whatever language it was written in (issue 14)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import current_app
from flask_babel import force_locale

from lti_tool.mentoring.choices import CONTACT_MODES
from lti_tool.mentors.guidance import STATUS_LABELS
from lti_tool.mentors.models import MentorStatus
from lti_tool.notifications.messages import NOTICES
from lti_tool.notifications.models import Notification
from lti_tool.notifications.operations import render_text, stored_param

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
DUE = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
#: Words that give away another language than the reader's (a date's month, a mode, grammar).
GIVEAWAYS = {
    "en": [
        "dicembre",
        "Dezember",
        "décembre",
        "Videochiamata",
        " il ",
        " della ",
        " der ",
        " les ",
    ],
    "it": ["December", "Video call", " the ", " your ", " Dezember", "décembre"],
    "de": ["December", "dicembre", "Video call", " the ", " your ", " il ", " les "],
    "fr": ["December", "dicembre", "Dezember", "Video call", " the ", " your ", " il ", " der "],
}
NAMES = {"mentee", "mentor", "author", "other", "name"}


def _params(kind: str) -> dict:
    """Values for every placeholder of a notice, of the kinds the tool really passes."""
    text = NOTICES[kind]
    with force_locale("en"):
        names = set(PLACEHOLDER.findall(str(text.subject) + str(text.body)))
    values = {}
    for name in names:
        if name in NAMES:
            values[name] = "Luca Rossi"
        elif name == "due":
            values[name] = DUE
        elif name == "mode":
            values[name] = CONTACT_MODES["video"]
        elif name == "status":
            values[name] = STATUS_LABELS[MentorStatus.PAUSED]
        elif name in {"count", "number", "planned", "version"}:
            values[name] = 1 if name == "count" else 2
        elif name == "course":
            values[name] = "MENTOR-101"
        else:  # free text a person wrote (a reason, a proposal): any language
            values[name] = "—"
    return values


@pytest.mark.parametrize("kind", sorted(NOTICES))
def test_every_notice_kind_reads_in_each_shipped_language(app, kind):
    notification = Notification(
        kind=kind, params={key: stored_param(value) for key, value in _params(kind).items()}
    )
    english = render_text(notification)

    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            subject, body = render_text(notification)
        text = f" {subject} {body} "
        for giveaway in GIVEAWAYS.get(language, []):
            assert giveaway not in text, (language, kind, text)
        if language != "en":
            assert (subject, body) != english, (language, kind, "untranslated")
        if "due" in notification.params:
            month = {"en": "December", "it": "dicembre", "de": "Dezember", "fr": "décembre"}
            assert month[language] in body, (language, kind, body)


def test_a_count_takes_the_readers_plural_form(app):
    singular = Notification(
        kind="mentor_auto_busy_staff", params={"mentor": "Luca Rossi", "count": 1}
    )
    plural = Notification(
        kind="mentor_auto_busy_staff", params={"mentor": "Luca Rossi", "count": 3}
    )

    assert "1 contact request to Luca Rossi expired" in render_text(singular)[1]
    assert "3 contact requests to Luca Rossi expired" in render_text(plural)[1]
    with force_locale("it"):
        assert render_text(singular)[1] != render_text(plural)[1].replace("3", "1")
