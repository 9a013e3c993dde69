"""Mentor profiles, approval and search (§4.1, §4.2)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the models and register the mentor pages."""
    from . import models  # noqa: F401
    from .views import bp

    app.register_blueprint(bp)
