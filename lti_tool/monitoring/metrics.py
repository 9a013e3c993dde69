"""Prometheus metrics (off by default): request latency, launches by outcome, outbox, worker lag.

``/metrics`` answers only when ``metrics_enabled`` is on, and only to a request carrying
``Authorization: Bearer <metrics_token>``. Counters and histograms live in the process (under
gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` to aggregate every worker, see the README); the outbox
and worker gauges are read from the database at scrape time, so every host reports the same.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

EXTENSION_KEY = "lti_tool.metrics"
LAUNCH_ENDPOINT = "lti.launch"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ToolMetrics:
    """The metric objects of one application."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.request_latency = Histogram(
            "lti_tool_request_duration_seconds",
            "Time to answer a request, by endpoint and method.",
            ("endpoint", "method"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.launches = Counter(
            "lti_tool_launches",
            "LTI launches by outcome: accepted, inactive_deployment, rate_limited, "
            "storage_check, error, or the refusal reason.",
            ("outcome",),
            registry=self.registry,
        )
        self.registry.register(OutboxCollector())


class OutboxCollector(Collector):
    """Gauges read from the database at scrape time: outbox backlog, failures, worker lag."""

    def describe(self) -> list[GaugeMetricFamily]:
        """Describe nothing up front: the figures need a database, read at scrape time."""
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the current outbox and worker figures (none when the database does not answer)."""
        from ..extensions import db
        from . import queries

        try:
            health = queries.outbox_health()
            lag_seconds = queries.worker_lag_seconds()
            last_run = queries.last_run_at()
        except Exception:  # noqa: BLE001 - /ready reports the database; metrics stay available
            db.session.rollback()
            current_app.logger.warning("metrics: the outbox figures could not be read")
            return
        finally:
            db.session.rollback()  # a scrape never holds a transaction open
        backlog = GaugeMetricFamily(
            "lti_tool_outbox_backlog", "Items waiting for delivery, by kind.", labels=["kind"]
        )
        failing = GaugeMetricFamily(
            "lti_tool_outbox_failing",
            "Items waiting after at least one failed attempt, by kind.",
            labels=["kind"],
        )
        given_up = GaugeMetricFamily(
            "lti_tool_outbox_failed",
            "Items that will not be retried (attempts exhausted or given up), by kind.",
            labels=["kind"],
        )
        for kind, figures in health.items():
            backlog.add_metric([kind], figures.queued)
            failing.add_metric([kind], figures.failing)
            given_up.add_metric([kind], figures.failed)
        yield backlog
        yield failing
        yield given_up
        lag = GaugeMetricFamily(
            "lti_tool_worker_lag_seconds",
            "How long the oldest due e-mail or score has waited past its due time.",
        )
        lag.add_metric([], lag_seconds)
        yield lag
        if last_run is not None:
            since = GaugeMetricFamily(
                "lti_tool_worker_last_run_timestamp_seconds",
                "When the job runner last finished a run (Unix time).",
            )
            since.add_metric([], last_run.timestamp())
            yield since


def metrics_of(app: Flask) -> ToolMetrics:
    """Return the application's metrics."""
    return app.extensions[EXTENSION_KEY]


def _start_timer() -> None:
    if current_app.config["METRICS_ENABLED"]:  # off: nothing can read them, nothing to count
        g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    if not current_app.config["METRICS_ENABLED"]:
        return response
    metrics = metrics_of(current_app)
    started = g.get("metrics_started")
    endpoint = request.endpoint or "unknown"
    if started is not None:
        metrics.request_latency.labels(endpoint, request.method).observe(
            time.perf_counter() - started
        )
    if endpoint == LAUNCH_ENDPOINT and request.method == "POST":
        metrics.launches.labels(_launch_outcome(response.status_code)).inc()
    return response


def _launch_outcome(status: int) -> str:
    refusal = g.get("launch_refusal")
    if refusal is not None:
        return str(refusal)
    if status in (302, 303):
        return "accepted"
    if status == 200:
        return "storage_check"  # a page that reads state and nonce from the platform first
    if status == 403:
        return "inactive_deployment"
    if status == 429:
        return "rate_limited"
    return "error"


def _remember_refusals(app: Flask) -> None:
    """Wrap the launch's refusal handler so the outcome is known to the metrics."""
    from ..lti.login import LaunchRefused

    for handlers in app.error_handler_spec.get("lti", {}).values():
        original = handlers.get(LaunchRefused)
        if original is not None:
            handlers[LaunchRefused] = _recording(original)


def _recording(handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def record_and_handle(error: Any) -> Any:
        g.launch_refusal = getattr(error, "reason", "refused")
        return handler(error)

    return record_and_handle


def render_metrics() -> Response:
    """Answer a scrape: 404 when metrics are off, 401 without the token."""
    config = current_app.config
    if not config["METRICS_ENABLED"]:
        abort(404)
    expected = f"Bearer {config['METRICS_TOKEN']}"
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        abort(401)
    registry = metrics_of(current_app).registry
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(OutboxCollector())
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Create the application's metrics and time every request."""
    if app.config["METRICS_ENABLED"] and not app.config.get("METRICS_TOKEN"):
        from ..config import ConfigError

        raise ConfigError("metrics_enabled needs a metrics_token: /metrics is never open.")
    app.extensions[EXTENSION_KEY] = ToolMetrics()
    app.before_request(_start_timer)
    app.after_request(_observe)
    _remember_refusals(app)
