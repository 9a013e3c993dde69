"""``flask --app lti_tool jobs worker``: a long-running job runner that acts at once (issue 13).

It calls the same :func:`~lti_tool.jobs.runner.run_due` as ``jobs run-due`` from cron, so the
same claim rules hold: any number of workers on any number of hosts (and cron beside them)
never deliver anything twice.

- **Woken at once.** On PostgreSQL the worker ``LISTEN``\\ s on :data:`~lti_tool.outbox.CHANNEL`;
  every transaction that queues an e-mail or a score sends ``NOTIFY`` with it, delivered when it
  commits, so the worker starts within moments of the commit. Without a wake-up it still runs
  every ``jobs_worker_poll_seconds`` (reminders, expiries and back-offs come due by time).
  On SQLite there is no such channel: it polls every second.
- **Clean stop.** SIGTERM (or SIGINT) lets the e-mail or score in flight finish, gives the
  batch's untried items back (their claims released), commits and exits 0.
- **A killed worker** (SIGKILL, host lost) leaves claims that lapse after
  ``outbox_claim_seconds``; any other worker or cron run then takes the items over.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from flask import current_app

from ..extensions import db
from ..outbox import CHANNEL, STOP
from .runner import run_due

#: How often the wait checks whether a stop was asked for (seconds).
_SLICE = 0.5


class _Polling:
    """No wake-up channel (SQLite): wait the given time, or until asked to stop."""

    def wait(self, seconds: float) -> bool:
        STOP.wait(seconds)
        return False

    def close(self) -> None:
        """Nothing to close."""


class _Listening:
    """PostgreSQL ``LISTEN``: a dedicated autocommit connection, so no transaction stays open."""

    def __init__(self, connect_args: dict[str, Any]) -> None:
        self.connection = psycopg.connect(**connect_args, autocommit=True)
        self.connection.execute(f"LISTEN {CHANNEL}")

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for a notification."""
        remaining = seconds
        while remaining > 0 and not STOP.is_set():
            step = min(_SLICE, remaining)
            notices = self.connection.notifies(timeout=step, stop_after=1)
            try:
                # (Several notices at once only make the next rounds find nothing to do.)
                if next(notices, None) is not None:
                    return True
            finally:
                notices.close()  # the generator holds the connection's lock until closed
            remaining -= step
        return False

    def close(self) -> None:
        self.connection.close()


def _waker() -> _Polling | _Listening:
    engine = db.engine
    if engine.url.get_backend_name() == "postgresql":
        # The engine's own connection arguments (query options such as ``options=-c …``
        # included), not its URL re-rendered: libpq does not read "+" as a space.
        _positional, connect_args = engine.dialect.create_connect_args(engine.url)
        return _Listening(connect_args)
    return _Polling()


def work(echo: Callable[[str], Any] = print, *, once: bool = False) -> None:
    """Run due work now and whenever woken, until SIGTERM/SIGINT (or one round with ``once``)."""
    config = current_app.config
    waker = _waker()
    idle = float(config["JOBS_WORKER_POLL_SECONDS"]) if isinstance(waker, _Listening) else 1.0
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGTERM, signal.SIGINT):
            previous[number] = signal.signal(number, lambda *_: STOP.set())
    STOP.clear()
    echo(f"worker: started ({'LISTEN/NOTIFY' if isinstance(waker, _Listening) else 'polling'})")
    try:
        while not STOP.is_set():
            try:
                report = run_due()
            except Exception:  # a database or network outage: log, wait, try again
                current_app.logger.exception("Job run failed; trying again")
                db.session.rollback()
            else:
                done = {name: count for name, count in vars(report).items() if count}
                if done:
                    echo("worker: " + ", ".join(f"{k} {v}" for k, v in done.items()))
            finally:
                db.session.remove()  # never sit idle inside a transaction
            if once:
                break
            waker.wait(idle)
    finally:
        waker.close()
        for number, handler in previous.items():
            signal.signal(number, handler)
        echo("worker: stopped")
