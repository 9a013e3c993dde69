"""Forms of the programme pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, NumberRange, StopValidation

from .models import MatchingMode
from .operations import (
    ANSWER_DEADLINE_RANGE,
    AUTO_BUSY_RANGE,
    CONTACTS_RANGE,
    MATCHING_MODE_LABELS,
    MENTOR_CAPACITY_RANGE,
    SETTING_FIELDS,
)


class StandardsForm(FlaskForm):
    """Accept the programme standards and confirm being of age."""

    accept = BooleanField(
        _l("I have read the programme standards and I accept them."),
        validators=[InputRequired(message=_l("Accept the standards to take part."))],
    )
    of_age = BooleanField(
        _l("I confirm that I am of age."),
        validators=[InputRequired(message=_l("Taking part is open to adults only."))],
    )
    next = HiddenField()


class WholeNumberField(IntegerField):
    """An integer field whose "not a number" message is the tool's own, translated."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Read a whole number; anything else leaves no value and a translated error."""
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None  # left empty: InputRequired (when present) says so
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole number.")) from None

    def pre_validate(self, form: Any) -> None:
        """Stop at "not a number": range checks would only repeat it."""
        if self.process_errors:
            raise StopValidation()


def _number(label: Any, low: int, high: int, description: Any = None) -> WholeNumberField:
    return WholeNumberField(
        label,
        description=description,
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(
                min=low, max=high, message=_l("Enter a whole number from %(min)s to %(max)s.")
            ),
        ],
    )


class ProgrammeSettingsForm(FlaskForm):
    """The settings of a course's mentoring programme (§2)."""

    contacts_per_mentorship = _number(
        _l("Contacts per mentorship"),
        *CONTACTS_RANGE,
        description=_l("The mentorship is officially concluded after this many contacts."),
    )
    answer_deadline_days = _number(
        _l("Days a mentor has to answer a request"), *ANSWER_DEADLINE_RANGE
    )
    reminder_days_before = _number(
        _l("Days before the deadline to send a reminder"),
        0,
        ANSWER_DEADLINE_RANGE[1] - 1,
        description=_l("0 sends the reminder on the last day; it must be less than the deadline."),
    )
    mentor_capacity = _number(
        _l("Mentees per mentor at the same time"),
        *MENTOR_CAPACITY_RANGE,
        description=_l("The default of new mentor profiles, and the most a mentor may choose."),
    )
    requires_mentor_approval = BooleanField(
        _l("Staff approve course mentors before they appear in search"),
        description=_l("Learners who volunteer to mentor always wait for approval."),
    )
    matching_mode = SelectField(
        _l("Who makes the pairs"),
        choices=[SelectChoice(mode.value, label) for mode, label in MATCHING_MODE_LABELS.items()],
        validate_choice=False,
        validators=[
            AnyOf(
                [mode.value for mode in MatchingMode],
                message=_l("Choose one of the options shown."),
            )
        ],
    )
    expiries_before_auto_busy = _number(
        _l("Expired requests before a mentor is set busy automatically"),
        *AUTO_BUSY_RANGE,
    )
    staff_see_evaluation_scores = BooleanField(_l("Staff see the scores of the final evaluations"))

    def settings(self) -> dict[str, Any]:
        """Return the submitted values as ``update_programme`` takes them."""
        return {name: getattr(self, name).data for name in SETTING_FIELDS}
