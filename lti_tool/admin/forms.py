"""Forms of the administration console; every one carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..programme.forms import ProgrammeSettingsForm

#: Longest reason an administrator may give for giving up a delivery.
MAX_REASON = 500
#: Longest time a retired key may stay in the JWKS.
MAX_RETIRE_DAYS = 365


class RotateKeysForm(FlaskForm):
    """Create a new signing key; the current ones stay in the JWKS for a while."""

    retire_after_days = IntegerField(
        _l("Days the current keys stay in the JWKS"),
        default=7,
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(
                min=0,
                max=MAX_RETIRE_DAYS,
                message=_l("Enter a whole number from %(min)s to %(max)s."),
            ),
        ],
    )


class RetireKeyForm(FlaskForm):
    """Schedule an older key to leave the JWKS."""

    in_days = IntegerField(
        _l("Leaves the JWKS in (days)"),
        default=7,
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(
                min=0,
                max=MAX_RETIRE_DAYS,
                message=_l("Enter a whole number from %(min)s to %(max)s."),
            ),
        ],
    )


class GiveUpForm(FlaskForm):
    """Stop retrying an e-mail or a score, saying why (it stays visible, marked given up)."""

    reason = TextAreaField(
        _l("Why give up"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(message=_l("Say why: the reason is kept with the item.")),
            Length(max=MAX_REASON, message=_l("At most %(max)d characters.")),
        ],
    )


class PlatformDefaultsForm(ProgrammeSettingsForm):
    """The programme settings new courses of the platform start with."""
