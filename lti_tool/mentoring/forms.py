"""Forms of the mentoring journey: requests, answers, agreement, contacts, preparation,
ending and evaluation. Every text has a length limit, every choice is checked."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import NOT_A_CHOICE, REQUIRED, TOO_LONG, optional_text, required_text
from .choices import CONTACT_MODES, MAX_DURATION_MINUTES, OFFER_KINDS, TECHNIQUES
from .rules import MAX_FREQUENCY, contact_date_refusal


class MultiCheckboxField(SelectMultipleField):
    """Several choices shown as checkboxes (each checked value must be one of the choices)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def at_least_one(message: Any) -> Any:
    """Require one checked box or more (without marking every box ``required`` in HTML)."""

    def check(form: FlaskForm, field: SelectMultipleField) -> None:
        if not field.data:
            raise StopValidation(message)

    return check


def _choices(labels: dict[str, Any]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class RequestForm(FlaskForm):
    """The mentee's contact request: question, ideas, expectations and preferred mode."""

    question = required_text(
        _l("Your question or problem"),
        description=_l("What would you like your mentor's view and support on?"),
    )
    ideas = required_text(
        _l("Your ideas"), description=_l("What have you thought of or tried so far?")
    )
    expectations = required_text(
        _l("What you expect of the mentoring"),
        description=_l("For example: advice, contacts, feedback on a plan, a sounding board."),
    )
    mode = RadioField(
        _l("Preferred form of contact"),
        choices=_choices(CONTACT_MODES),
        validators=[InputRequired(message=_l("Choose a form of contact."))],
        invalid_choice_message=NOT_A_CHOICE,
    )

    def offer_modes(self, modes: list[str]) -> None:
        """Offer only the contact modes the mentor offers (all when they named none)."""
        offered = [mode for mode in CONTACT_MODES if not modes or mode in modes]
        self.mode.choices = [SelectChoice(mode, CONTACT_MODES[mode]) for mode in offered]


class AcceptForm(FlaskForm):
    """Accept a request with a proposal of how to proceed."""

    proposal = required_text(
        _l("Your proposal of how to proceed"),
        description=_l("For example: when and how you would like to hold the first conversation."),
    )


class DeclineForm(FlaskForm):
    """Decline a request with a short reason."""

    reason = required_text(
        _l("Your reason"),
        description=_l("A short, friendly reason: the mentee can then ask another mentor."),
    )


class CloseForm(FlaskForm):
    """Close a concluded mentorship the pair continued, with an optional note (standard 7)."""

    note = optional_text(_l("Closing note (optional)"))


class AgreementForm(FlaskForm):
    """A version of the mentoring agreement: goals, form and frequency of contacts."""

    goals = required_text(_l("Goals of the mentoring"))
    contact_modes = MultiCheckboxField(
        _l("Forms of contact"),
        choices=_choices(CONTACT_MODES),
        validators=[at_least_one(_l("Choose at least one form of contact."))],
    )
    frequency = StringField(
        _l("How often you will be in contact"),
        description=_l("For example: about one hour a month."),
        validators=[
            InputRequired(message=REQUIRED),
            Length(max=MAX_FREQUENCY, message=TOO_LONG),
        ],
    )
    other_commitments = optional_text(_l("Other commitments (optional)"))


class ContactForm(FlaskForm):
    """A contact the pair held: date, form and duration (of ``mentorship``, whose dates the
    date must fall within)."""

    mentorship: Any = None

    def validate_held_on(self, field: Any) -> None:
        """Refuse a date before the mentorship or in the future, with the other fields' errors."""
        if self.mentorship is not None and field.data is not None:
            refusal = contact_date_refusal(self.mentorship, field.data)
            if refusal:
                raise ValidationError(refusal)

    held_on = DateField(
        _l("Date of the contact"),
        validators=[InputRequired(message=_l("Give the date of the contact."))],
    )
    mode = SelectField(
        _l("Form of contact"),
        choices=_choices(CONTACT_MODES),
        validators=[InputRequired(message=_l("Choose a form of contact."))],
        invalid_choice_message=NOT_A_CHOICE,
    )
    duration_minutes = IntegerField(
        _l("Duration in minutes"),
        validators=[
            InputRequired(message=_l("Give the duration in minutes.")),
            NumberRange(
                min=1,
                max=MAX_DURATION_MINUTES,
                message=_l("Give a duration between %(min)s and %(max)s minutes."),
            ),
        ],
    )


class MentorPreparationForm(FlaskForm):
    """The mentor's preparation / follow-up of a contact, the items of the standards seed."""

    offered_last = MultiCheckboxField(
        _l("What I offered the mentee last time"), choices=_choices(OFFER_KINDS)
    )
    offered_notes = optional_text(_l("Notes on what I offered"))
    offer_next = optional_text(_l("What I will offer the mentee next time"))
    techniques_used = MultiCheckboxField(
        _l("Which communication techniques I used"), choices=_choices(TECHNIQUES)
    )
    techniques_notes = optional_text(_l("Notes on the techniques"))
    techniques_more = optional_text(_l("Which techniques I will use more next time"))
    mentee_needs = optional_text(_l("Which needs the mentee expressed last time"))
    next_goals = optional_text(_l("Which goals emerged for the next conversation"))


class MenteePreparationForm(FlaskForm):
    """The mentee's preparation of a contact."""

    question_next = optional_text(_l("My question for this contact"))
    tried_since = optional_text(_l("What I have tried since the last contact"))
    needs = optional_text(_l("What I need from my mentor"))


class EndEarlyForm(FlaskForm):
    """End a mentorship early, after a talk, with a reason (standard 10)."""

    reason = required_text(_l("Why the mentorship ends early"))
    talked_it_over = BooleanField(
        _l("We talked it over and decided to end the mentorship."),
        validators=[
            InputRequired(
                message=_l("End a mentorship only after talking it over with the other person.")
            )
        ],
    )
