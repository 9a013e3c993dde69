"""Form pieces every domain shares: the confirm button and the validators' messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

REQUIRED = _l("This field is required.")
TOO_LONG = _l("Write at most %(max)d characters.")
NOT_A_CHOICE = _l("Choose among the options shown.")


class ConfirmForm(FlaskForm):
    """A button that changes one thing (withdraw, confirm, activate, remove, retire): only the
    CSRF token."""
