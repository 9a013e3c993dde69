"""In-tool notices, e-mail outbox and the time-driven job runner (§7)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the inbox, its header count, and the ``jobs`` commands."""
    from . import cli, models  # noqa: F401
    from .views import bp, unread_notifications

    app.register_blueprint(bp)
    app.jinja_env.globals["unread_notifications"] = unread_notifications
    cli.init_app(app)
