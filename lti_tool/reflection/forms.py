"""Forms of the reflection pages: an answer, a question of the staff's own, the buttons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ..forms import NOT_A_CHOICE, TOO_LONG
from ..questionnaires.forms import question_text_field
from .content import AUDIENCE_LABELS, Audience
from .operations import MAX_ANSWER


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

    text = question_text_field()
    audience = _audience_field()


class AudienceForm(FlaskForm):
    """Address a question to another audience."""

    audience = _audience_field()
