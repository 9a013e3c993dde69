"""The administration console of a platform, reached by a launch with an administrator role."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the console's pages."""
    from .views import bp

    app.register_blueprint(bp)
