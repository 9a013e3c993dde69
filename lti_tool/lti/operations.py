"""State changes of registrations, deployments and tool keys (§6 registration)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models_base import update_changed, utcnow
from ..platforms.claims import Claim
from ..platforms.models import Deployment, Registration, ResourceLink, ToolKey
from ..urls import public_url
from . import keys
from .activities import activity_for


class RegistrationError(ValueError):
    """A registration or deployment change that cannot be made; the message says why."""


def add_registration(
    *,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    keyset_url: str,
    name: str = "",
    auth_audience: str | None = None,
    deployment_ids: tuple[str, ...] | list[str] = (),
    auto_activate_deployments: bool = False,
    product_family_code: str | None = None,
) -> Registration:
    """Register a platform's client id; listed deployment ids are trusted (active) at once.

    The tool's first signing key is made here too, if there is none yet: created on first use
    instead, inside the transaction of the first service call, it would not be in the JWKS the
    platform fetches to check that very call (the first roster sync of a new install failed).
    """
    existing = db.session.scalar(select(Registration).filter_by(issuer=issuer, client_id=client_id))
    if existing is not None:
        raise RegistrationError(
            f"A registration for issuer {issuer} and client id {client_id} exists already."
        )
    registration = Registration(
        issuer=issuer,
        client_id=client_id,
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        auth_audience=auth_audience,
        keyset_url=keyset_url,
        name=name,
        auto_activate_deployments=auto_activate_deployments,
        product_family_code=product_family_code,
    )
    db.session.add(registration)
    for deployment_id in deployment_ids:
        registration.deployments.append(
            Deployment(deployment_id=deployment_id, is_active=True, activated_at=utcnow())
        )
    signing_key()
    db.session.flush()
    return registration


def update_registration(
    registration: Registration,
    *,
    auth_login_url: str,
    auth_token_url: str,
    keyset_url: str,
    auth_audience: str | None = None,
    deployment_ids: tuple[str, ...] | list[str] = (),
    product_family_code: str | None = None,
) -> list[str]:
    """Take a platform's new endpoints and keys for a registration; return what changed.

    The changes are field names, and ``deployment:<id>`` for each deployment now trusted.

    Listed deployment ids are trusted (active) at once, as when the registration was added;
    deployments it had already stay. Its name and whether it is active stay as they are.
    """
    locked = db.session.scalar(select(Registration).filter_by(id=registration.id).with_for_update())
    assert locked is not None
    values = {
        "auth_login_url": auth_login_url,
        "auth_token_url": auth_token_url,
        "keyset_url": keyset_url,
        "auth_audience": auth_audience,
        "product_family_code": product_family_code or locked.product_family_code,
    }
    changed = sorted(name for name, value in values.items() if getattr(locked, name) != value)
    for name, value in values.items():
        setattr(locked, name, value)
    for deployment_id in deployment_ids:
        deployment = record_deployment(locked, deployment_id)
        if not deployment.is_active:
            deployment.is_active = True
            deployment.activated_at = utcnow()
            changed.append(f"deployment:{deployment_id}")
    db.session.flush()
    return changed


def deactivate_registration(issuer: str, client_id: str) -> Registration:
    """Stop trusting a registration: its launches are refused until it is added again."""
    registration = find_registration(issuer, client_id)
    registration.is_active = False
    return registration


def find_registration(issuer: str, client_id: str) -> Registration:
    """Return the registration of issuer and client id, or raise RegistrationError."""
    registration = db.session.scalar(
        select(Registration).filter_by(issuer=issuer, client_id=client_id)
    )
    if registration is None:
        raise RegistrationError(f"No registration for issuer {issuer} and client id {client_id}.")
    return registration


def record_deployment(registration: Registration, deployment_id: str) -> Deployment:
    """Return the deployment, creating it (inactive unless the registration trusts new ones)."""
    deployment = db.session.scalar(
        select(Deployment).filter_by(registration_id=registration.id, deployment_id=deployment_id)
    )
    if deployment is None:
        trusted = registration.auto_activate_deployments
        deployment = Deployment(
            registration=registration,
            deployment_id=deployment_id,
            is_active=trusted,
            activated_at=utcnow() if trusted else None,
        )
        db.session.add(deployment)
        db.session.flush()
    return deployment


def activate_deployment(issuer: str, client_id: str, deployment_id: str) -> Deployment:
    """Trust a deployment of a registration, creating it if no launch has recorded it yet."""
    registration = find_registration(issuer, client_id)
    deployment = _locked(record_deployment(registration, deployment_id))
    if not deployment.is_active:
        deployment.is_active = True
        deployment.activated_at = utcnow()
    return deployment


def deactivate_deployment(issuer: str, client_id: str, deployment_id: str) -> Deployment:
    """Stop trusting a deployment: its launches wait for an admin again, its data stays."""
    registration = find_registration(issuer, client_id)
    deployment = db.session.scalar(
        select(Deployment)
        .filter_by(registration_id=registration.id, deployment_id=deployment_id)
        .with_for_update()
    )
    if deployment is None:
        raise RegistrationError(f"No deployment {deployment_id} of {registration.label}.")
    deployment.is_active = False
    return deployment


def _locked(deployment: Deployment) -> Deployment:
    """Re-read a deployment under a row lock (and fresh), so concurrent changes serialise."""
    return db.session.scalars(
        select(Deployment)
        .filter_by(id=deployment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def rotate_keys(retire_after_days: int = 7) -> ToolKey:
    """Create a new signing key and schedule the current ones to leave the JWKS later."""
    retire_at = utcnow() + timedelta(days=retire_after_days)
    for key in current_keys():
        if key.retire_at is None or key.retire_at > retire_at:
            key.retire_at = retire_at
    return create_key()


def schedule_key_retirement(kid: str, retire_at: datetime) -> ToolKey:
    """Set when a key leaves the JWKS; the newest key signs, so it never retires this way.

    Rotate first (:func:`rotate_keys`) to replace the newest key.
    """
    key = db.session.scalar(select(ToolKey).filter_by(kid=kid).with_for_update())
    if key is None:
        raise RegistrationError(f"No tool key {kid}.")
    newest = current_keys()
    if newest and newest[0].id == key.id:
        raise RegistrationError("The newest key signs every message: rotate keys first.")
    key.retire_at = retire_at
    return key


def create_key() -> ToolKey:
    """Generate and store a new signing key; it becomes the newest one."""
    kid = uuid.uuid4().hex
    pem = keys.generate_private_key_pem(current_app.config["TOOL_KEY_SIZE"])
    key = ToolKey(kid=kid, private_key_pem=pem, public_jwk=keys.public_jwk(pem, kid))
    db.session.add(key)
    db.session.flush()
    return key


def current_keys() -> list[ToolKey]:
    """Return the keys not yet retired, newest first."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(ToolKey)
            .where((ToolKey.retire_at.is_(None)) | (ToolKey.retire_at > now))
            .order_by(ToolKey.created_at.desc(), ToolKey.id.desc())
        )
    )


