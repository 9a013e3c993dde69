"""Seed the tool with the demo LMS: its registration, the demo course and its people (§7).

Every function can run again and again: it finds what exists and updates it, creating only what
is missing. The caller commits.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..lti import operations
from ..mentoring import agreements, mentorships, requests
from ..mentoring.models import ContactRequest
from ..mentors.models import MentorProfile, MentorStatus
from ..mentors.operations import create_profile, set_busy
from ..models_base import clock_at, utcnow
from ..people.models import Course, Membership
from ..people.operations import upsert_course, upsert_membership, upsert_user
from ..platforms.models import Deployment, Registration
from ..programme.operations import accept_standards
from .history import seed_history
from .platform import (
    CLIENT_ID,
    DEPLOYMENT_ID,
    ISSUER,
    PLATFORM_NAME,
    PRODUCT_FAMILY_CODE,
    platform_url,
)
from .roster import COURSE, DEMO_MENTORSHIP, MENTOR_PROFILES, PEOPLE


def register_demo_platform() -> Deployment:
    """Register the demo LMS with the tool once, pointing at this server; return its deployment."""
    urls = {
        "auth_login_url": platform_url("demo.authorize"),
        "auth_token_url": platform_url("demo.token"),
        "keyset_url": platform_url("demo.jwks"),
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


def seed_demo(*, history: bool = False) -> Course:
    """Register the demo LMS; mirror its course and people in the tool, as a roster sync would.

    With ``history`` (what ``flask demo`` asks for) the course also gets ten weeks of past
    mentoring, so that the staff dashboard's charts and tables have something to show.
    """
    deployment = register_demo_platform()
    course = upsert_course(deployment, COURSE)
    users = [upsert_user(ISSUER, person.subject, person.profile) for person in PEOPLE]
    for person, user in zip(PEOPLE, users, strict=True):
        # As if each had launched once from their LMS account (matching reads the language).
        user.locale = user.locale or person.language
    db.session.flush()
    memberships = {
        person.subject: upsert_membership(course, user, person.lti_roles)
        for person, user in zip(PEOPLE, users, strict=True)
    }
    db.session.flush()
    seed_mentor_pool(memberships)
    seed_mentorship_in_progress(memberships)
    if history:
        seed_history(course)
    return course


def seed_mentor_pool(memberships: dict[str, Membership]) -> None:
    """Give each demo mentor an approved profile (once), through the profiles' own operations."""
    for subject, offer in MENTOR_PROFILES.items():
        membership = memberships[subject]
        if db.session.scalar(select(MentorProfile.id).filter_by(membership_id=membership.id)):
            continue
        accept_standards(membership, accepted=True, confirmed_of_age=True)
        profile = create_profile(
            membership,
            status=MentorStatus.APPROVED,
            headline=offer.headline,
            bio=offer.bio,
            topics=list(offer.topics),
            languages=list(offer.languages),
            contact_modes=list(offer.contact_modes),
            roles_offered=list(offer.roles_offered),
            capacity=offer.capacity,
        )
        if offer.is_busy:
            set_busy(profile, True, membership)


def seed_mentorship_in_progress(memberships: dict[str, Membership]) -> None:
    """Start the demo's one mentorship (once): request, acceptance, agreement, first contact."""
    plan = DEMO_MENTORSHIP
    mentee, mentor = memberships[plan["mentee"]], memberships[plan["mentor"]]
    profile = db.session.scalar(select(MentorProfile).filter_by(membership_id=mentor.id))
    if profile is None or db.session.scalar(
        select(ContactRequest.id).filter_by(mentee_id=mentee.id, mentor_id=profile.id)
    ):
        return
    accept_standards(mentee, accepted=True, confirmed_of_age=True)
    contact = plan["first_contact"]
    # The pair started a few days before their first contact (none can precede the start).
    with clock_at(utcnow() - timedelta(days=contact["days_ago"] + 3)):
        request = requests.send_request(mentee, profile, **plan["request"])
        mentorship = requests.accept_request(mentor, request, proposal=plan["proposal"])
        agreement = agreements.propose_agreement(mentor, mentorship, **plan["agreement"])
        agreements.confirm_agreement(mentee, agreement)
    mentorships.log_contact(
        mentor,
        mentorship,
        held_on=(utcnow() - timedelta(days=contact["days_ago"])).date(),
        mode=contact["mode"],
        duration_minutes=contact["duration_minutes"],
    )
