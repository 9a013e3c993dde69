"""Admin commands: ``flask --app lti_tool registrations|deployments|keys|lti …``."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..models_base import utcnow
from ..platforms.models import Deployment, Registration, ToolKey
from . import operations

registrations = AppGroup("registrations", help="Platforms (LMS) registered with the tool.")
deployments = AppGroup("deployments", help="Deployments of registered platforms.")
keys = AppGroup("keys", help="The tool's signing keys.")
lti = AppGroup("lti", help="What an LMS administrator needs to install the tool.")


def _fail(error: Exception) -> None:
    db.session.rollback()
    raise click.ClickException(str(error))


@registrations.command("add")
@click.option("--issuer", required=True, help="The platform's issuer (iss).")
@click.option("--client-id", required=True, help="The client id the platform gave the tool.")
@click.option("--auth-login-url", required=True, help="The platform's OIDC authorization URL.")
@click.option("--auth-token-url", required=True, help="The platform's OAuth 2 token URL.")
@click.option("--keyset-url", required=True, help="The platform's public JWKS URL.")
@click.option("--auth-audience", default=None, help="Audience of token requests, if not the URL.")
@click.option("--deployment-id", "deployment_ids", multiple=True, help="A trusted deployment id.")
@click.option("--name", default="", help="A name admins recognise.")
@click.option(
    "--auto-activate-deployments",
    is_flag=True,
    help="Trust deployment ids seen for the first time in a launch.",
)
def add_registration(**options: object) -> None:
    """Register a platform by hand (Open edX and others)."""
    try:
        registration = operations.add_registration(**options)  # type: ignore[arg-type]
    except operations.RegistrationError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Registered {registration.label} (id {registration.id}).")


@registrations.command("list")
def list_registrations() -> None:
    """List every registration with its deployments."""
    rows = db.session.scalars(select(Registration).order_by(Registration.id))
    for registration in rows:
        state = "active" if registration.is_active else "inactive"
        click.echo(
            f"{registration.id}\t{state}\t{registration.issuer}\t{registration.client_id}\t"
            f"{registration.name}"
        )
        for deployment in registration.deployments:
            dstate = "active" if deployment.is_active else "inactive"
            click.echo(f"\tdeployment {deployment.deployment_id}\t{dstate}")


@registrations.command("deactivate")
@click.argument("issuer")
@click.argument("client_id")
def deactivate_registration(issuer: str, client_id: str) -> None:
    """Stop accepting launches of a registration."""
    try:
        operations.deactivate_registration(issuer, client_id)
    except operations.RegistrationError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Deactivated {issuer} ({client_id}).")


@deployments.command("list")
def list_deployments() -> None:
    """List every deployment, inactive ones first."""
    rows = db.session.execute(
        select(Deployment, Registration)
        .join(Registration)
        .order_by(Deployment.is_active, Deployment.id)
    )
    for deployment, registration in rows:
        state = "active" if deployment.is_active else "inactive"
        click.echo(
            f"{state}\t{registration.issuer}\t{registration.client_id}\t{deployment.deployment_id}"
        )


@deployments.command("activate")
@click.argument("issuer")
@click.argument("client_id")
@click.argument("deployment_id")
def activate_deployment(issuer: str, client_id: str, deployment_id: str) -> None:
    """Trust a deployment so that its launches are accepted."""
    try:
        operations.activate_deployment(issuer, client_id, deployment_id)
    except operations.RegistrationError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Activated deployment {deployment_id} of {issuer} ({client_id}).")


@deployments.command("deactivate")
@click.argument("issuer")
@click.argument("client_id")
@click.argument("deployment_id")
def deactivate_deployment(issuer: str, client_id: str, deployment_id: str) -> None:
    """Stop accepting launches of a deployment until it is activated again."""
    try:
        operations.deactivate_deployment(issuer, client_id, deployment_id)
    except operations.RegistrationError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Deactivated deployment {deployment_id} of {issuer} ({client_id}).")


@keys.command("retire")
@click.argument("kid")
@click.option(
    "--in-days",
    default=7,
    show_default=True,
    type=click.IntRange(min=0),
    help="Days the key stays in the JWKS from now.",
)
def retire_key(kid: str, in_days: int) -> None:
    """Schedule an older key to leave the JWKS (the newest key is replaced by rotating)."""
    try:
        key = operations.schedule_key_retirement(kid, utcnow() + timedelta(days=in_days))
    except operations.RegistrationError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Key {key.kid} retires {key.retire_at.isoformat()}.")


@keys.command("rotate")
@click.option(
    "--retire-after-days",
    default=7,
    show_default=True,
    type=click.IntRange(min=0),
    help="Days the current keys stay in the JWKS beside the new one.",
)
def rotate_keys(retire_after_days: int) -> None:
    """Create a new signing key; older keys leave the JWKS after the retirement period."""
    purged = operations.purge_retired_keys()
    key = operations.rotate_keys(retire_after_days)
    db.session.commit()
    click.echo(f"New signing key {key.kid}; {purged} retired key(s) removed.")


@keys.command("list")
def list_keys() -> None:
    """List the tool's keys, newest first, with their retirement time."""
    for key in db.session.scalars(select(ToolKey).order_by(ToolKey.created_at.desc())):
        retire = key.retire_at.isoformat() if key.retire_at else "-"
        click.echo(f"{key.kid}\tcreated {key.created_at.isoformat()}\tretires {retire}")


@lti.command("urls")
def print_urls() -> None:
    """Print the URLs an LMS administrator pastes, as ``name: URL`` lines."""
    for name, url in operations.tool_urls():
        click.echo(f"{name}: {url}")


def init_app(app: Flask) -> None:
    """Attach the command groups to ``flask``."""
    for group in (registrations, deployments, keys, lti):
        app.cli.add_command(group)
