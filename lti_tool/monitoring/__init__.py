"""Operations you can watch (§7): health and readiness, Prometheus metrics, structured logs."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Install request ids and logs, the metrics and the health and readiness endpoints."""
    from . import logs, metrics
    from .views import bp

    logs.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(bp)
