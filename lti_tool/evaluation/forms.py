"""Forms of the evaluation: the answers (one field per question asked) and staff's questions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from ..forms import NOT_A_CHOICE, REQUIRED, TOO_LONG
from ..questionnaires.forms import question_text_field
from .content import KIND_LABELS
from .models import EvaluationQuestion, QuestionKind
from .operations import MAX_ANSWER, RATINGS, field_name
from .queries import question_label

RATING_MESSAGE = _l("Choose a rating from 1 to 5.")
YES_NO_MESSAGE = _l("Answer yes or no.")


def _field(question: EvaluationQuestion) -> Any:
    label = question_label(question)
    if question.kind == QuestionKind.RATING:
        return RadioField(
            label,
            choices=[SelectChoice(str(rating), str(rating)) for rating in RATINGS],
            invalid_choice_message=RATING_MESSAGE,
            validators=[InputRequired(message=RATING_MESSAGE)]
            if question.is_required
            else [Optional()],
        )
    if question.kind == QuestionKind.YES_NO:
        return RadioField(
            label,
            choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
            invalid_choice_message=YES_NO_MESSAGE,
            validators=[InputRequired(message=YES_NO_MESSAGE)]
            if question.is_required
            else [Optional()],
        )
    validators: list[Any] = [Length(max=MAX_ANSWER, message=TOO_LONG)]
    if question.is_required:
        validators.insert(0, InputRequired(message=REQUIRED))
    return TextAreaField(label, validators=validators)


def evaluation_form(questions: Sequence[EvaluationQuestion]) -> FlaskForm:
    """Return the evaluation form with one field per question asked, in their order."""

    class EvaluationForm(FlaskForm):
        """One side's evaluation of the process and the results (§4.6)."""

    for question in questions:
        setattr(EvaluationForm, field_name(question), _field(question))
    form = EvaluationForm()
    form.question_fields = [  # type: ignore[attr-defined]
        (question, form[field_name(question)]) for question in questions
    ]
    return form


class QuestionForm(FlaskForm):
    """A question staff add to the course's evaluation."""

    text = question_text_field()
    kind = SelectField(
        _l("Answered with"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        default=QuestionKind.RATING.value,
        invalid_choice_message=NOT_A_CHOICE,
    )
    is_required = BooleanField(_l("An answer is required (ratings and yes or no)"), default=True)
