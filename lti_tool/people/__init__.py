"""People, courses and memberships, kept in step with launches and rosters."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the models so that migrations and queries see them; gather last launches."""
    from . import last_launches, models  # noqa: F401

    last_launches.init_app(app)
