"""In-tool notices and the e-mail outbox (§7); the job runner that delivers it is ``jobs``."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the inbox."""
    from . import models  # noqa: F401
    from .views import bp

    app.register_blueprint(bp)
