"""Completion scores for the LMS gradebook (§6 AGS): queued with the completion, posted later.

Completing a gradable activity (reflection, evaluation) writes one :class:`GradebookScore` per
placement of that activity with a line item, in the same transaction as the completion. The job
runner (``jobs run-due``) posts them through :mod:`lti_tool.lti.services`.

Delivery follows the e-mail outbox (``notifications/delivery.py``): each score is *claimed* with
an atomic compare-and-set UPDATE committed at once, then posted, then marked posted and
committed. Two runners never post the same score; a runner that dies mid-post leaves a claim
that lapses, and the score is posted again later. A repeated post is harmless: the platform keeps
the latest score of a line item per person, and it is the same full mark.

Every failure stays in the outbox with its problem, HTTP status and the platform's message (staff
see them) and is retried with exponential back-off, including the ones that need a person to act
(service not enabled, credentials): once the LMS admin has acted, the next retry gets through. A
score the platform calls stale (409) is retried with a newer timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..lti.activities import ACTIVITIES
from ..lti.claims import Scope
from ..lti.models import ResourceLink
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
from ..people.models import Membership
from .models import GradebookScore, ScoreStatus

#: Score a completion earns (the line items deep linking creates have this maximum).
FULL_MARKS = 100.0
#: Tag of the line items the tool creates for completion scores.
COMPLETION_TAG = "completion"
#: Back-off after failed attempts: 1, 2, 4 … minutes, at most six hours.
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 6 * 3600
#: How long a claim keeps other runners off a score being posted.
CLAIM_SECONDS = 600
#: Scores one run posts at most.
BATCH_SIZE = 200


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
    """Return the wait after the given number of failed attempts: 1, 2, 4 … minutes, capped."""
    exponent = min(max(attempts - 1, 0), 30)
    return timedelta(seconds=min(RETRY_BASE_SECONDS * 2**exponent, RETRY_MAX_SECONDS))


def deliver_due_scores(now: datetime | None = None, limit: int = BATCH_SIZE) -> ScoreReport:
    """Post the queued scores that are due; commit per score."""
    now = now or utcnow()
    report = ScoreReport()
    due_ids = list(
        db.session.scalars(
            select(GradebookScore.id)
            .where(
                GradebookScore.status == ScoreStatus.QUEUED,
                GradebookScore.next_attempt_at <= now,
            )
            .order_by(GradebookScore.next_attempt_at, GradebookScore.id)
            .limit(limit)
        )
    )
    db.session.commit()  # end the read transaction: claims below each commit on their own
    for score_id in due_ids:
        score = claim(score_id, now)
        if score is None:
            continue  # another runner has it, or it is no longer due
        try:
            _post(score)
        except ServiceError as error:
            _record_failure(score, error, now)
            report.failed += 1
            continue
        score.status = ScoreStatus.POSTED
        score.posted_at = now
        score.last_attempt_at = now
        score.attempts += 1
        score.last_problem = score.last_error = None
        score.last_status = None
        db.session.commit()
        report.posted += 1
    return report


def claim(score_id: int, now: datetime) -> GradebookScore | None:
    """Take a score for this run with one atomic UPDATE; None when someone else has it."""
    result = db.session.execute(
        update(GradebookScore)
        .where(
            GradebookScore.id == score_id,
            GradebookScore.status == ScoreStatus.QUEUED,
            GradebookScore.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(GradebookScore, score_id, populate_existing=True)


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


def _record_failure(score: GradebookScore, error: ServiceError, now: datetime) -> None:
    """Keep the score queued, note why and when to try again, and commit."""
    score.attempts += 1
    score.last_attempt_at = now
    score.last_problem = str(error.problem)
    score.last_status = error.status
    score.last_error = (error.detail or str(error))[:2000]
    score.next_attempt_at = now + retry_delay(score.attempts)
    if error.problem is Problem.STALE_TIMESTAMP:
        # The platform holds a score at least as recent: the retry carries the retry's moment.
        score.scored_at = score.next_attempt_at
    current_app.logger.warning("Score %s not posted: %s", score.id, error)
    db.session.commit()
