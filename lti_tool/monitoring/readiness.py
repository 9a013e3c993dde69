"""The checks behind ``/ready``: each answers "ok" or says briefly what is wrong."""

from __future__ import annotations

import functools
from pathlib import Path

import redis
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import text

from ..extensions import db

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
#: Seconds a check waits for Redis before calling it unreachable.
REDIS_TIMEOUT = 2


@functools.cache
def migration_heads() -> frozenset[str]:
    """The head revisions of the migrations shipped with this code."""
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def check_database() -> tuple[str, frozenset[str] | None]:
    """Run a query; return the outcome and the revisions the database is at."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        return f"unreachable: {type(error).__name__}", None
    try:
        revisions = frozenset(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception:  # noqa: BLE001 - no alembic_version table: never migrated
        db.session.rollback()
        revisions = frozenset()
    return "ok", revisions


def redis_urls(app: Flask) -> list[str]:
    """The Redis servers the configuration uses (cache, rate limits)."""
    config = app.config
    urls = []
    if config.get("CACHE_TYPE") in {"RedisCache", "redis"} and config.get("CACHE_REDIS_URL"):
        urls.append(str(config["CACHE_REDIS_URL"]))
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "")
    if storage.startswith(("redis://", "rediss://")) and storage not in urls:
        urls.append(storage)
    return urls


def check_redis(url: str) -> str:
    """Ping one Redis server."""
    try:
        connection = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
        try:
            connection.ping()
        finally:
            connection.close()
    except redis.RedisError as error:
        return f"unreachable: {type(error).__name__}"
    return "ok"


def run_checks(app: Flask) -> dict[str, str]:
    """Return every check's outcome by name."""
    database, revisions = check_database()
    checks = {"database": database}
    if revisions is not None:
        heads = migration_heads()
        checks["migrations"] = (
            "ok" if revisions == heads else "not at head: run flask --app lti_tool db upgrade"
        )
    else:
        checks["migrations"] = "unknown: the database is unreachable"
    for index, url in enumerate(redis_urls(app)):
        checks["redis" if index == 0 else f"redis_{index + 1}"] = check_redis(url)
    return checks
