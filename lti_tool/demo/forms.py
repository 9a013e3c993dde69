"""The demo LMS's launcher: who launches, which activity, in which language."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired

from ..i18n import normalise_locale
from .platform import builtin_links, placed_links
from .roster import PEOPLE, ROLE_LABELS, DemoRole

#: Language names shown in their own language, as language pickers do.
LANGUAGE_NAMES = {"en": "English", "it": "Italiano", "de": "Deutsch", "fr": "Français"}


class LaunchForm(FlaskForm):
    """Pick a person, an activity and a language; launch it or start deep linking."""

    person = RadioField(_l("Launch as"), validators=[InputRequired(_l("Choose a person."))])
    link = SelectField(_l("Activity"))
    locale = SelectField(_l("Language of the course"))
    storage = BooleanField(
        _l("Offer the tool this page's storage (for browsers that block its cookies)"),
        default=True,
    )
    launch = SubmitField(_l("Launch"))
    deep_link = SubmitField(_l("Add activities"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.person.choices = [
            (person.subject, f"{person.name} ({ROLE_LABELS[person.role]})") for person in PEOPLE
        ]
        builtin = [(link.id, link.display_title) for link in builtin_links()]
        placed = [(link.id, link.display_title) for link in placed_links()]
        self.link.choices = (
            {_("Activities of the course"): builtin, _("Added by deep linking"): placed}
            if placed
            else builtin
        )
        languages = current_app.config["LANGUAGES"]
        self.locale.choices = [(code, LANGUAGE_NAMES.get(code, code)) for code in languages]

    def set_defaults(self, locale: object) -> None:
        """Preselect the first learner, the programme home and the page's language."""
        self.person.data = self.person.data or next(
            person.subject for person in PEOPLE if person.role == DemoRole.LEARNER
        )
        self.locale.data = self.locale.data or normalise_locale(str(locale)) or "en"
