"""Wake the workers as soon as new work is committed, and let a worker wait for that.

Committing a new e-mail, score or roster sync sends a wake-up: PostgreSQL ``NOTIFY`` in the same
transaction (delivered only if it commits), or a Redis ``PUBLISH`` after the commit when
``jobs_redis_url`` is set. A worker waits on ``LISTEN`` / ``SUBSCRIBE``, and on SQLite polls
every ``jobs_poll_seconds``.
"""

from __future__ import annotations

import select as selectors
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from ..gradebook.models import GradebookScore
from ..notifications.models import OutboxEmail
from ..staff.models import RosterSync

CHANNEL = "lti_tool_jobs"
_FLAG = "lti_tool_jobs_wake"
_WORK = (OutboxEmail, GradebookScore, RosterSync)


def _after_flush(session: Session, context: Any) -> None:
    if session.info.get(_FLAG) or not any(isinstance(row, _WORK) for row in session.new):
        return
    session.info[_FLAG] = True
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


def _after_commit(session: Session) -> None:
    if not session.info.pop(_FLAG, False):
        return
    url = current_app.config.get("JOBS_REDIS_URL")
    if url:
        try:
            _redis(url).publish(_redis_channel(), "1")
        except Exception as error:  # the worker's polling still finds the work
            current_app.logger.warning("Could not wake the job workers: %s", error)


def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)


def _redis(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=2)


def _redis_channel() -> str:
    return str(current_app.config["CACHE_KEY_PREFIX"]) + CHANNEL


def init_app(app: Flask) -> None:
    """Install the session hooks once per process."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


class Waiter:
    """Blocks until a wake-up arrives or ``timeout`` passes (or ``stopping()`` turns true)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._pubsub: Any = None
        self._pg: Any = None
        url = app.config.get("JOBS_REDIS_URL")
        if url:
            with app.app_context():
                self._pubsub = _redis(url).pubsub(ignore_subscribe_messages=True)
                self._pubsub.subscribe(_redis_channel())
        elif str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
            import psycopg

            dsn = str(app.config["SQLALCHEMY_DATABASE_URI"]).replace("+psycopg", "", 1)
            self._pg = psycopg.connect(dsn, autocommit=True)
            self._pg.execute(f"LISTEN {CHANNEL}")

    @property
    def mechanism(self) -> str:
        """Say how this worker is woken."""
        if self._pubsub is not None:
            return "redis"
        return "postgresql" if self._pg is not None else "polling"

    def wait(self, timeout: float, stopping: Callable[[], bool]) -> bool:
        """Return True when woken, False when the timeout passed or a stop was asked."""
        end = time.monotonic() + timeout
        while not stopping():
            left = end - time.monotonic()
            if left <= 0:
                return False
            step = min(left, 0.5)
            if self._pubsub is not None:
                if self._pubsub.get_message(timeout=step) is not None:
                    return True
            elif self._pg is not None:
                ready, _, _ = selectors.select([self._pg.fileno()], [], [], step)
                if ready and list(self._pg.notifies(timeout=0, stop_after=100)):
                    return True
            else:
                time.sleep(step)
        return False

    def close(self) -> None:
        """Stop listening."""
        if self._pubsub is not None:
            self._pubsub.close()
        if self._pg is not None:
            self._pg.close()
