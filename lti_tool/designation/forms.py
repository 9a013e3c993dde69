"""Forms of the designation pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional


class CandidateFilterForm(FlaskForm):
    """Search the people who can be named (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search by name, e-mail or LMS user id"), validators=[Optional(), Length(max=100)]
    )
    page = IntegerField(default=1, validators=[Optional(), NumberRange(min=1, max=100000)])


class DesignateForm(FlaskForm):
    """Name the ticked people mentors (their membership ids come as ``member`` values)."""


class DesignationCsvForm(FlaskForm):
    """A CSV of people to name mentors, checked before anything is saved."""

    file = FileField(
        _l("CSV file"),
        description=_l("A header line “mentor”, then one person per line: e-mail or LMS user id."),
        validators=[FileRequired(message=_l("Choose a CSV file."))],
    )


class DesignationCsvConfirmForm(FlaskForm):
    """The checked file again, to save it."""

    content = HiddenField(validators=[InputRequired(message=_l("This field is required."))])


class AnswerForm(FlaskForm):
    """Accept or decline an invitation (the button pressed says which)."""
