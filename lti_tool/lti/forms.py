"""Forms of the LTI pages: the deep-linking activity picker."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FormField, IntegerField, StringField
from wtforms.form import Form
from wtforms.validators import NumberRange, Optional

from .activities import ACTIVITIES, Activity

TITLE_MAX_LENGTH = 200


class ActivityChoiceForm(Form):
    """One activity of the picker: chosen or not, its title and optional gradebook column."""

    selected = BooleanField(_l("Add this activity"))
    title = StringField(_l("Title in the course"))
    with_line_item = BooleanField(_l("Create a gradebook column for completion"))
    score_maximum = IntegerField(
        _l("Maximum score"),
        default=100,
        validators=[
            Optional(),
            NumberRange(min=1, max=1000, message=_l("Enter a whole number from 1 to 1000.")),
        ],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """A chosen activity needs a title of reasonable length."""
        valid = super().validate(extra_validators)
        if self.selected.data:
            title = (self.title.data or "").strip()
            if not title:
                self.title.errors = [*self.title.errors, _l("Give the activity a title.")]
                valid = False
            elif len(title) > TITLE_MAX_LENGTH:
                self.title.errors = [
                    *self.title.errors,
                    _l("Use at most %(count)d characters.", count=TITLE_MAX_LENGTH),
                ]
                valid = False
        return valid


class DeepLinkForm(FlaskForm):
    """The picker: one sub-form per activity the person may place."""

    def chosen(self) -> list[tuple[Activity, ActivityChoiceForm]]:
        """Return the activities ticked, each with its sub-form."""
        return [
            (ACTIVITIES[key], getattr(self, key).form)
            for key in ACTIVITIES
            if getattr(self, key).form.selected.data
        ]

    def choices(self) -> list[tuple[Activity, Any]]:
        """Return every activity with its sub-form field, in catalogue order."""
        return [(ACTIVITIES[key], getattr(self, key)) for key in ACTIVITIES]


for _key, _activity in ACTIVITIES.items():
    setattr(DeepLinkForm, _key, FormField(ActivityChoiceForm, label=_activity.title))
