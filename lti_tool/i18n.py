"""Locale choice: the launch's ``launch_presentation.locale``, then the browser, then English."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session

SESSION_KEY = "locale"


def normalise_locale(value: str | None) -> str | None:
    """Return the supported language of an LMS locale code (``it``, ``it_CH``, ``pt-br``)."""
    if not value:
        return None
    language = value.replace("-", "_").split("_", 1)[0].lower()
    return language if language in current_app.config["LANGUAGES"] else None


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


def init_app(app: Flask) -> None:
    """Expose the current locale to templates and choose it afresh for every request."""
    from flask_babel import get_locale, refresh

    app.jinja_env.globals["current_locale"] = get_locale
    # Flask-Babel caches the locale on the application context, which an embedding process
    # (tests, CLI) may share between requests.
    app.before_request(refresh)
