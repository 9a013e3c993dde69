"""Keep users, courses and memberships in step with what launches and rosters say."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam, select

from ..extensions import db
from ..models_base import update_changed, utcnow
from ..platforms.claims import Claim
from ..platforms.models import LINK_COLUMNS, Deployment, ResourceLink
from .last_launches import record_last_launch
from .models import Course, CourseRole, Membership, User
from .roles import course_role

#: Profile claims copied to the user when the platform sends them (privacy may withhold them).
PROFILE_CLAIMS = ("name", "given_name", "family_name", "email")


def profile_values(profile: Mapping[str, Any]) -> dict[str, str]:
    """The profile fields a launch or roster entry sets: only those sent, trimmed."""
    return {
        field: value.strip()[:300]
        for field in PROFILE_CLAIMS
        if isinstance(value := profile.get(field), str) and value.strip()
    }


def course_values(context: Mapping[str, Any]) -> dict[str, Any]:
    """The course fields a context claim sets: only those sent."""
    values: dict[str, Any] = {}
    if context.get("title"):
        values["title"] = str(context["title"])[:500]
    if context.get("label"):
        values["label"] = str(context["label"])[:255]
    types = context.get("type")
    if isinstance(types, list):
        values["context_types"] = [str(item) for item in types]
    return values


def membership_values(lti_roles: list[str], *, is_designated_mentor: bool) -> dict[str, Any]:
    """Role, LTI roles and activity of a member the platform has just vouched for."""
    role = course_role(
        lti_roles, current_app.config["MENTOR_ROLES"], is_designated_mentor=is_designated_mentor
    )
    return {"role": role, "lti_roles": list(lti_roles), "is_active": True}


def upsert_user(
    issuer: str, subject: str, profile: Mapping[str, Any], *, existing: User | None = None
) -> User:
    """Find or create the user of a platform; update only the profile fields that were sent."""
    user = existing or db.session.scalar(select(User).filter_by(issuer=issuer, subject=subject))
    if user is None:
        user = User(issuer=issuer, subject=subject)
        db.session.add(user)
    for field, value in profile_values(profile).items():
        setattr(user, field, value)
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
    for field, value in course_values(context).items():
        setattr(course, field, value)
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
    values = membership_values(
        lti_roles, is_designated_mentor=membership is not None and membership.is_designated_mentor
    )
    if membership is None:
        membership = Membership(course=course, user=user, role=values["role"])
        db.session.add(membership)
    for field, value in values.items():
        setattr(membership, field, value)
    return membership


@dataclass(frozen=True)
class Launched:
    """Who launched into which course, as the session and the redirect need it."""

    id: int
    user_id: int
    course_id: int
    role: CourseRole


#: What a launch compares with its claims, read with its registration (``with_launch_rows``).
_USER_COLUMNS = (*PROFILE_CLAIMS, "locale")
_COURSE_COLUMNS = ("title", "label", "context_types", "nrps_url")
_MEMBERSHIP_COLUMNS = ("role", "lti_roles", "is_active", "is_designated_mentor", "last_launch_at")
#: How precisely the last launch into a course is kept (on the membership; a person's last
#: launch is the latest of theirs). Every click on one of the tool's activities in the LMS is a
#: launch; a person moving between them relaunches within minutes. Recording each would make
#: every such launch a write (on SQLite, one writer at a time); the time of the last launch to
#: the quarter hour is all that uses it needs (privacy export, roster checks).
LAST_LAUNCH_PRECISION = timedelta(minutes=15)


def launch_row_parameters(claims: Mapping[str, Any]) -> dict[str, str | None]:
    """The parameters of ``with_launch_rows`` for a launch's (not yet validated) claims: a
    claim of the wrong type matches no row (validation refuses the launch anyway)."""
    context = claims.get(Claim.CONTEXT)
    link = claims.get(Claim.RESOURCE_LINK)
    context_id = context.get("id") if isinstance(context, dict) else None
    link_id = link.get("id") if isinstance(link, dict) else None
    subject = claims.get("sub")
    return {
        "launch_subject": subject if isinstance(subject, str) else None,
        "launch_context_id": str(context_id) if isinstance(context_id, (str, int)) else None,
        "launch_link_id": None if isinstance(link_id, (dict, list)) else str(link_id or ""),
    }


def with_launch_rows(query: Any, deployment_pk: Any, issuer: Any) -> Any:
    """``query`` with the launch's user, course, membership and resource link outer-joined,
    each column labelled ``user_``, ``course_``, ``membership_`` or ``link_`` + its name and
    each row's id as ``user_id``, ``course_id``, ``membership_id``, ``link_id`` (None: no such
    row yet). ``deployment_pk`` and ``issuer`` are the query's columns of the launch's
    deployment and platform; the parameters are ``launch_row_parameters``.

    Only the columns a launch compares are read (no ORM objects): a returning person's launch
    is the registration's statement and the updates of what changed."""
    user, course, member, link = (
        User.__table__.c,
        Course.__table__.c,
        Membership.__table__.c,
        ResourceLink.__table__.c,
    )
    return (
        query.add_columns(
            user.id.label("user_id"),
            *(user[name].label(f"user_{name}") for name in _USER_COLUMNS),
            course.id.label("course_id"),
            *(course[name].label(f"course_{name}") for name in _COURSE_COLUMNS),
            member.id.label("membership_id"),
            *(member[name].label(f"membership_{name}") for name in _MEMBERSHIP_COLUMNS),
            link.id.label("link_id"),
            *(link[name].label(f"link_{name}") for name in LINK_COLUMNS),
        )
        .outerjoin(
            User.__table__,
            and_(user.issuer == issuer, user.subject == bindparam("launch_subject")),
        )
        .outerjoin(
            Course.__table__,
            and_(
                course.deployment_id == deployment_pk,
                course.context_id == bindparam("launch_context_id"),
            ),
        )
        .outerjoin(
            Membership.__table__,
            and_(member.course_id == course.id, member.user_id == user.id),
        )
        .outerjoin(
            ResourceLink.__table__,
            and_(
                link.course_id == course.id,
                link.resource_link_id == bindparam("launch_link_id"),
            ),
        )
    )


