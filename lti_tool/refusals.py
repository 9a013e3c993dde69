"""The two ways the tool says no, shared by every domain (one app-wide handler each, in core).

- :class:`Refusal` — a rule refuses what was asked ("you already asked this mentor"): the
  translated ``message`` belongs beside ``field`` (or, for several fields at once, ``errors``
  maps each field to its message). Views show it with :func:`apply_refusal`; one that no view
  catches is answered 400 with the message.
- :class:`NotAllowed` — this person may not do this to that row: 403, with a generic page (the
  exception's text is for the log, never shown).
"""

from __future__ import annotations

from typing import Any


class Refusal(ValueError):
    """A rule refused the operation; nothing was changed."""

    def __init__(
        self,
        message: str | None = None,
        field: str | None = None,
        *,
        errors: dict[str, str] | None = None,
    ) -> None:
        errors = dict(errors or {})
        if field is None and len(errors) == 1:
            field = next(iter(errors))
        if message is None:
            message = " ".join(str(text) for text in errors.values())
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors


class NotAllowed(PermissionError):
    """The acting person may not do this (the page answers 403)."""


def apply_refusal(form: Any, error: Refusal) -> None:
    """Show a refusal beside the form's fields it names, else above the form."""
    messages = error.errors or {error.field or "": error.message}
    for name, message in messages.items():
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            if message not in field.errors:
                field.errors.append(message)
        else:
            form.form_errors.append(message)
