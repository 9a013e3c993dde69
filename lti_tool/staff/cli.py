"""Commands of the staff domain: ``flask --app lti_tool staff sync-rosters``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .operations import PAGES_PER_STEP, step_running_syncs

staff = AppGroup("staff", help="Cohort work that runs without a browser (roster sync).")


@staff.command("sync-rosters")
@click.option("--pages", default=PAGES_PER_STEP * 5, show_default=True, help="Pages per run.")
def sync_rosters_command(pages: int) -> None:
    """Start the first sync of courses staff launched into and step running syncs (cron-safe)."""
    click.echo(f"roster_pages: {step_running_syncs(pages=pages)}")
