"""Read-side of operations: outbox figures and worker lag, for the whole tool or one platform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select

from ..extensions import db
from ..gradebook.models import GradebookScore, ScoreStatus
from ..models_base import utcnow
from ..notifications.models import EmailStatus, Notification, OutboxEmail
from ..people.models import Course
from ..platforms.models import Deployment
from . import heartbeat


@dataclass
class OutboxFigures:
    """How many items of one kind wait, wait after a failure, and will not be retried."""

    queued: int = 0
    failing: int = 0
    failed: int = 0


def _failed_statuses(enum_class: Any) -> list[Any]:
    """The statuses that end retrying without delivery (named so by the delivery code)."""
    return [member for member in enum_class if member.value in {"failed", "given_up"}]


def _email_scope(statement: Select[Any], registration_id: int | None) -> Select[Any]:
    if registration_id is None:
        return statement
    return (
        statement.join(Notification, Notification.id == OutboxEmail.notification_id)
        .join(Course, Course.id == Notification.course_id)
        .join(Deployment, Deployment.id == Course.deployment_id)
        .where(Deployment.registration_id == registration_id)
    )


def _score_scope(statement: Select[Any], registration_id: int | None) -> Select[Any]:
    if registration_id is None:
        return statement
    return (
        statement.join(Course, Course.id == GradebookScore.course_id)
        .join(Deployment, Deployment.id == Course.deployment_id)
        .where(Deployment.registration_id == registration_id)
    )


def _figures(model: Any, queued: Any, failed: list[Any], scope: Any, registration_id: int | None):
    tried = func.coalesce(func.sum(case((model.attempts > 0, 1), else_=0)), 0)
    rows = db.session.execute(
        scope(
            select(model.status, func.count(model.id), tried).group_by(model.status),
            registration_id,
        )
    )
    figures = OutboxFigures()
    for status, count, tried_count in rows:
        if status == queued:
            figures.queued += count
            figures.failing += int(tried_count)
        elif status in failed:
            figures.failed += count
    return figures


def outbox_health(registration_id: int | None = None) -> dict[str, OutboxFigures]:
    """Return the e-mail and score figures, of every platform or of one registration."""
    return {
        "email": _figures(
            OutboxEmail,
            EmailStatus.QUEUED,
            _failed_statuses(EmailStatus),
            _email_scope,
            registration_id,
        ),
        "score": _figures(
            GradebookScore,
            ScoreStatus.QUEUED,
            _failed_statuses(ScoreStatus),
            _score_scope,
            registration_id,
        ),
    }


def oldest_due(registration_id: int | None = None, now: datetime | None = None) -> datetime | None:
    """Return the due time of the oldest e-mail or score that is due and still waiting."""
    now = now or utcnow()
    email = db.session.scalar(
        _email_scope(
            select(func.min(OutboxEmail.next_attempt_at)).where(
                OutboxEmail.status == EmailStatus.QUEUED, OutboxEmail.next_attempt_at <= now
            ),
            registration_id,
        )
    )
    score = db.session.scalar(
        _score_scope(
            select(func.min(GradebookScore.next_attempt_at)).where(
                GradebookScore.status == ScoreStatus.QUEUED,
                GradebookScore.next_attempt_at <= now,
            ),
            registration_id,
        )
    )
    moments = [moment for moment in (email, score) if moment is not None]
    if not moments:
        return None
    return min(_aware(moment) for moment in moments)


def worker_lag_seconds(registration_id: int | None = None) -> float:
    """Seconds the oldest due item has waited (0 when nothing due waits)."""
    now = utcnow()
    oldest = oldest_due(registration_id, now)
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def last_run_at() -> datetime | None:
    """Return when the job runner last finished a run (``heartbeat.record_run``)."""
    return heartbeat.last_run_at()
