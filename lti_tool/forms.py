"""Form pieces every domain shares."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A button that changes one thing (withdraw, confirm, activate, remove): only the CSRF
    token."""
