"""Request ids and structured logs.

Every request gets an id: the ``X-Request-ID`` a trusted proxy set (when it looks like one),
else a new random one. It goes into every log record of the request, into the ``X-Request-ID``
response header, and onto the refusal and error pages ("quote this reference"), so that a person's
report and the log line meet. With ``log_format = "json"`` each record is one JSON object per line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request

#: What an incoming request id may look like (anything else is replaced, never logged).
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REQUEST_ID_HEADER = "X-Request-ID"
LOG_FORMATS = ("text", "json")


def current_request_id() -> str | None:
    """Return the id of the request being handled, if any."""
    if not has_request_context():
        return None
    return g.get("request_id")


class RequestContextFilter(logging.Filter):
    """Add the request id, method, path and endpoint to every record logged during a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate the record; never drop it."""
        record.request_id = current_request_id() or "-"
        if has_request_context():
            record.method = request.method
            record.path = request.path
            record.endpoint = request.endpoint or "-"
        return True


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request fields, exception."""

    EXTRA_FIELDS = ("request_id", "method", "path", "endpoint", "status", "duration_ms", "remote")

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as JSON."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in self.EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None and value != "-":
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _assign_request_id() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    trusted = bool(current_app.config["TRUSTED_PROXIES"])
    g.request_id = incoming if trusted and REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    if current_app.config["LOG_REQUESTS"]:
        started = g.get("request_started")
        duration = round((time.perf_counter() - started) * 1000, 1) if started else None
        current_app.logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={"status": response.status_code, "duration_ms": duration},
        )
    return response


def configure_logging(app: Flask) -> None:
    """Give the application's logger the configured format and level."""
    log_format = str(app.config["LOG_FORMAT"]).lower()
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log_format must be one of {', '.join(LOG_FORMATS)}, not {log_format}")
    logger = app.logger
    if app.config.get("LOG_LEVEL"):
        logger.setLevel(str(app.config["LOG_LEVEL"]).upper())
    if log_format == "json":
        # The tool's logger (``lti_tool``, and ``lti_tool.*`` below it) writes JSON lines.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JSONFormatter())
        handler.addFilter(RequestContextFilter())
        logger.handlers[:] = [handler]
        logger.propagate = False


def init_app(app: Flask) -> None:
    """Assign request ids, log them, and make them available to templates."""
    configure_logging(app)
    app.before_request(_assign_request_id)
    app.after_request(_finish_request)
    app.jinja_env.globals["request_reference"] = current_request_id
