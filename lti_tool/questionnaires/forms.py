"""The staff's forms for a question list: its text, new words per language, the buttons."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length

from ..forms import NOT_A_CHOICE, REQUIRED, TOO_LONG
from .operations import MAX_QUESTION


def question_text_field() -> Any:
    """The text of a question staff add (each domain's add form has one)."""
    return TextAreaField(
        _l("New question"),
        validators=[
            InputRequired(message=REQUIRED),
            Length(max=MAX_QUESTION, message=TOO_LONG),
        ],
    )


class RewordForm(FlaskForm):
    """New words for a question in one language (empty: back to the default words)."""

    language = SelectField(_l("Language"), invalid_choice_message=NOT_A_CHOICE)
    text = TextAreaField(
        _l("Words in this language"), validators=[Length(max=MAX_QUESTION, message=TOO_LONG)]
    )


class MoveForm(FlaskForm):
    """Move a question up or down."""

    direction = HiddenField(validators=[AnyOf(["up", "down"])])
