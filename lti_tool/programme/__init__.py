"""The course's mentoring programme: settings and the standards gate (§2, §3)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the models (views and commands are registered here as they are added)."""
    from . import models  # noqa: F401
    from .views import bp

    app.register_blueprint(bp)
