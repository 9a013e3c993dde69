"""Confidential concerns (§3): reported by participants, handled and closed by course staff."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the models and register the report page (staff handle concerns on the staff
    pages)."""
    from . import models  # noqa: F401  (the tables must be known to the metadata)
    from .views import bp

    app.register_blueprint(bp)
