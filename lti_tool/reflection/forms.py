"""Forms of the reflection pages: an answer, a question of the staff's own, the buttons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length

from .content import AUDIENCE_LABELS, Audience
from .operations import MAX_ANSWER, MAX_QUESTION

TOO_LONG = _l("Write at most %(max)d characters.")
NOT_A_CHOICE = _l("Choose among the options shown.")


def _audience_field() -> SelectField:
    return SelectField(
        _l("Asked of"),
        choices=[SelectChoice(value.value, label) for value, label in AUDIENCE_LABELS.items()],
        default=Audience.EVERYONE.value,
        invalid_choice_message=NOT_A_CHOICE,
    )


class AnswerForm(FlaskForm):
    """One answer: its text, who may read it, and whether it is a draft or a version."""

    text = TextAreaField(
        _l("Your answer"),
        validators=[Length(max=MAX_ANSWER, message=TOO_LONG)],
        description=_l("Your answer is saved as a draft while you write; only you can read it."),
    )
    share_with_partner = BooleanField(_l("Share my saved answer with my mentor or my mentees"))
    share_with_staff = BooleanField(_l("Share my saved answer with the course staff"))
    save_draft = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Save answer"))


class QuestionForm(FlaskForm):
    """A question staff add to the course's reflection."""

    text = TextAreaField(
        _l("New question"),
        validators=[
            InputRequired(message=_l("This field is required.")),
            Length(max=MAX_QUESTION, message=TOO_LONG),
        ],
    )
    audience = _audience_field()


class AudienceForm(FlaskForm):
    """Address a question to another audience."""

    audience = _audience_field()


class RewordForm(FlaskForm):
    """New words for a question in one language (empty: back to the default words)."""

    language = SelectField(_l("Language"), invalid_choice_message=NOT_A_CHOICE)
    text = TextAreaField(
        _l("Words in this language"), validators=[Length(max=MAX_QUESTION, message=TOO_LONG)]
    )


class MoveForm(FlaskForm):
    """Move a question up or down."""

    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class ButtonForm(FlaskForm):
    """A button that only needs the CSRF token (retire, restore)."""
