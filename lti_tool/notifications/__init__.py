"""In-tool notices and the e-mail outbox (§7); the job runner that delivers it is ``jobs``."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the inbox and its header count."""
    from . import models  # noqa: F401
    from .views import bp, unread_notifications

    app.register_blueprint(bp)
    app.jinja_env.globals["unread_notifications"] = unread_notifications
