"""Completion scores for the LMS gradebook (§6 AGS): queued with the completion, posted later.

Completing a gradable activity (reflection, evaluation) writes one :class:`GradebookScore` per
placement of that activity with a line item, in the same transaction as the completion. The job
runner (``jobs run-due``) posts them through :mod:`lti_tool.lti.services`.

Delivery goes through the one outbox mechanism (``lti_tool.outbox``): scores are claimed in
batches with one statement, each posted on its own, and the batch committed. Two runners never
post the same score; a runner that dies mid-batch leaves claims that lapse, and those scores are
posted again later. A repeated post is harmless: the platform keeps the latest score of a line
item per person, and it is the same full mark.

A platform that times out or answers 5xx opens its circuit breaker (:class:`PlatformBackoff`):
its other scores are put off until the breaker's back-off passes, so a platform that is down
costs one timeout per back-off period, not one per queued score, and never holds back the
others. The first score posted after the back-off closes the breaker again.

Every failure stays in the outbox with its problem, HTTP status and the platform's message (staff
see them) and is retried with the outbox's back-off, including the ones that need a person to act
(service not enabled, credentials): once the LMS admin has acted, the next retry gets through.
After ``outbox_max_attempts`` the score is marked failed (visible, never dropped). A score the
platform calls stale (409) is retried with a newer timestamp.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..config import DEFAULTS
from ..extensions import db
from ..lti.activities import ACTIVITIES
from ..lti.claims import Scope
from ..lti.models import Deployment, ResourceLink
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
from ..outbox import Outbox, RetryPolicy, register
from ..outbox import retry_delay as outbox_retry_delay
from ..people.models import Course, Membership
from .models import GradebookScore, PlatformBackoff, ScoreStatus

#: Score a completion earns (the line items deep linking creates have this maximum).
FULL_MARKS = 100.0
#: Tag of the line items the tool creates for completion scores.
COMPLETION_TAG = "completion"
#: The outbox's defaults (the configuration decides; see ``lti_tool.outbox.RetryPolicy``).
RETRY_MAX_SECONDS = int(DEFAULTS["OUTBOX_RETRY_MAX_SECONDS"])
CLAIM_SECONDS = int(DEFAULTS["OUTBOX_CLAIM_SECONDS"])

OUTBOX = register(
    Outbox(
        model=GradebookScore,
        queued=ScoreStatus.QUEUED,
        done=ScoreStatus.POSTED,
        failed=ScoreStatus.FAILED,
        done_at="posted_at",
    )
)


@dataclass
class ScoreReport:
    """What one delivery run did."""

    posted: int = 0
    failed: int = 0
    #: Scores put off because their platform's circuit breaker is open.
    deferred: int = 0


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
    """Return the wait after the given number of failed attempts (the one outbox policy)."""
    return outbox_retry_delay(attempts)


def deliver_due_scores(
    now: datetime | None = None, limit: int | None = None, *, deadline: float | None = None
) -> ScoreReport:
    """Post the due scores batch by batch until none is due or the run's time is up."""
    now = now or utcnow()
    policy = RetryPolicy.from_config()
    deadline = deadline if deadline is not None else time.monotonic() + policy.run_seconds
    report = ScoreReport()
    try:
        while limit is None or report.posted + report.failed < limit:
            size = policy.batch_size if limit is None else min(policy.batch_size, limit)
            token = OUTBOX.new_token()
            batch = OUTBOX.claim_batch(now, token, limit=size, policy=policy)
            db.session.commit()
            if not batch:
                break
            stop = _deliver_batch(batch, token, now, policy, deadline, report)
            db.session.commit()
            if stop or len(batch) < size:
                break
    except BaseException:
        db.session.rollback()
        raise
    return report


