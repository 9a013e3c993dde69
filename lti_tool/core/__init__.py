"""Pages every role shares: course home, activity pages, health check, error pages."""

from flask import Flask
from werkzeug.exceptions import HTTPException


def init_app(app: Flask) -> None:
    """Register the core blueprint and the error pages."""
    from flask_wtf.csrf import CSRFError

    from .navigation import nav_for
    from .views import ROLE_LABELS, bp, handle_csrf_error, handle_http_error

    app.register_blueprint(bp)
    app.jinja_env.globals["course_role_label"] = ROLE_LABELS.get
    app.jinja_env.globals["course_nav"] = nav_for
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
