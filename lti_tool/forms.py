"""Form pieces every domain shares: the confirm button, free-text fields and the validators'
messages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from .text import MAX_TEXT

REQUIRED = _l("This field is required.")
TOO_LONG = _l("Write at most %(max)d characters.")
NOT_A_CHOICE = _l("Choose among the options shown.")


def required_text(label: Any, limit: int = MAX_TEXT, **kwargs: Any) -> TextAreaField:
    """A free text that must be written, at most ``limit`` characters (refused, never cut)."""
    return TextAreaField(
        label,
        validators=[InputRequired(message=REQUIRED), Length(max=limit, message=TOO_LONG)],
        **kwargs,
    )


def optional_text(label: Any, limit: int = MAX_TEXT, **kwargs: Any) -> TextAreaField:
    """A free text that may stay empty, at most ``limit`` characters."""
    return TextAreaField(label, validators=[Length(max=limit, message=TOO_LONG)], **kwargs)


class ConfirmForm(FlaskForm):
    """A button that changes one thing (withdraw, confirm, activate, remove, retire): only the
    CSRF token."""
