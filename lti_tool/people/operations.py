"""Keep users, courses and memberships in step with what launches and rosters say."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..lti.claims import Claim
from ..lti.models import Deployment
from ..models_base import utcnow
from .models import Course, Membership, User
from .roles import course_role

#: Profile claims copied to the user when the platform sends them (privacy may withhold them).
PROFILE_CLAIMS = ("name", "given_name", "family_name", "email")


def upsert_user(issuer: str, subject: str, profile: Mapping[str, Any]) -> User:
    """Find or create the user of a platform; update only the profile fields that were sent."""
    user = db.session.scalar(select(User).filter_by(issuer=issuer, subject=subject))
    if user is None:
        user = User(issuer=issuer, subject=subject)
        db.session.add(user)
    for field in PROFILE_CLAIMS:
        value = profile.get(field)
        if isinstance(value, str) and value.strip():
            setattr(user, field, value.strip()[:300])
    return user


def upsert_course(deployment: Deployment, context: Mapping[str, Any]) -> Course:
    """Find or create the course of a deployment from the context claim."""
    course = db.session.scalar(
        select(Course).filter_by(deployment_id=deployment.id, context_id=str(context["id"]))
    )
    if course is None:
        course = Course(deployment=deployment, context_id=str(context["id"]))
        db.session.add(course)
    if context.get("title"):
        course.title = str(context["title"])[:500]
    if context.get("label"):
        course.label = str(context["label"])[:255]
    types = context.get("type")
    if isinstance(types, list):
        course.context_types = [str(item) for item in types]
    return course


def upsert_membership(course: Course, user: User, lti_roles: list[str]) -> Membership:
    """Find or create a user's membership in a course with the role the LTI roles give."""
    membership = None
    if course.id is not None and user.id is not None:
        membership = db.session.scalar(
            select(Membership).filter_by(course_id=course.id, user_id=user.id)
        )
    role = course_role(
        lti_roles,
        current_app.config["MENTOR_ROLES"],
        is_designated_mentor=membership is not None and membership.is_designated_mentor,
    )
    if membership is None:
        membership = Membership(course=course, user=user, role=role)
        db.session.add(membership)
    membership.role = role
    membership.lti_roles = list(lti_roles)
    membership.is_active = True
    return membership


def sync_launch(deployment: Deployment, claims: Mapping[str, Any]) -> Membership:
    """Upsert user, course and membership from a validated launch; return the membership."""
    now = utcnow()
    user = upsert_user(deployment.registration.issuer, str(claims["sub"]), claims)
    user.last_launch_at = now
    locale = (claims.get(Claim.LAUNCH_PRESENTATION) or {}).get("locale")
    if isinstance(locale, str) and locale:
        user.locale = locale[:20]
    course = upsert_course(deployment, claims[Claim.CONTEXT])
    nrps = claims.get(Claim.NRPS) or {}
    if nrps.get("context_memberships_url"):
        course.nrps_url = nrps["context_memberships_url"]
    db.session.flush()
    membership = upsert_membership(course, user, list(claims.get(Claim.ROLES) or []))
    membership.last_launch_at = now
    db.session.flush()
    return membership
