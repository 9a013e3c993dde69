"""Read-side of the administration console: everything scoped to one registration."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..lti import operations as lti_operations
from ..lti.models import Deployment, ToolKey
from ..mentoring.models import MentoringEvent
from ..people.models import Course, Membership, User
from ..staff.models import RosterSync, SyncStatus

#: Audit subjects the console writes; its history lists these.
ADMIN_SUBJECTS = (
    "deployment",
    "tool_key",
    "platform_defaults",
    "outbox_email",
    "gradebook_score",
)
HISTORY_SIZE = 20


@dataclass
class DeploymentRow:
    """A deployment of the registration with the number of its courses."""

    deployment: Deployment
    course_count: int


def deployments_of(registration_id: int) -> list[DeploymentRow]:
    """Return the registration's deployments, pending ones first, with their course counts."""
    counts = (
        select(Course.deployment_id, func.count(Course.id).label("courses"))
        .group_by(Course.deployment_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Deployment, func.coalesce(counts.c.courses, 0))
        .outerjoin(counts, counts.c.deployment_id == Deployment.id)
        .where(Deployment.registration_id == registration_id)
        .order_by(Deployment.is_active, Deployment.id)
    )
    return [DeploymentRow(deployment, int(count)) for deployment, count in rows]


def deployment_of(registration_id: int, deployment_pk: int) -> Deployment | None:
    """Return a deployment by id only when it belongs to the registration."""
    return db.session.scalar(
        select(Deployment).filter_by(id=deployment_pk, registration_id=registration_id)
    )


@dataclass
class KeyRow:
    """A tool key as the console shows it."""

    key: ToolKey
    in_jwks: bool
    is_signing: bool


def tool_keys() -> list[KeyRow]:
    """Return every tool key, newest first, saying which the JWKS serves and which signs."""
    served = lti_operations.current_keys()
    served_ids = {key.id for key in served}
    signing_id = served[0].id if served else None
    keys = db.session.scalars(
        select(ToolKey).order_by(ToolKey.created_at.desc(), ToolKey.id.desc())
    )
    return [KeyRow(key, key.id in served_ids, key.id == signing_id) for key in keys]


def tool_key(key_pk: int) -> ToolKey | None:
    """Return a tool key by id."""
    return db.session.get(ToolKey, key_pk)


@dataclass
class SyncRow:
    """A roster sync still reading pages, with its course."""

    sync: RosterSync
    course: Course


def running_syncs(registration_id: int) -> list[SyncRow]:
    """Return the registration's roster syncs that still have pages to read."""
    rows = db.session.execute(
        select(RosterSync, Course)
        .join(Course, Course.id == RosterSync.course_id)
        .join(Deployment, Deployment.id == Course.deployment_id)
        .where(Deployment.registration_id == registration_id)
        .where(RosterSync.status == SyncStatus.RUNNING)
        .order_by(RosterSync.started_at)
    )
    return [SyncRow(sync, course) for sync, course in rows]


@dataclass
class HistoryRow:
    """One audited console action: who, when, what."""

    event: MentoringEvent
    actor_name: str | None


def admin_history(registration_id: int) -> list[HistoryRow]:
    """Return the latest console actions of the registration's administrators."""
    rows = db.session.execute(
        select(MentoringEvent, User)
        .join(Course, Course.id == MentoringEvent.course_id)
        .join(Deployment, Deployment.id == Course.deployment_id)
        .outerjoin(Membership, Membership.id == MentoringEvent.actor_id)
        .outerjoin(User, User.id == Membership.user_id)
        .where(Deployment.registration_id == registration_id)
        .where(MentoringEvent.subject.in_(ADMIN_SUBJECTS))
        .order_by(MentoringEvent.created_at.desc(), MentoringEvent.id.desc())
        .limit(HISTORY_SIZE)
    )
    return [
        HistoryRow(event, user.display_name if user is not None else None) for event, user in rows
    ]
