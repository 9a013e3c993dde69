"""LTI 1.3 Advantage: registrations, keys, launches, deep linking and platform services."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the LTI endpoints, the shared HTTP session and the admin commands."""
    from .. import http
    from ..platforms import models  # noqa: F401  (tables)
    from . import cli
    from .views import bp

    http.init_app(app)
    app.register_blueprint(bp)
    cli.init_app(app)
