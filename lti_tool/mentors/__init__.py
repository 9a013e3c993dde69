"""Mentor profiles, approval and search (§4.1, §4.2)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the models and register the mentor pages."""
    from . import models  # noqa: F401
    from .guidance import seed_guidance
    from .views import bp

    app.register_blueprint(bp)
    app.context_processor(lambda: {"guidance": seed_guidance()})
