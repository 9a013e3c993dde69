"""People, courses and memberships, kept in step with launches and rosters."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the models so that migrations and queries see them."""
    from . import models  # noqa: F401
