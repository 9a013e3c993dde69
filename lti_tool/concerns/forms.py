"""The form a participant reports a concern with."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from ..forms import NOT_A_CHOICE, required_text


class ConcernForm(FlaskForm):
    """A confidential concern for the course staff, about a mentorship or a person."""

    text = required_text(
        _l("Your concern"),
        description=_l("Only the course staff read it. Describe what happened."),
    )
    mentorship = SelectField(
        _l("About a mentorship (optional)"),
        coerce=int,
        default=0,
        invalid_value_message=NOT_A_CHOICE,
        invalid_choice_message=NOT_A_CHOICE,
    )
    about = SelectField(
        _l("About a person (optional)"),
        coerce=int,
        default=0,
        invalid_value_message=NOT_A_CHOICE,
        invalid_choice_message=NOT_A_CHOICE,
    )

    def offer(self, mentorships: list[tuple[int, str]], people: list[tuple[int, str]]) -> None:
        """Offer the member's own mentorships and the people they dealt with."""
        nobody = SelectChoice("0", _l("None in particular"))
        self.mentorship.choices = [nobody] + [SelectChoice(str(i), name) for i, name in mentorships]
        self.about.choices = [nobody] + [SelectChoice(str(i), name) for i, name in people]
