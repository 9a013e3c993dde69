"""Seed the tool with the demo LMS: its registration, the demo course and its people (§7).

Every function can run again and again: it finds what exists and updates it, creating only what
is missing. The caller commits.
"""

from __future__ import annotations

from sqlalchemy import select

from ..core.urls import public_url
from ..extensions import db
from ..lti import operations
from ..lti.models import Deployment, Registration
from ..people.models import Course
from ..people.operations import upsert_course, upsert_membership, upsert_user
from .platform import CLIENT_ID, DEPLOYMENT_ID, ISSUER, PLATFORM_NAME, PRODUCT_FAMILY_CODE
from .roster import COURSE, PEOPLE


def register_demo_platform() -> Deployment:
    """Register the demo LMS with the tool once, pointing at this server; return its deployment."""
    urls = {
        "auth_login_url": public_url("demo.authorize"),
        "auth_token_url": public_url("demo.token"),
        "keyset_url": public_url("demo.jwks"),
    }
    registration = db.session.scalar(
        select(Registration).filter_by(issuer=ISSUER, client_id=CLIENT_ID)
    )
    if registration is None:
        operations.add_registration(
            issuer=ISSUER,
            client_id=CLIENT_ID,
            name=PLATFORM_NAME,
            product_family_code=PRODUCT_FAMILY_CODE,
            deployment_ids=[DEPLOYMENT_ID],
            **urls,
        )
    else:
        # The demo may be served on another host or port than last time: follow it.
        for field, value in urls.items():
            setattr(registration, field, value)
    return operations.activate_deployment(ISSUER, CLIENT_ID, DEPLOYMENT_ID)


def seed_demo() -> Course:
    """Register the demo LMS; mirror its course and people in the tool, as a roster sync would."""
    deployment = register_demo_platform()
    course = upsert_course(deployment, COURSE)
    users = [upsert_user(ISSUER, person.subject, person.profile) for person in PEOPLE]
    db.session.flush()
    for person, user in zip(PEOPLE, users, strict=True):
        upsert_membership(course, user, person.lti_roles)
    db.session.flush()
    return course
