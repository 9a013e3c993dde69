"""Mentoring inside the course: an LTI 1.3 Advantage tool (Flask application factory)."""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import finalise_config, load_config
from .extensions import babel, cache, csrf, db, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config_overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application with its configuration, extensions, blueprints and commands."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(finalise_config(load_config(config_overrides), app.instance_path))

    if app.config["TRUSTED_PROXIES"]:
        # Behind reverse proxies: believe their X-Forwarded-* headers for the client address,
        # scheme and host. Cookie flags never follow them: they come from cookie_secure.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from . import database, i18n, ratelimits

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    ratelimits.init_app(app)
    csrf.init_app(app)
    cache.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(PROJECT_ROOT / "translations"),
    )
    i18n.init_app(app)

    from . import (
        admin,
        concerns,
        core,
        demo,
        designation,
        evaluation,
        gradebook,
        home,
        jobs,
        lti,
        mentoring,
        mentors,
        notifications,
        people,
        privacy,
        programme,
        reflection,
        staff,
    )

    for package in (
        core,
        lti,
        people,
        programme,
        mentors,
        mentoring,
        concerns,
        evaluation,
        notifications,
        gradebook,
        reflection,
        staff,
        designation,
        privacy,
        jobs,
        admin,
        demo,
        home,
    ):
        package.init_app(app)

    from . import monitoring

    monitoring.init_app(app)  # last: it watches the endpoints the packages registered
    # What exists now (modules, mappers, routes, the application) lives as long as the process:
    # out of the cyclic collector's full passes, which otherwise walk all of it every few
    # hundred requests (issue 12: 100-160 ms pauses, the search page's p99 over HTTP).
    gc.freeze()
    return app
