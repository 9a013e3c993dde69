"""The end-of-mentorship evaluation's questions, configurable per course (§2, §4.6)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the models and register the staff's question page."""
    from . import models  # noqa: F401
    from .views import bp

    app.register_blueprint(bp)
