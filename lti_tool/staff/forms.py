"""Forms of the staff pages: filters, assignment by hand and by CSV, concerns, roster sync."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..concerns.operations import MAX_ACTION_TEXT
from .queries import LearnerState

STATE_LABELS = {
    LearnerState.NO_MENTOR: _l("No mentor"),
    LearnerState.REQUESTED: _l("Request pending"),
    LearnerState.MATCHED: _l("Mentor found, no agreement yet"),
    LearnerState.AGREED: _l("Agreed"),
    LearnerState.CONTACTS: _l("Contacts under way"),
    LearnerState.CONCLUDED: _l("Concluded"),
    LearnerState.ENDED_EARLY: _l("Ended early"),
    LearnerState.EVALUATED: _l("Concluded and evaluated"),
}
_REQUIRED = _l("This field is required.")


class DashboardFilterForm(FlaskForm):
    """The dashboard's filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    state = SelectField(
        _l("State"),
        choices=[SelectChoice("", _l("Every state"))]
        + [SelectChoice(state.value, label) for state, label in STATE_LABELS.items()],
        default="",
        validate_choice=True,
    )
    q = StringField(_l("Search by name or e-mail"), validators=[Optional(), Length(max=100)])
    page = IntegerField(default=1, validators=[Optional(), NumberRange(min=1, max=100000)])


class SyncForm(FlaskForm):
    """A button that starts or continues a roster sync."""


class AssignForm(FlaskForm):
    """Pair one learner with one mentor by hand."""

    mentee = StringField(
        _l("Mentee"),
        description=_l("The learner's e-mail or LMS user id."),
        validators=[InputRequired(message=_REQUIRED), Length(max=320)],
    )
    mentor = SelectField(
        _l("Mentor"),
        coerce=int,
        validate_choice=True,
        invalid_choice_message=_l("Choose one of the mentors shown."),
        invalid_value_message=_l("Choose one of the mentors shown."),
    )


class CsvUploadForm(FlaskForm):
    """A CSV of pairs to check before anything is saved."""

    file = FileField(
        _l("CSV file"),
        description=_l(
            "A header line “mentee,mentor”, then one pair per line: e-mails or LMS user ids."
        ),
        validators=[FileRequired(message=_l("Choose a CSV file."))],
    )


class CsvConfirmForm(FlaskForm):
    """The checked file again, to save it."""

    content = HiddenField(validators=[InputRequired(message=_REQUIRED)])


class ConcernActionForm(FlaskForm):
    """What staff did about a concern."""

    text = TextAreaField(
        _l("What was done"),
        validators=[
            InputRequired(message=_REQUIRED),
            Length(max=MAX_ACTION_TEXT, message=_l("Write at most %(max)d characters.")),
        ],
    )


class CloseConcernForm(FlaskForm):
    """Close a concern, saying how it ended."""

    action_taken = TextAreaField(
        _l("How the concern was resolved"),
        validators=[
            InputRequired(message=_REQUIRED),
            Length(max=MAX_ACTION_TEXT, message=_l("Write at most %(max)d characters.")),
        ],
    )
