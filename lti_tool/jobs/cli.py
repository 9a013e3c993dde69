"""Commands of the job runner: ``flask --app lti_tool jobs run-due``."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import Flask
from flask.cli import AppGroup

from .runner import run_due
from .worker import work

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
@click.option("--once", is_flag=True, help="Run the due work once and exit (testing).")
def worker_command(once: bool) -> None:
    """Deliver e-mails, scores and roster pages as soon as they are due; stop with SIGTERM."""
    work(click.echo, once=once)


def init_app(app: Flask) -> None:
    """Attach the ``jobs`` command group to ``flask``."""
    app.cli.add_command(jobs)
