"""The one cleaner of free text people type: stripped, bounded, no control characters.

Operations clean every text through :func:`clean_text` (a refusal names its field); forms get
the same rule as the :class:`PlainText` validator; and :func:`refuse_control_characters` guards
every form the tool receives, so that a NUL byte never reaches the database (PostgreSQL refuses
it in text, SQLite would store it).
"""

from __future__ import annotations

import re
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from wtforms.validators import ValidationError

from .refusals import Refusal

#: C0 control characters except tab, line feed and carriage return; DEL and C1 controls.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

CONTROL_CHARACTERS_MESSAGE = _l(
    "The text contains invisible control characters that cannot be saved: remove them."
)


class ControlCharactersRefused(BadRequest):
    """A form arrived with control characters: the error page says so in the person's words."""

    @property
    def translated_message(self) -> str:
        """What the error page shows."""
        return str(CONTROL_CHARACTERS_MESSAGE)


def has_control_characters(value: str) -> bool:
    """Tell whether the text holds a character no one types (NUL, escape, …)."""
    return CONTROL_CHARACTERS.search(value) is not None


#: The longest free text the tool takes unless a field names another limit.
MAX_TEXT = 4000


def clean_text(
    value: str | None,
    field: str,
    *,
    required: bool,
    limit: int = MAX_TEXT,
) -> str:
    """Return the text stripped, refusing it (:class:`~lti_tool.refusals.Refusal` naming
    ``field``) when empty (if required), too long or with control characters."""
    value = (value or "").strip()
    if has_control_characters(value):
        raise Refusal(str(CONTROL_CHARACTERS_MESSAGE), field)
    if required and not value:
        raise Refusal(_("This field is required."), field)
    if len(value) > limit:
        raise Refusal(_("Write at most %(limit)s characters.", limit=limit), field)
    return value


class PlainText:
    """WTForms validator: refuse control characters in a text field."""

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str) and has_control_characters(field.data):
            raise ValidationError(str(CONTROL_CHARACTERS_MESSAGE))


def refuse_control_characters() -> None:
    """Before every request: a form or query value with control characters is a 400, at once.

    Nothing reaches a view, so nothing is written; the page says what to do in the person's
    language. File uploads are read by their own parsers and are not checked here.
    """
    if request.method not in {"POST", "PUT", "PATCH", "DELETE"} and not request.args:
        return
    values = [*request.args.values()]
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        values += [value for _key, value in request.form.items(multi=True)]
        values += list(request.form.keys())
    if any(has_control_characters(value) for value in values):
        raise ControlCharactersRefused()