def sync_launch(
    deployment_id: int, issuer: str, claims: Mapping[str, Any], rows: Any = None
) -> Launched:
    """Bring user, course and membership in step with a validated launch; ``rows`` is the
    launch's row of ``with_launch_rows``, read with its registration.

    A returning person (all three rows exist) costs one UPDATE per row whose values changed:
    usually none, or once a day the membership's last launch (kept to
    ``LAST_LAUNCH_PRECISION``, written in the worker's next batch: ``last_launches``). Such an
    UPDATE is a copy the next launch writes again
    (``models_base.update_changed``): ``commit_rederivable`` writes the launch's copies in one
    commit, a single one on a connection of its own. Otherwise the rows are created through the
    ORM.
    """
    now = utcnow()
    user_changes: dict[str, Any] = dict(profile_values(claims))
    locale = (claims.get(Claim.LAUNCH_PRESENTATION) or {}).get("locale")
    if isinstance(locale, str) and locale:
        user_changes["locale"] = locale[:20]
    course_changes = course_values(claims[Claim.CONTEXT])
    nrps = claims.get(Claim.NRPS) or {}
    if nrps.get("context_memberships_url"):
        course_changes["nrps_url"] = nrps["context_memberships_url"]
    lti_roles = list(claims.get(Claim.ROLES) or [])
    if rows is None or rows.course_id is None or rows.membership_id is None:
        deployment = db.session.get_one(Deployment, deployment_id)
        return _create_launch_rows(deployment, claims, user_changes, course_changes, lti_roles)
    member_changes = membership_values(
        lti_roles, is_designated_mentor=rows.membership_is_designated_mentor
    )
    if _stale(rows.membership_last_launch_at, now) and not record_last_launch(
        rows.membership_id, now
    ):
        member_changes["last_launch_at"] = now
    update_changed(User, rows.user_id, rows, user_changes, prefix="user_")
    update_changed(Course, rows.course_id, rows, course_changes, prefix="course_")
    update_changed(Membership, rows.membership_id, rows, member_changes, prefix="membership_")
    return Launched(rows.membership_id, rows.user_id, rows.course_id, member_changes["role"])


def _stale(last_launch: datetime | None, now: datetime) -> bool:
    """Whether a recorded last launch is older than the precision it is kept to."""
    return last_launch is None or not now - LAST_LAUNCH_PRECISION < last_launch <= now


def _create_launch_rows(
    deployment: Deployment,
    claims: Mapping[str, Any],
    user_changes: dict[str, Any],
    course_changes: dict[str, Any],
    lti_roles: list[str],
) -> Launched:
    """The first launch of a person, or into a course: create what is missing (ORM)."""
    now = utcnow()
    user = upsert_user(deployment.registration.issuer, str(claims["sub"]), user_changes)
    if "locale" in user_changes:
        user.locale = user_changes["locale"]
    course = upsert_course(deployment, claims[Claim.CONTEXT])
    if "nrps_url" in course_changes:
        course.nrps_url = course_changes["nrps_url"]
    db.session.flush()  # ids of a new user or course, to look for their membership
    membership = upsert_membership(course, user, lti_roles)
    membership.last_launch_at = now
    db.session.flush()
    return Launched(membership.id, user.id, course.id, membership.role)
