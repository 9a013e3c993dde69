"""Rate limits (Flask-Limiter): per client address at the LTI doors, per person inside courses.

- Login initiation, launch and dynamic registration: per client address (behind a proxy the
  address comes from ``X-Forwarded-For`` only when ``trusted_proxies`` says so). A registration
  token is also limited on its own, whatever address it comes from.
- Form posts, mentor search and exports: per signed-in person (their membership of the URL's
  course), falling back to the address for a browser that launched into nothing.

Counts live in Redis when ``rate_limit_storage_url`` (or a Redis cache) is configured, so every
app host shares them; in process memory otherwise. Every limit is a configuration string such as
``"30 per minute"`` (``config.example.toml``). The refusal is the translated error page, status
429, with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, render_template, request, session
from flask_babel import lazy_gettext as _l
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

EXTENSION_KEY = "lti_tool.limiter"

LOGIN_ENDPOINTS = frozenset({"lti.login"})
LAUNCH_ENDPOINTS = frozenset({"lti.launch"})
REGISTRATION_ENDPOINTS = frozenset({"lti.register"})
SEARCH_ENDPOINTS = frozenset({"mentors.search"})
EXPORT_ENDPOINTS = frozenset(
    {"staff.export_progress", "staff.export_evaluations", "privacy.my_data"}
)

TOO_MANY_MESSAGE = _l(
    "Too many requests in a short time. Nothing was changed: wait a moment, then try again."
)


def client_address() -> str:
    """Key of the per-address limits: the client's address."""
    return "address:" + (get_remote_address() or "unknown")


def signed_in_person() -> str:
    """Key of the per-person limits: the membership this browser launched with for the course."""
    course_id = (request.view_args or {}).get("course_id")
    memberships = session.get("memberships") or {}
    membership_id = memberships.get(str(course_id)) if course_id is not None else None
    if membership_id is None:
        return client_address()
    return f"member:{membership_id}"


def registration_token() -> str:
    """Key of the per-token limit: a digest of the registration token the platform sent."""
    token = request.args.get("registration_token") or request.form.get("registration_token") or ""
    return "registration-token:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def _rate(name: str, counts: Callable[[], bool]) -> Callable[[], str]:
    """The configured rate when the limit counts this request, else none.

    Flask-Limiter parses a limit's rate and builds its runtime limit on every request before
    asking whether the request is exempt; a limit that has no rate for the request costs
    neither (most requests are counted by one limit or none).
    """
    return lambda: str(current_app.config[name] or "") if counts() else ""


def _endpoint_in(endpoints: frozenset[str]) -> Callable[[], bool]:
    return lambda: request.endpoint in endpoints


def _course_form() -> bool:
    """Form posts to course pages (the LTI doors have their own limits)."""
    return request.method == "POST" and "course_id" in (request.view_args or {})


def build_limits() -> list[ApplicationLimit]:
    """Return the tool's limits; each reads its rate from the configuration when it applies."""
    return [
        ApplicationLimit(
            _rate("RATE_LIMIT_LOGIN", _endpoint_in(LOGIN_ENDPOINTS)),
            key_function=client_address,
            scope="login",
        ),
        ApplicationLimit(
            _rate("RATE_LIMIT_LAUNCH", _endpoint_in(LAUNCH_ENDPOINTS)),
            key_function=client_address,
            scope="launch",
        ),
        ApplicationLimit(
            _rate("RATE_LIMIT_REGISTRATION", _endpoint_in(REGISTRATION_ENDPOINTS)),
            key_function=client_address,
            scope="registration",
        ),
        ApplicationLimit(
            _rate("RATE_LIMIT_REGISTRATION_TOKEN", _endpoint_in(REGISTRATION_ENDPOINTS)),
            key_function=registration_token,
            scope="registration-token",
        ),
        ApplicationLimit(
            _rate("RATE_LIMIT_FORMS", _course_form),
            key_function=signed_in_person,
            scope="forms",
        ),
        ApplicationLimit(
            _rate("RATE_LIMIT_SEARCH", _endpoint_in(SEARCH_ENDPOINTS)),
            key_function=signed_in_person,
            scope="search",
        ),
        ApplicationLimit(
            _rate("RATE_LIMIT_EXPORTS", _endpoint_in(EXPORT_ENDPOINTS)),
            key_function=signed_in_person,
            scope="exports",
        ),
    ]


def storage_uri(config: dict[str, Any]) -> str:
    """Where counts live: the configured URL, else the Redis cache's, else process memory."""
    if config.get("RATE_LIMIT_STORAGE_URL"):
        return str(config["RATE_LIMIT_STORAGE_URL"])
    if config.get("CACHE_TYPE") in {"RedisCache", "redis"} and config.get("CACHE_REDIS_URL"):
        return str(config["CACHE_REDIS_URL"])
    return "memory://"


def too_many_requests(error: RateLimitExceeded) -> Any:
    """Render the translated 429 page with the seconds to wait in ``Retry-After``."""
    from .extensions import db

    db.session.rollback()
    retry_after = 1
    current = limiter_of(current_app).current_limit
    if current is not None:
        retry_after = max(1, math.ceil(current.reset_at - time.time()))
    response = current_app.make_response(
        (render_template("core/error.html", code=429, message=TOO_MANY_MESSAGE), 429)
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


def limiter_of(app: Flask) -> Limiter:
    """Return the application's limiter."""
    return app.extensions[EXTENSION_KEY]


def init_app(app: Flask) -> None:
    """Create the application's own limiter (its memory storage is per application)."""
    config = app.config
    config.setdefault("RATELIMIT_ENABLED", bool(config["RATE_LIMITS_ENABLED"]))
    config.setdefault("RATELIMIT_KEY_PREFIX", str(config["RATE_LIMIT_KEY_PREFIX"]))
    config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(config))
    # Counting must never take the tool down: without Redis, count in memory for a while.
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter = Limiter(
        key_func=client_address,
        application_limits=build_limits(),
        strategy="moving-window",
    )
    limiter.init_app(app)
    app.extensions[EXTENSION_KEY] = limiter
    app.register_error_handler(RateLimitExceeded, too_many_requests)