def _deliver_batch(
    batch: list[GradebookScore],
    token: str,
    now: datetime,
    policy: RetryPolicy,
    deadline: float,
    report: ScoreReport,
) -> bool:
    """Post each claimed score on its own, skipping platforms that are backing off."""
    links = {
        link.id: link
        for link in db.session.scalars(
            select(ResourceLink)
            .where(ResourceLink.id.in_({score.resource_link_id for score in batch}))
            .options(
                joinedload(ResourceLink.course)
                .joinedload(Course.deployment)
                .joinedload(Deployment.registration)
            )
        )
    }
    breakers = {
        breaker.registration_id: breaker
        for breaker in db.session.scalars(
            select(PlatformBackoff).where(
                PlatformBackoff.registration_id.in_(
                    {link.course.deployment.registration_id for link in links.values()}
                )
            )
        )
    }
    posted: list[GradebookScore] = []
    for position, score in enumerate(batch):
        if time.monotonic() >= deadline:
            OUTBOX.release(batch[position:], token, now)  # the next run takes them at once
            report.posted += OUTBOX.mark_done(posted, token, now)
            return True
        link = links[score.resource_link_id]
        registration = link.course.deployment.registration
        breaker = breakers.get(registration.id)
        if breaker is not None and breaker.open_until > now:
            OUTBOX.release([score], token, breaker.open_until)
            report.deferred += 1
            continue
        known_lineitem = score.lineitem_url
        try:
            lineitem_url = _post(score, link)
        except ServiceError as error:
            _record_failure(score, error, now, token, policy)
            report.failed += 1
            if error.is_retryable:
                breakers[registration.id] = _open_breaker(registration.id, breaker, error, now)
            continue
        if lineitem_url != known_lineitem:
            db.session.execute(
                update(GradebookScore)
                .where(GradebookScore.id == score.id)
                .values(lineitem_url=lineitem_url)
            )
        if breaker is not None:
            db.session.delete(breaker)  # the platform answers again: close the breaker
            del breakers[registration.id]
        posted.append(score)
    report.posted += OUTBOX.mark_done(posted, token, now)
    return False


def _open_breaker(
    registration_id: int, breaker: PlatformBackoff | None, error: ServiceError, now: datetime
) -> PlatformBackoff:
    """Open (or keep open, longer) a platform's breaker and put off its queued scores."""
    if breaker is None:
        breaker = PlatformBackoff(registration_id=registration_id, failures=0)
        db.session.add(breaker)
    breaker.failures += 1
    breaker.open_until = now + outbox_retry_delay(breaker.failures)
    breaker.last_error = str(error)[:2000]
    db.session.flush()
    courses = (
        select(Course.id)
        .join(Deployment, Course.deployment_id == Deployment.id)
        .where(Deployment.registration_id == registration_id)
    )
    db.session.execute(
        update(GradebookScore)
        .where(
            GradebookScore.status == ScoreStatus.QUEUED,
            GradebookScore.claim_token.is_(None),
            GradebookScore.next_attempt_at < breaker.open_until,
            GradebookScore.course_id.in_(courses),
        )
        .values(next_attempt_at=breaker.open_until)
        .execution_options(synchronize_session=False)
    )
    current_app.logger.warning(
        "Platform of registration %s backing off until %s: %s",
        registration_id,
        breaker.open_until,
        error,
    )
    return breaker


def claim(score_id: int, now: datetime) -> GradebookScore | None:
    """Take one score for a run (compare-and-set), committed; None when someone else has it."""
    score = OUTBOX.claim_one(score_id, now, OUTBOX.new_token(), RetryPolicy.from_config())
    db.session.commit()
    return score


def _post(score: GradebookScore, link: ResourceLink) -> str:
    """Find the line item if needed and post the score to it; return the line item's URL.

    Raise ServiceError on failure.
    """
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
    return lineitem_url


def _record_failure(
    score: GradebookScore, error: ServiceError, now: datetime, token: str, policy: RetryPolicy
) -> None:
    """Charge the attempt: the problem, HTTP status and the platform's words, then back off."""
    attempts = score.attempts + 1
    retry_at = now + outbox_retry_delay(attempts, policy)
    values: dict[str, Any] = {
        "last_attempt_at": now,
        "last_problem": str(error.problem),
        "last_status": error.status,
        "next_attempt_at": retry_at,
        "lineitem_url": score.lineitem_url,
    }
    if error.problem is Problem.STALE_TIMESTAMP:
        # The platform holds a score at least as recent: the retry carries the retry's moment.
        values["scored_at"] = retry_at
    current_app.logger.warning("Score %s not posted: %s", score.id, error)
    OUTBOX.record_failure(score, error.detail or str(error), now, token, policy, **values)
