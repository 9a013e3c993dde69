"""The mentoring journey: requests, mentorships, agreements, contacts, evaluations (§4)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the models and register the pages of the journey."""
    from . import mentorship_views, models  # noqa: F401  (routes and tables)
    from .placements import bp as placements
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(placements)
