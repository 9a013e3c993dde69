"""Completion scores for the LMS gradebook (§6 AGS): queued with the completion, posted later.

Completing a gradable activity (reflection, evaluation) writes one :class:`GradebookScore` per
placement of that activity with a line item, in the same transaction as the completion. The job
runner (``jobs run-due``) posts them through :mod:`lti_tool.lti.services`.

Delivery uses the tool's one outbox mechanism (``lti_tool.outbox``), as e-mails do: a batch is
claimed in one statement, each score posted on its own, the outcomes committed per batch. Two
runners never post the same score; a runner that dies mid-post leaves a claim that lapses, and
the score is posted again later. A repeated post is harmless: the platform keeps the latest
score of a line item per person, and it is the same full mark. A platform that is down (timeout,
connection error, 5xx) pays one timeout per back-off period: its other scores are skipped,
uncharged, until its back-off passes (a circuit breaker per registration), and a run stops taking
scores after ``outbox_run_seconds`` (at most half the claim time), so it never outlasts its
claims.

Every failure stays in the outbox with its problem, HTTP status and the platform's message (staff
see them) and is retried with exponential back-off, including the ones that need a person to act
(service not enabled, credentials): once the LMS admin has acted, the next retry gets through.
After ``outbox_max_attempts`` the score turns failed, still listed, until an admin retries it. A
score the platform calls stale (409) is retried with a newer timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..lti.activities import ACTIVITIES
from ..lti.services import (
    ActivityProgress,
    GradingProgress,
    Problem,
    ServiceClient,
    ServiceError,
    can_create_line_items,
    find_or_create_line_item,
    post_score,
)
from ..models_base import utcnow
from ..outbox import Breakers, Deadline, Outbox, RetryPolicy, retry_policy, run_batches
from ..people.models import Membership
from ..platforms.claims import Scope
from ..platforms.models import ResourceLink
from .models import GradebookScore, ScoreStatus

#: Score a completion earns (the line items deep linking creates have this maximum).
FULL_MARKS = 100.0
#: Tag of the line items the tool creates for completion scores.
COMPLETION_TAG = "completion"
#: How long a claim keeps other runners off a score being posted (``outbox_claim_seconds``).
CLAIM_SECONDS = RetryPolicy.claim_seconds

SCORES: Outbox[GradebookScore] = Outbox(
    GradebookScore,
    queued=ScoreStatus.QUEUED,
    failed=ScoreStatus.FAILED,
    done=lambda now: {
        "posted_at": now,
        "last_attempt_at": now,
        "last_problem": None,
        "last_status": None,
    },
    backoff_key=lambda score: _platform_key(score),
)


@dataclass
class ScoreReport:
    """What one delivery run did."""

    posted: int = 0
    failed: int = 0


def is_gradable_placement(link: ResourceLink) -> bool:
    """Tell whether scores can go to this placement: a line item, or the right to create one."""
    scopes = link.ags_scopes or []
    if Scope.SCORE not in scopes:
        return False
    if link.lineitem_url:
        return True
    # Read-only line items (Open edX declarative grading) without a lineitem: nowhere to post.
    return bool(link.lineitems_url) and can_create_line_items(scopes)


def queue_completion_scores(
    member: Membership, activity: str, completed_at: datetime | None = None
) -> list[GradebookScore]:
    """Queue full marks for every placement of ``activity`` with a line item in the course.

    A score still waiting for the same placement and person is brought up to date instead of
    queued twice. Placements without a line item are left alone: the activity works ungraded.
    """
    if not ACTIVITIES[activity].is_gradable:
        raise ValueError(f"{activity} is not gradable")
    moment = completed_at or utcnow()
    links = db.session.scalars(
        select(ResourceLink)
        .filter_by(course_id=member.course_id, activity=activity)
        .order_by(ResourceLink.id)
    )
    queued: list[GradebookScore] = []
    for link in links:
        if not is_gradable_placement(link):
            continue
        score = db.session.scalar(
            select(GradebookScore).filter_by(
                resource_link_id=link.id, membership_id=member.id, status=ScoreStatus.QUEUED
            )
        )
        if score is None:
            score = GradebookScore(
                course_id=member.course_id,
                resource_link_id=link.id,
                membership_id=member.id,
                activity=activity,
                user_subject=member.user.subject,
                score_given=FULL_MARKS,
                score_maximum=FULL_MARKS,
                activity_progress=str(ActivityProgress.COMPLETED),
                grading_progress=str(GradingProgress.FULLY_GRADED),
                attempts=0,
                next_attempt_at=moment,
            )
            db.session.add(score)
        score.scored_at = max(moment, score.scored_at) if score.scored_at else moment
        queued.append(score)
    db.session.flush()
    return queued


def retry_delay(attempts: int) -> timedelta:
    """Return the wait after the given number of failed attempts (the outbox retry policy)."""
    return retry_policy().delay(attempts)


def deliver_due_scores(now: datetime | None = None, limit: int | None = None) -> ScoreReport:
    """Post the queued scores that are due, batch by batch, within the run's time bound."""
    now = now or utcnow()
    report = ScoreReport()
    breakers = Breakers(retry_policy())

    def handle(
        batch: list[GradebookScore], token: str, policy: RetryPolicy, deadline: Deadline
    ) -> bool:
        posted: list[GradebookScore] = []
        failures: list[tuple[GradebookScore, dict[str, Any]]] = []
        skipped: dict[datetime, list[GradebookScore]] = {}
        keys = {score.id: _platform_key(score) for score in batch}
        breakers.load(keys.values())
        go_on = True
        for position, score in enumerate(batch):
            if deadline.passed():
                skipped.setdefault(now, []).extend(batch[position:])
                go_on = False
                break
            until = breakers.open_until(keys[score.id], now)
            if until is not None:  # its platform is backing off: not tried, not charged
                skipped.setdefault(until, []).append(score)
                continue
            try:
                _post(score)
            except ServiceError as error:
                failures.append((score, _failure_values(score, error, now, policy)))
                current_app.logger.warning("Score %s not posted: %s", score.id, error)
                if error.is_retryable:
                    breakers.failed(keys[score.id], now, str(error))
                continue
            breakers.succeeded(keys[score.id])
            posted.append(score)
        db.session.flush()  # line items found or created on the way
        report.posted += SCORES.mark_done(posted, token, now)
        SCORES.record_failures(failures, token)
        for until, scores in skipped.items():
            SCORES.release(scores, token, until)
        report.failed += len(failures)
        return go_on

    run_batches(SCORES, now, handle, limit=limit)
    return report


