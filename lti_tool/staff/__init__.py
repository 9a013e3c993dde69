"""Running the programme for a cohort: roster sync, assignment, matching, dashboard, exports."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the models and register the staff pages."""
