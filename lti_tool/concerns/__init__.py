"""Confidential concerns (§3): reported by participants, handled and closed by course staff."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the models (the pages live with the journey and the staff pages)."""
    from . import models  # noqa: F401  (the tables must be known to the metadata)
