"""The course home: each person's journey and next step, the course menu, and the page an
activity placement opens when it has no page of its own."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the home pages and the course menu every page shows."""
    from .navigation import nav_for
    from .views import bp

    app.register_blueprint(bp)
    app.jinja_env.globals["course_nav"] = nav_for
