"""Read-side of the administration console: everything scoped to one registration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..audit import MentoringEvent
from ..extensions import db
from ..gradebook.models import GradebookScore, ScoreStatus
from ..lti import operations as lti_operations
from ..monitoring import queries as monitoring
from ..notifications.models import EmailStatus, Notification, OutboxEmail
from ..people.models import Course, Membership, User
from ..platforms.models import Deployment, ToolKey
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


#: Items each outbox list shows at most (the oldest first).
OUTBOX_PAGE = 50


@dataclass
class Outbox:
    """The registration's delivery outbox: figures and the items that need attention."""

    figures: dict[str, monitoring.OutboxFigures]
    emails: list[OutboxEmail]
    scores: list[tuple[GradebookScore, Course, User]]
    lag_seconds: float


def _attention(model: Any, queued: Any) -> Any:
    """Items still queued after a failed attempt, or failed for good (never silently dropped)."""
    stuck = [member for member in type(queued) if member.value in {"failed", "given_up"}]
    waiting = (model.status == queued) & (model.attempts > 0)
    return waiting | model.status.in_(stuck) if stuck else waiting


def outbox(registration_id: int) -> Outbox:
    """Return the registration's e-mails and scores that failed at least once, with figures."""
    emails = db.session.scalars(
        select(OutboxEmail)
        .join(Notification, Notification.id == OutboxEmail.notification_id)
        .join(Course, Course.id == Notification.course_id)
        .join(Deployment, Deployment.id == Course.deployment_id)
        .where(Deployment.registration_id == registration_id)
        .where(_attention(OutboxEmail, EmailStatus.QUEUED))
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
        .limit(OUTBOX_PAGE)
    ).all()
    scores = db.session.execute(
        select(GradebookScore, Course, User)
        .join(Course, Course.id == GradebookScore.course_id)
        .join(Deployment, Deployment.id == Course.deployment_id)
        .join(Membership, Membership.id == GradebookScore.membership_id)
        .join(User, User.id == Membership.user_id)
        .where(Deployment.registration_id == registration_id)
        .where(_attention(GradebookScore, ScoreStatus.QUEUED))
        .order_by(GradebookScore.next_attempt_at, GradebookScore.id)
        .limit(OUTBOX_PAGE)
    ).all()
    return Outbox(
        figures=monitoring.outbox_health(registration_id),
        emails=list(emails),
        scores=[(score, course, user) for score, course, user in scores],
        lag_seconds=monitoring.worker_lag_seconds(registration_id),
    )


def email_of(registration_id: int, email_pk: int) -> OutboxEmail | None:
    """Return an outbox e-mail by id only when it belongs to the registration's courses."""
    return db.session.scalar(
        select(OutboxEmail)
        .join(Notification, Notification.id == OutboxEmail.notification_id)
        .join(Course, Course.id == Notification.course_id)
        .join(Deployment, Deployment.id == Course.deployment_id)
        .where(OutboxEmail.id == email_pk, Deployment.registration_id == registration_id)
    )


def score_of(registration_id: int, score_pk: int) -> GradebookScore | None:
    """Return a gradebook score by id only when it belongs to the registration's courses."""
    return db.session.scalar(
        select(GradebookScore)
        .join(Course, Course.id == GradebookScore.course_id)
        .join(Deployment, Deployment.id == Course.deployment_id)
        .where(GradebookScore.id == score_pk, Deployment.registration_id == registration_id)
    )


#: Due work waiting longer than this means the job runner is not keeping up (or not running).
LATE_AFTER_SECONDS = 300


@dataclass
class RunnerStatus:
    """The job runner as the console shows it."""

    last_run_at: datetime | None
    lag_seconds: int | None

    @property
    def is_late(self) -> bool:
        """Whether due work has waited longer than it should."""
        return self.lag_seconds is not None and self.lag_seconds > LATE_AFTER_SECONDS


def runner_status(registration_id: int) -> RunnerStatus:
    """Return when the job runner last ran and how long the platform's oldest due item waits."""
    oldest = monitoring.oldest_due(registration_id)
    lag = int(monitoring.worker_lag_seconds(registration_id)) if oldest is not None else None
    return RunnerStatus(last_run_at=monitoring.last_run_at(), lag_seconds=lag)
