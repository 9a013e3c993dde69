"""The built-in demo LMS (only when demo mode is on): real LTI 1.3 launches from one page (§7)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the demo command; the demo pages answer only in demo mode."""
    from .cli import demo_command
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(demo_command)
