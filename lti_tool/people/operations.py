"""Keep users, courses and memberships in step with what launches and rosters say."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import and_, select

from ..extensions import db
from ..models_base import utcnow
from ..platforms.claims import Claim
from ..platforms.models import Deployment, ResourceLink
from .models import Course, Membership, User
from .roles import course_role

#: Profile claims copied to the user when the platform sends them (privacy may withhold them).
PROFILE_CLAIMS = ("name", "given_name", "family_name", "email")


def upsert_user(
    issuer: str, subject: str, profile: Mapping[str, Any], *, existing: User | None = None
) -> User:
    """Find or create the user of a platform; update only the profile fields that were sent."""
    user = existing or db.session.scalar(select(User).filter_by(issuer=issuer, subject=subject))
    if user is None:
        user = User(issuer=issuer, subject=subject)
        db.session.add(user)
    for field in PROFILE_CLAIMS:
        value = profile.get(field)
        if isinstance(value, str) and value.strip():
            setattr(user, field, value.strip()[:300])
    return user


def upsert_course(
    deployment: Deployment, context: Mapping[str, Any], *, existing: Course | None = None
) -> Course:
    """Find or create the course of a deployment from the context claim."""
    course = existing or db.session.scalar(
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


def upsert_membership(
    course: Course, user: User, lti_roles: list[str], *, existing: Membership | None = None
) -> Membership:
    """Find or create a user's membership in a course with the role the LTI roles give."""
    membership = existing
    if membership is None and course.id is not None and user.id is not None:
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


@dataclass
class LaunchRows:
    """The rows a launch updates, as far as they exist already."""

    user: User | None = None
    course: Course | None = None
    membership: Membership | None = None
    link: ResourceLink | None = None


def launch_rows(deployment: Deployment, claims: Mapping[str, Any]) -> LaunchRows:
    """Read user, course, membership and resource link of a launch in one statement.

    A returning person's launch then needs no other read; for a new person it finds nothing
    and the upserts look each row up themselves.
    """
    link_id = (claims.get(Claim.RESOURCE_LINK) or {}).get("id")
    query = (
        select(User, Course, Membership, ResourceLink)
        .select_from(User)
        .outerjoin(
            Course,
            and_(
                Course.deployment_id == deployment.id,
                Course.context_id == str(claims[Claim.CONTEXT]["id"]),
            ),
        )
        .outerjoin(
            Membership, and_(Membership.course_id == Course.id, Membership.user_id == User.id)
        )
        .outerjoin(
            ResourceLink,
            and_(
                ResourceLink.course_id == Course.id,
                ResourceLink.resource_link_id == str(link_id or ""),
            ),
        )
        .where(User.issuer == deployment.registration.issuer, User.subject == str(claims["sub"]))
    )
    row = db.session.execute(query).first()
    return LaunchRows(*row) if row is not None else LaunchRows()


def sync_launch(
    deployment: Deployment, claims: Mapping[str, Any], rows: LaunchRows | None = None
) -> Membership:
    """Upsert user, course and membership from a validated launch; return the membership."""
    rows = rows or LaunchRows()
    now = utcnow()
    user = upsert_user(
        deployment.registration.issuer, str(claims["sub"]), claims, existing=rows.user
    )
    user.last_launch_at = now
    locale = (claims.get(Claim.LAUNCH_PRESENTATION) or {}).get("locale")
    if isinstance(locale, str) and locale:
        user.locale = locale[:20]
    course = upsert_course(deployment, claims[Claim.CONTEXT], existing=rows.course)
    nrps = claims.get(Claim.NRPS) or {}
    if nrps.get("context_memberships_url"):
        course.nrps_url = nrps["context_memberships_url"]
    if rows.membership is None:
        db.session.flush()  # ids of a new user or course, to look for their membership
    membership = upsert_membership(
        course, user, list(claims.get(Claim.ROLES) or []), existing=rows.membership
    )
    membership.last_launch_at = now
    if membership.id is None:
        db.session.flush()
    # A returning person's changes are written by the commit's flush: on SQLite the write
    # lock is then held for those few statements only, not while the launch goes on.
    return membership