def signing_key() -> ToolKey:
    """Return the newest unretired key, creating the first key on first use."""
    keys_now = current_keys()
    return keys_now[0] if keys_now else create_key()


def purge_retired_keys() -> int:
    """Delete keys whose retirement time has passed; return how many went."""
    now = utcnow()
    retired = list(db.session.scalars(select(ToolKey).where(ToolKey.retire_at <= now)))
    for key in retired:
        db.session.delete(key)
    return len(retired)


#: The URLs an LMS administrator pastes, by name, with the endpoint each points at.
TOOL_URL_ENDPOINTS = (
    ("login", "lti.login"),
    ("launch", "lti.launch"),
    ("redirect", "lti.launch"),
    ("jwks", "lti.jwks"),
    ("dynamic_registration", "lti.register"),
    ("deep_linking", "lti.launch"),
)


def tool_urls() -> list[tuple[str, str]]:
    """Return ``(name, public URL)`` of every URL an LMS administrator pastes."""
    return [(name, public_url(endpoint)) for name, endpoint in TOOL_URL_ENDPOINTS]


def link_values(claims: Mapping[str, Any]) -> dict[str, Any]:
    """What a resource-link launch says of its placement: title, activity, AGS endpoints."""
    link_claim = claims[Claim.RESOURCE_LINK]
    custom = claims.get(Claim.CUSTOM) or {}
    ags = claims.get(Claim.AGS) or {}
    return {
        "title": str(link_claim.get("title") or "")[:500],
        "activity": activity_for(custom.get("activity")).key,
        "lineitem_url": ags.get("lineitem"),
        "lineitems_url": ags.get("lineitems"),
        "ags_scopes": [str(scope) for scope in ags.get("scope") or []],
    }


def sync_resource_link(course_id: int, claims: Mapping[str, Any], rows: Any = None) -> int:
    """Find or create the placement a resource-link launch came from, with its AGS endpoint;
    return its id. ``rows`` (``people.operations.with_launch_rows``) carries the link as it was."""
    values = link_values(claims)
    if rows is not None and rows.link_id is not None:
        update_changed(ResourceLink, rows.link_id, rows, values, prefix="link_")
        return int(rows.link_id)
    link_id = str(claims[Claim.RESOURCE_LINK]["id"])
    link = db.session.scalar(
        select(ResourceLink).filter_by(course_id=course_id, resource_link_id=link_id)
    )
    if link is None:
        link = ResourceLink(course_id=course_id, resource_link_id=link_id)
        db.session.add(link)
    for field, value in values.items():
        setattr(link, field, value)
    db.session.flush()
    return link.id
