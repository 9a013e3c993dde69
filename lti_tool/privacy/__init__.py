"""Personal data (§3): export a person's data, erase a person, anonymise after retention."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the "my data" download and the ``privacy`` commands."""
    from . import cli
    from .views import bp

    app.register_blueprint(bp)
    cli.init_app(app)
