"""Forms of the mentor pages: the profile, the busy switch, staff decisions and the search."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..programme.forms import WholeNumberField
from .guidance import COMMON_LANGUAGES, CONTACT_MODE_LABELS, ROLE_LABELS, language_choices
from .operations import (
    MAX_BIO_LENGTH,
    MAX_HEADLINE_LENGTH,
    MAX_LINK_LENGTH,
    MAX_TOPIC_LENGTH,
    MAX_TOPICS,
)

MODE_CHOICES = [SelectChoice(mode.value, label) for mode, label in CONTACT_MODE_LABELS.items()]
ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]
_CHOICE_MESSAGE = _l("Choose only from the options shown.")


class MultiCheckboxField(SelectMultipleField):
    """Several choices shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        """Refuse values that are not among the choices, with a translated message."""
        if self.validate_choice and self.data:
            allowed = {str(choice.value) for choice in self.choices or ()}
            if any(str(value) not in allowed for value in self.data):
                raise ValidationError(_CHOICE_MESSAGE)


class LanguagesField(SelectMultipleField):
    """Any ISO language, named in the reader's language (a list box: there are many)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = [SelectChoice(code, name) for code, name in language_choices()]

    def pre_validate(self, form: Any) -> None:
        """Refuse codes that are no language, with a translated message."""
        allowed = {choice.value for choice in self.choices or ()}
        if any(value not in allowed for value in self.data or ()):
            raise ValidationError(_CHOICE_MESSAGE)


class ProfileForm(FlaskForm):
    """What a mentor offers (§4.1)."""

    headline = StringField(
        _l("Headline"),
        description=_l("One line that tells mentees what you can help with."),
        validators=[
            Length(max=MAX_HEADLINE_LENGTH, message=_l("Write at most %(max)d characters."))
        ],
    )
    bio = TextAreaField(
        _l("About you"),
        description=_l("Your experience, and what you would like to pass on."),
        validators=[Length(max=MAX_BIO_LENGTH, message=_l("Write at most %(max)d characters."))],
    )
    topics = StringField(
        _l("Topics"),
        description=_l(
            "Separated by commas, for example: leadership, project management. At most "
            "%(count)s topics of %(length)s characters each.",
            count=MAX_TOPICS,
            length=MAX_TOPIC_LENGTH,
        ),
        validators=[Length(max=1000, message=_l("Write at most %(max)d characters."))],
    )
    languages = LanguagesField(
        _l("Languages"),
        render_kw={"size": 8},
        description=_l(
            "Choose every language you can mentor in (hold Ctrl or Cmd to choose several)."
        ),
    )
    contact_modes = MultiCheckboxField(_l("Contact modes you offer"), choices=MODE_CHOICES)
    roles_offered = MultiCheckboxField(_l("Roles you offer"), choices=ROLE_CHOICES)
    capacity = WholeNumberField(
        _l("How many mentees at the same time"),
        validators=[InputRequired(message=_l("Give a number of mentees."))],
    )
    link_url = StringField(
        _l("Link (optional)"),
        description=_l("A web page about you, starting with http:// or https://."),
        validators=[
            Optional(),
            Length(max=MAX_LINK_LENGTH, message=_l("Write at most %(max)d characters.")),
        ],
    )

    photo = FileField(
        _l("Photo (optional)"),
        description=_l(
            "A JPEG, PNG or WebP image of at most 1 MB; it is cropped to a square, resized and "
            "kept without its metadata (place, camera). Learners see it beside your name."
        ),
    )
    remove_photo = BooleanField(_l("Remove my photo"))

    def __init__(self, *args: Any, max_capacity: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_capacity = max_capacity
        self.capacity.validators = [
            InputRequired(message=_l("Give a number of mentees.")),
            NumberRange(
                min=1,
                max=max_capacity,
                message=_l("Choose a number of mentees from 1 to %(max)s."),
            ),
        ]

    def profile_fields(self) -> dict[str, Any]:
        """Return the submitted values as the operations take them."""
        return {
            "headline": self.headline.data or "",
            "bio": self.bio.data or "",
            "topics": self.topics.data or "",
            "languages": list(self.languages.data or ()),
            "contact_modes": list(self.contact_modes.data or ()),
            "roles_offered": list(self.roles_offered.data or ()),
            "capacity": self.capacity.data,
            "link_url": self.link_url.data or None,
        }


class BusyForm(FlaskForm):
    """Switch the busy flag on ("1") or off ("0")."""

    busy = HiddenField(validators=[AnyOf(["0", "1"], message=_CHOICE_MESSAGE)])


class MentorStatusForm(FlaskForm):
    """A staff decision on a mentor."""

    action = HiddenField(
        validators=[AnyOf(["approve", "pause", "exclude"], message=_CHOICE_MESSAGE)]
    )


def _topics_within_limits(form: Any, field: Any) -> None:
    if len(field.data or ()) > MAX_TOPICS:
        raise ValidationError(_l("Choose at most %(count)s topics.", count=MAX_TOPICS))
    if any(len(topic) > MAX_TOPIC_LENGTH for topic in field.data or ()):
        raise ValidationError(
            _l("A topic has at most %(count)s characters.", count=MAX_TOPIC_LENGTH)
        )


class SearchForm(Form):
    """The search mask (§4.2), read from the query string (a GET form: no CSRF token)."""

    q = StringField(
        _l("Words"),
        description=_l("Words from a mentor's name, headline, topics or description."),
        validators=[Length(max=200, message=_l("Write at most %(max)d characters."))],
    )
    topic = MultiCheckboxField(
        _l("Topics"), validate_choice=False, validators=[_topics_within_limits]
    )
    lang = MultiCheckboxField(_l("Language"))
    mode = MultiCheckboxField(_l("Contact mode"), choices=MODE_CHOICES)
    role = MultiCheckboxField(_l("Role offered"), choices=ROLE_CHOICES)
    all = BooleanField(_l("Show also mentors who are not taking mentees"))
    page = WholeNumberField(
        validators=[
            Optional(),
            NumberRange(min=1, max=100000, message=_l("Give a page number from 1.")),
        ]
    )

    def set_language_choices(self, known: list[str]) -> None:
        """Offer the languages the course's mentors speak and common ones, plus any asked for."""
        asked = list(self.lang.data or ())
        self.lang.choices = [
            SelectChoice(code, name)
            for code, name in language_choices([*COMMON_LANGUAGES, *known, *asked])
        ]

    def set_topic_choices(self, known: list[str]) -> None:
        """Offer the course's common topics, plus any topic already asked for."""
        chosen = [topic for topic in self.topic.data or () if topic not in known]
        self.topic.choices = [SelectChoice(topic, topic) for topic in [*known, *chosen]]
