"""``/health`` (the process answers), ``/ready`` (it can serve) and ``/metrics``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from ..extensions import db
from . import metrics, readiness

bp = Blueprint("monitoring", __name__)


@bp.get("/health")
def health() -> Any:
    """Liveness: the process answers requests. Touches nothing else (see ``/ready``)."""
    return jsonify(status="ok")


@bp.get("/ready")
def ready() -> Any:
    """Readiness: database, Redis (when configured) and migrations at head; 503 otherwise."""
    checks = readiness.run_checks(current_app)
    db.session.rollback()
    is_ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if is_ready else "not ready", checks=checks), (
        200 if is_ready else 503
    )


@bp.get("/metrics")
def scrape() -> Any:
    """Prometheus metrics, when switched on, for a scraper holding the token."""
    return metrics.render_metrics()
