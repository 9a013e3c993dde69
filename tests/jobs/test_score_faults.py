"""Scores with a platform that times out, over real HTTP (issue 8, acceptance 3).

The failing platform costs one timeout per back-off period (a circuit breaker per platform),
its other scores are skipped uncharged until the back-off passes, and after recovery each
score is posted exactly once.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from lti_tool.admin import queries as admin_queries
from lti_tool.extensions import db
from lti_tool.gradebook import operations as gradebook
from lti_tool.gradebook.models import GradebookScore, ScoreStatus
from lti_tool.http import EXTENSION_KEY
from lti_tool.models_base import utcnow
from lti_tool.outbox import DeliveryBackoff, RetryPolicy, retry_now
from lti_tool.people.models import Membership, User
from lti_tool.platforms.claims import Scope
from lti_tool.platforms.models import Registration, ResourceLink
from tests.support import openedx
from tests.support.serving import serving

TIMEOUT = 0.5
LEARNERS = ("lena", "luca", "mara", "nico", "olga", "pia")


class SlowPlatform:
    """WSGI wrapper: counts requests and, while ``slow``, answers after the tool's timeout."""

    def __init__(self, app) -> None:
        self.app = app
        self.slow = False
        self.requests = 0

    def __call__(self, environ, start_response):
        self.requests += 1
        if self.slow:
            time.sleep(TIMEOUT * 3)
        return self.app(environ, start_response)


@pytest.fixture
def platform(app, openedx_consumer, openedx_state):
    wrapped = SlowPlatform(openedx.make_platform_app(openedx_consumer, openedx_state))
    http = app.extensions[EXTENSION_KEY]
    before = http.timeout
    http.timeout = TIMEOUT
    with serving(wrapped) as wrapped.url:
        yield wrapped
    http.timeout = before


@pytest.fixture
def queued(admin, launch_as, openedx_state, platform):
    """One completion score per learner, queued for a line item on the HTTP platform."""
    browsers = [launch_as(name) for name in LEARNERS]
    registration = db.session.scalar(select(Registration).filter_by(issuer=openedx.ISSUER))
    registration.auth_token_url = platform.url + "/api/lti_consumer/v1/token/1"
    openedx_state.add_line_item(label="Reflection", scoreMaximum=100, resourceId="reflection")
    db.session.add(
        ResourceLink(
            course_id=browsers[0].course_id,
            resource_link_id="reflection-link",
            activity="reflection",
            lineitem_url=platform.url + "/api/lti_consumer/v1/lti/1/lti-ags/1",
            ags_scopes=[Scope.SCORE, Scope.LINEITEM_READONLY],
        )
    )
    db.session.flush()
    for member in db.session.scalars(
        select(Membership).join(User).where(User.subject.in_(LEARNERS))
    ):
        gradebook.queue_completion_scores(member, "reflection")
    db.session.commit()
    return registration.id


def _scores() -> list[GradebookScore]:
    db.session.expire_all()
    return list(db.session.scalars(select(GradebookScore).order_by(GradebookScore.id)))


def test_a_platform_that_times_out_is_backed_off_and_each_score_posts_once(
    app, platform, queued, openedx_state
):
    start = utcnow() + timedelta(seconds=1)
    platform.slow = True
    platform.requests = 0

    report = gradebook.deliver_due_scores(start)

    # One timeout paid (the token request), not one per score: the others are skipped.
    assert platform.requests == 1
    assert (report.posted, report.failed) == (0, 1)
    scores = _scores()
    charged = [score for score in scores if score.attempts]
    assert len(charged) == 1 and charged[0].last_problem == "unavailable"
    backoff = db.session.get(DeliveryBackoff, f"platform:{queued}")
    assert backoff.failures == 1 and backoff.until == start + timedelta(minutes=1)
    assert {score.next_attempt_at for score in scores} == {start + timedelta(minutes=1)}
    assert {score.claimed_by for score in scores} == {None}

    # Until its back-off passes the platform is not called at all.
    assert gradebook.deliver_due_scores(start + timedelta(seconds=59)).failed == 0
    assert platform.requests == 1

    # One probe when it passes; still down: the back-off doubles.
    report = gradebook.deliver_due_scores(start + timedelta(minutes=1))
    assert (report.posted, report.failed, platform.requests) == (0, 1, 2)
    db.session.expire_all()
    assert db.session.get(DeliveryBackoff, f"platform:{queued}").until == start + timedelta(
        minutes=3
    )

    # The platform recovers: every score goes out, exactly once.
    platform.slow = False
    report = gradebook.deliver_due_scores(start + timedelta(minutes=3))
    assert (report.posted, report.failed) == (len(LEARNERS), 0)
    assert gradebook.deliver_due_scores(start + timedelta(days=1)).posted == 0
    posted = sorted(score["score"]["userId"] for score in openedx_state.scores)
    assert posted == sorted(LEARNERS)
    assert {score.status for score in _scores()} == {ScoreStatus.POSTED}
    assert db.session.get(DeliveryBackoff, f"platform:{queued}") is None  # closed again


def test_a_run_stops_taking_scores_at_its_bound_and_leaves_the_rest_uncharged(
    app, platform, queued, openedx_state
):
    app.config.update(OUTBOX_RUN_SECONDS=TIMEOUT / 2, OUTBOX_BATCH_SIZE=2)
    start = utcnow() + timedelta(seconds=1)
    platform.slow = True
    platform.requests = 0

    gradebook.deliver_due_scores(start)

    # The first batch's first score paid the timeout; the bound passed; no further batch.
    assert platform.requests == 1
    scores = _scores()
    assert sum(1 for score in scores if score.attempts) == 1
    assert {score.claimed_by for score in scores} == {None}  # nothing is left claimed
    # The second of the batch was given back untried, the others never claimed: all due at once.
    due = [score for score in scores if score.next_attempt_at <= start]
    assert len(due) == len(LEARNERS) - 1 and not any(score.attempts for score in due)


def test_a_run_never_outlasts_half_its_claim():
    policy = RetryPolicy.from_config({"OUTBOX_RUN_SECONDS": 10_000, "OUTBOX_CLAIM_SECONDS": 600})
    assert policy.run_seconds == 300


def test_a_score_failed_for_good_is_posted_once_when_an_admin_retries_it(
    app, platform, queued, openedx_state
):
    app.config.update(OUTBOX_MAX_ATTEMPTS=2)
    openedx_state.score_failure_status = 500
    start = utcnow() + timedelta(seconds=1)
    gradebook.deliver_due_scores(start)
    gradebook.deliver_due_scores(start + timedelta(minutes=1))  # after the back-off
    scores = _scores()
    [failed] = [score for score in scores if score.status == ScoreStatus.FAILED]
    assert (failed.attempts, failed.last_status) == (2, 500)  # the cap: failed, kept, visible
    listed = [score.id for score, _, _ in admin_queries.outbox(queued).scores]
    assert failed.id in listed

    openedx_state.score_failure_status = None  # the platform recovers
    retry_now(failed, start + timedelta(minutes=2))
    db.session.commit()
    report = gradebook.deliver_due_scores(start + timedelta(minutes=2))
    assert report.failed == 0 and report.posted >= 1
    for days in (1, 2):
        gradebook.deliver_due_scores(start + timedelta(days=days))
    posted = [score["score"]["userId"] for score in openedx_state.scores]
    assert sorted(posted) == sorted(LEARNERS)  # each exactly once, the retried one included
    assert {score.status for score in _scores()} == {ScoreStatus.POSTED}
