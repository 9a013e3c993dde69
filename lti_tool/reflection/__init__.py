"""Section 5.1 in the course: reflection activity, outreach guide, completion scores (§5)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the models and register the reflection pages."""
    from . import models  # noqa: F401
    from .views import bp

    app.register_blueprint(bp)
