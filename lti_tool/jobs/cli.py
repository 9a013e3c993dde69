"""Commands of the job runner: ``flask --app lti_tool jobs run-due`` and ``jobs worker``."""

from __future__ import annotations

import os
import signal
import threading
from datetime import UTC, datetime
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..extensions import db
from .runner import run_due
from .wake import Waiter

jobs = AppGroup(
    "jobs", help="Time-driven work: reminders, expiries, e-mail and score delivery, roster sync."
)


def _parse_now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """Read ``--now`` as an ISO-8601 moment (UTC when it names no offset)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"not an ISO-8601 date and time: {value}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@jobs.command("run-due")
@click.option(
    "--now",
    callback=_parse_now,
    metavar="ISO-8601",
    help="Act as if it were this moment (testing and operations only).",
)
def run_due_command(now: datetime | None) -> None:
    """Run everything that is due now; safe to run again at any time (e.g. every minute)."""
    report = run_due(now)
    for line in report.lines():
        click.echo(line)


@jobs.command("worker")
def worker_command() -> None:
    """Deliver and run everything as soon as it is due, until SIGTERM or SIGINT (Ctrl+C).

    Woken within a second of new work (PostgreSQL LISTEN/NOTIFY or Redis), otherwise every
    jobs_poll_seconds. Any number of workers (and cron's run-due) may run at once.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    waiter = Waiter(app)
    poll = float(app.config["JOBS_POLL_SECONDS"])
    click.echo(f"worker {os.getpid()} started (woken by {waiter.mechanism})", err=True)
    try:
        while not stop.is_set():
            try:
                report = run_due()
            except Exception:  # e.g. the database is restarting: log, wait, try again
                app.logger.exception("Job run failed; trying again after the poll interval")
                db.session.remove()
                waiter.wait(poll, stop.is_set)
                continue
            db.session.remove()
            if report.busy():
                continue  # the run hit its time bound: more work is due now
            waiter.wait(poll, stop.is_set)
    finally:
        waiter.close()
        db.session.remove()
    click.echo(f"worker {os.getpid()} stopped", err=True)


def init_app(app: Flask) -> None:
    """Attach the ``jobs`` command group to ``flask``."""
    app.cli.add_command(jobs)
