"""Admin commands for personal data: ``flask --app lti_tool privacy export|erase …`` (§3)."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from ..extensions import db
from ..people.models import User
from . import operations, queries

privacy = AppGroup("privacy", help="Personal data: export or erase a person on request.")


def _person(issuer: str, subject: str) -> User:
    user = queries.find_user(issuer, subject)
    if user is None:
        raise click.ClickException(
            f"No person with issuer {issuer!r} and subject {subject!r}: check both values "
            "(the subject is the platform's user id, the launch's 'sub')."
        )
    return user


@privacy.command("export")
@click.argument("issuer")
@click.argument("subject")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the JSON to this file instead of printing it.",
)
def export_command(issuer: str, subject: str, output: str | None) -> None:
    """Print (or write) everything the tool holds about one person, as JSON."""
    text = json.dumps(queries.export_person(_person(issuer, subject)), ensure_ascii=False, indent=2)
    if output is None:
        click.echo(text)
        return
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    click.echo(f"Wrote {output}.")


@privacy.command("erase")
@click.argument("issuer")
@click.argument("subject")
@click.option("--yes", is_flag=True, help="Confirm: erasure cannot be undone.")
def erase_command(issuer: str, subject: str, yes: bool) -> None:
    """Erase one person: anonymise their rows, end what is open, delete their private data."""
    user = _person(issuer, subject)
    if not yes:
        raise click.ClickException(
            "Erasure cannot be undone: it removes the person's names, e-mail and texts and "
            "ends their mentorships. Export first if needed, then run again with --yes."
        )
    try:
        operations.erase_person(user)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    click.echo(f"Erased the person (user id {user.id}); a new launch creates a new account.")


def init_app(app: Flask) -> None:
    """Attach the ``privacy`` command group to ``flask``."""
    app.cli.add_command(privacy)
