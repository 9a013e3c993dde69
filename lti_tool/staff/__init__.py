"""Running the programme for a cohort: roster sync, assignment, matching, dashboard, exports."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the models and register the staff pages."""
    from . import (
        exclusion_views,  # noqa: F401  (its routes join the staff blueprint)
        models,  # noqa: F401  (the tables must be known to the metadata)
    )
    from .views import bp

    app.register_blueprint(bp)
