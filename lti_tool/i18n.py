"""Locale choice: the launch's ``launch_presentation.locale``, then the browser, then English."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import force_locale, get_locale, get_translations, refresh

if TYPE_CHECKING:
    from .people.models import Membership

SESSION_KEY = "locale"


def normalise_locale(value: str | None) -> str | None:
    """Return the supported language of an LMS locale code (``it``, ``it_CH``, ``pt-br``)."""
    if not value:
        return None
    language = value.replace("-", "_").split("_", 1)[0].lower()
    return language if language in current_app.config["LANGUAGES"] else None


def language_for(locale: str | None) -> str:
    """Return the language a text for this locale is written in: the default when unsupported."""
    return normalise_locale(locale) or current_app.config["BABEL_DEFAULT_LOCALE"]


def language_of(member: Membership) -> str:
    """Return the language a person reads notices in (their LMS locale, else the default)."""
    return language_for(member.user.locale)


def in_language_of(member: Membership, text: Any) -> str:
    """Render a lazy text in a person's language (for texts stored and read later)."""
    with force_locale(language_of(member)):
        return str(text)


def remember_launch_locale(value: str | None) -> None:
    """Keep the launch's locale for the pages that follow; forget it when unsupported."""
    locale = normalise_locale(value)
    if locale:
        session[SESSION_KEY] = locale
    else:
        session.pop(SESSION_KEY, None)


def select_locale() -> str:
    """Flask-Babel's locale selector (the default locale outside a request: CLI, jobs)."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get(SESSION_KEY)
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return (
        request.accept_languages.best_match(current_app.config["LANGUAGES"])
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def _translations() -> Any:
    """Return Flask-Babel's translations of the current locale, looked up once per locale.

    Flask-Babel looks them up on every call (~25 µs), and a page of 20 mentor cards calls
    ``_()`` about a thousand times (issue 12). The lookup is kept on Flask-Babel's own context
    beside the locale it was made for, so ``refresh()`` and ``force_locale()`` (e-mails in the
    recipient's language) are honoured: a new locale object means a new lookup.
    """

    context = g.get("_flask_babel") if has_app_context() else None
    locale = getattr(context, "babel_locale", None)
    if context is None or locale is None:
        return get_translations()
    cached = getattr(context, "template_translations", None)
    if cached is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    context.template_translations = (locale, translations)
    return translations


def init_app(app: Flask) -> None:
    """Expose the current locale to templates and choose it afresh for every request."""

    app.jinja_env.globals["current_locale"] = get_locale
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda string: _translations().ugettext(string),
        ngettext=lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: _translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: _translations().unpgettext(
            context, singular, plural, n
        ),
        newstyle=True,
    )
    # Flask-Babel caches the locale on the application context, which an embedding process
    # (tests, CLI) may share between requests.
    app.before_request(refresh)
