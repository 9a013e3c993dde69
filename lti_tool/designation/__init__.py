"""Mentors named by course staff (issue 9): platforms such as Moodle never send a Mentor role."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the models and register the designation pages."""
    from . import models  # noqa: F401
    from .views import bp

    app.register_blueprint(bp)