def claim(score_id: int, now: datetime) -> GradebookScore | None:
    """Take one score for this run with one atomic UPDATE; None when someone else has it."""
    return SCORES.claim_one(score_id, now)


def _platform_key(score: GradebookScore) -> str:
    """The back-off key of the score's platform (one circuit breaker per registration)."""
    return f"platform:{score.link.course.deployment.registration_id}"


def _failure_values(
    score: GradebookScore, error: ServiceError, now: datetime, policy: RetryPolicy
) -> dict[str, Any]:
    """The columns of a failed post: the outbox's, plus the platform's problem and status."""
    values = SCORES.failure_values(score, error.detail or str(error), now, policy)
    values.update(
        last_attempt_at=now,
        last_problem=str(error.problem),
        last_status=error.status,
        # The platform holds a score at least as recent: the retry carries the retry's moment.
        scored_at=(
            values["next_attempt_at"]
            if error.problem is Problem.STALE_TIMESTAMP
            else score.scored_at
        ),
    )
    return values


def _post(score: GradebookScore) -> None:
    """Find the line item if needed and post the score to it; raise ServiceError on failure."""
    link = score.link
    registration = link.course.deployment.registration
    client = ServiceClient.for_registration(registration)
    scopes = list(link.ags_scopes or [])
    lineitem_url = score.lineitem_url or link.lineitem_url
    if not lineitem_url:
        if not link.lineitems_url:
            raise ServiceError(Problem.NOT_GRANTED, detail="the launch sent no line items URL")
        item = find_or_create_line_item(
            client,
            link.lineitems_url,
            scopes=scopes,
            resource_link_id=link.resource_link_id,
            resource_id=score.activity,
            tag=COMPLETION_TAG,
            label=link.title or str(ACTIVITIES[score.activity].title),
            score_maximum=score.score_maximum,
        )
        lineitem_url = item["id"]
    score.lineitem_url = lineitem_url
    post_score(
        client,
        lineitem_url,
        user_id=score.user_subject,
        score_given=score.score_given,
        score_maximum=score.score_maximum,
        activity_progress=score.activity_progress,
        grading_progress=score.grading_progress,
        timestamp=score.scored_at,
        scopes=scopes,
    )
