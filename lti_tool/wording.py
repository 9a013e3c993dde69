"""Words of configurable questions: the staff's wording in the reader's language, else the default.

Reflection and evaluation questions start as the seed's questions (translated by the
catalogues) or as a question staff wrote; staff may reword any question for one language.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from flask_babel import get_locale


def reader_language() -> str:
    """Return the language of the current reader (the default language outside a request)."""
    locale = get_locale()
    if locale is not None:
        return locale.language
    return current_app.config["BABEL_DEFAULT_LOCALE"] if has_app_context() else "en"


def worded(texts: dict[str, str] | None, default: Any) -> Any:
    """Return the wording for the reader: their language's rewording, the default, any wording."""
    texts = texts or {}
    language = reader_language()
    if texts.get(language):
        return texts[language]
    if default:
        return default
    return next((text for text in texts.values() if text), "")


def languages() -> list[str]:
    """Return the languages questions may be reworded in (the tool's languages)."""
    return list(current_app.config["LANGUAGES"])
