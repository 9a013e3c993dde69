"""Completion scores reach Open edX's gradebook through the outbox, and are never lost.

The score endpoint is guarded by Open edX's own ``access_token`` / ``check_token``
(tests/support/openedx.py); its failures are switched on with ``PlatformState``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.dateparse import parse_datetime
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.gradebook import operations as gradebook
from lti_tool.gradebook.models import GradebookScore, ScoreStatus
from lti_tool.lti.services import SCORE_MEDIA_TYPE
from lti_tool.mentoring.models import MentorshipStatus
from lti_tool.models_base import utcnow
from lti_tool.outbox import RetryPolicy
from tests.conftest import count_rows
from tests.mentoring.factories import EVALUATION, conclude
from tests.support import openedx

from .conftest import (
    EVALUATION_LINK,
    REFLECTION_LINK,
    complete,
    declarative_line_item,
    open_activity,
    page_text,
)


def _run(runner, moment: datetime) -> dict[str, str]:
    result = runner.invoke(args=["jobs", "run-due", "--now", moment.isoformat()])
    assert result.exit_code == 0, result.output
    return dict(line.split(": ") for line in result.output.strip().splitlines())


def _score_posts(transport) -> list:
    return [call for call in transport.calls if (call.url or "").endswith("/scores")]


def _line_item_creations(transport) -> list:
    return [
        call
        for call in transport.calls
        if call.method == "POST" and (call.url or "").endswith("/lti-ags")
    ]


def test_completing_the_reflection_posts_a_valid_score_to_the_given_line_item(
    people, launch, runner, openedx_state, openedx_platform
):
    ags = declarative_line_item(openedx_state, REFLECTION_LINK)
    page = open_activity(people.mentee, launch, "mentee", name="Luca Learner", ags=ags)
    assert "Reflection: reaching mentees online" in page_text(page)
    before = utcnow().replace(microsecond=0)

    complete(people.mentee)

    assert openedx_state.scores == []  # queued with the completion, posted by the job runner
    assert count_rows(GradebookScore)["gradebook_score"] == 1
    assert _run(runner, utcnow() + timedelta(seconds=1))["scores_posted"] == "1"
    [posted] = openedx_state.scores
    assert (
        posted["line_item"]
        == ags["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"]
    )
    assert posted["content_type"] == SCORE_MEDIA_TYPE
    score = posted["score"]
    assert set(score) == {
        "userId",
        "timestamp",
        "activityProgress",
        "gradingProgress",
        "scoreGiven",
        "scoreMaximum",
    }
    assert score["userId"] == "mentee"
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    assert score["scoreGiven"] == score["scoreMaximum"] == 100
    moment = parse_datetime(score["timestamp"])
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
    assert before <= moment <= utcnow()
    assert score["timestamp"] == moment.isoformat()  # ISO 8601, whole seconds
    # Read-only line items (declarative grading): the tool never tries to create one.
    assert _line_item_creations(openedx_platform) == []
    assert _run(runner, utcnow() + timedelta(hours=1))["scores_posted"] == "0"
    assert len(openedx_state.scores) == 1


def test_with_programmatic_grading_the_line_item_is_found_or_created(
    people, launch, runner, openedx_state, openedx_platform
):
    ags = openedx.ags_claim(programmatic=True)
    open_activity(people.mentee, launch, "mentee", name="Luca Learner", ags=ags)
    open_activity(people.other, launch, "other", name="Olga Other", ags=ags)
    complete(people.mentee)
    complete(people.other)

    assert _run(runner, utcnow() + timedelta(seconds=1))["scores_posted"] == "2"

    [item] = openedx_state.line_items  # created once, found the second time
    assert item["resourceLinkId"] == REFLECTION_LINK
    assert item["resourceId"] == "reflection"
    assert item["scoreMaximum"] == 100
    assert len(_line_item_creations(openedx_platform)) == 1
    assert {entry["score"]["userId"] for entry in openedx_state.scores} == {"mentee", "other"}
    assert {entry["line_item"] for entry in openedx_state.scores} == {item["id"]}


def test_a_placement_without_line_item_works_ungraded(people, launch, runner, openedx_state):
    page = open_activity(people.mentee, launch, "mentee", name="Luca Learner")
    assert page.status_code == 200

    complete(people.mentee)

    assert "2 of 2 questions answered" in page_text(people.mentee.get("/reflection/"))
    assert count_rows(GradebookScore)["gradebook_score"] == 0
    assert _run(runner, utcnow() + timedelta(seconds=1))["scores_posted"] == "0"


def test_read_only_scope_without_line_item_creates_nothing(
    people, launch, runner, openedx_state, openedx_platform
):
    ags = openedx.ags_claim(programmatic=False)  # declarative, but no line item in the launch
    open_activity(people.mentee, launch, "mentee", name="Luca Learner", ags=ags)

    complete(people.mentee)
    _run(runner, utcnow() + timedelta(seconds=1))

    assert count_rows(GradebookScore)["gradebook_score"] == 0
    assert _line_item_creations(openedx_platform) == []
    assert openedx_state.line_items == []


def test_a_failing_endpoint_keeps_the_score_staff_see_why_and_it_goes_out_exactly_once(
    people, launch, runner, openedx_state, openedx_platform
):
    ags = declarative_line_item(openedx_state, REFLECTION_LINK)
    open_activity(people.mentee, launch, "mentee", name="Luca Learner", ags=ags)
    complete(people.mentee)
    start = utcnow() + timedelta(minutes=1)
    score = db.session.scalar(select(GradebookScore))
    completed_at = score.scored_at

    # 1. The platform is down.
    openedx_state.score_failure_status = 500
    counts = _run(runner, start)
    assert (counts["scores_posted"], counts["scores_failed"]) == ("0", "1")
    waiting = page_text(people.staff.get("/reflection/scores"))
    assert "Luca Learner" in waiting
    assert "The platform is unavailable; retry later." in waiting
    assert "500" in waiting
    assert "1 completion score is waiting for the gradebook." in page_text(
        people.staff.get("/reflection/")
    )
    # Back-off: a run before the retry time does not try again.
    assert _run(runner, start + timedelta(seconds=30))["scores_failed"] == "0"

    # 2. The LMS admin has not enabled grades for the tool: 401.
    openedx_state.score_failure_status = None
    openedx_state.disabled_services = {"ags"}
    openedx_state.disabled_status = 401
    assert _run(runner, start + timedelta(minutes=2))["scores_failed"] == "1"
    waiting = page_text(people.staff.get("/reflection/scores"))
    assert "The LMS admin has not enabled this service" in waiting
    assert "401 Service not enabled." in waiting

    # 3. A stale timestamp: 409.
    openedx_state.disabled_services = set()
    openedx_state.score_failure_status = 409
    assert _run(runner, start + timedelta(minutes=10))["scores_failed"] == "1"
    waiting = page_text(people.staff.get("/reflection/scores"))
    assert "Stale timestamp" in waiting
    assert "Score timestamp can only be updated to a later point in time" in waiting
    assert openedx_state.scores == []
    db.session.expire_all()
    assert db.session.get(GradebookScore, score.id).attempts == 3

    # 4. The endpoint recovers: the score goes out, once.
    openedx_state.score_failure_status = None
    assert _run(runner, start + timedelta(minutes=30))["scores_posted"] == "1"
    assert _run(runner, start + timedelta(hours=2))["scores_posted"] == "0"
    assert _run(runner, start + timedelta(days=2))["scores_posted"] == "0"
    [posted] = openedx_state.scores
    assert posted["score"]["userId"] == "mentee"
    # Retried after the 409 with a newer timestamp than the one the platform called stale.
    assert parse_datetime(posted["score"]["timestamp"]) > completed_at
    db.session.expire_all()
    delivered = db.session.get(GradebookScore, score.id)
    assert delivered.status == ScoreStatus.POSTED and delivered.attempts == 4
    assert "No score is waiting" in page_text(people.staff.get("/reflection/scores"))
    assert len(_score_posts(openedx_platform)) == 5  # 500, 401 twice (fresh token), 409, 201


def test_two_runners_never_post_the_same_score(people, launch, openedx_state):
    ags = declarative_line_item(openedx_state, REFLECTION_LINK)
    open_activity(people.mentee, launch, "mentee", name="Luca Learner", ags=ags)
    complete(people.mentee)
    score = db.session.scalar(select(GradebookScore))
    now = utcnow() + timedelta(seconds=1)

    assert gradebook.claim(score.id, now) is not None
    assert gradebook.claim(score.id, now) is None  # the other runner finds it taken
    report = gradebook.deliver_due_scores(now)
    assert (report.posted, report.failed) == (0, 0)
    assert openedx_state.scores == []
    # A claim that lapses (the runner died) lets the score go out later.
    later = now + timedelta(seconds=gradebook.CLAIM_SECONDS + 1)
    assert gradebook.deliver_due_scores(later).posted == 1
    assert gradebook.deliver_due_scores(later).posted == 0
    assert len(openedx_state.scores) == 1


def test_completing_the_evaluation_posts_its_score_through_the_same_outbox(
    people, launch, runner, openedx_state
):
    ags = declarative_line_item(openedx_state, EVALUATION_LINK)
    open_activity(
        people.mentee, launch, "mentee", name="Luca Learner", activity="evaluation", ags=ags
    )
    conclude(people.mentorship)
    db.session.commit()
    assert people.mentorship.status == MentorshipStatus.CONCLUDED

    sent = people.mentee.post(
        f"/mentorships/{people.mentorship.id}/evaluation",
        {**EVALUATION, "would_recommend": "yes"},
    )

    assert sent.status_code == 302, sent.get_data(as_text=True)
    [queued] = db.session.scalars(select(GradebookScore)).all()
    assert queued.activity == "evaluation"
    assert _run(runner, utcnow() + timedelta(seconds=1))["scores_posted"] == "1"
    [posted] = openedx_state.scores
    assert posted["line_item"] == openedx_state.line_items[0]["id"]
    assert posted["score"]["userId"] == "mentee"
    assert posted["score"]["gradingProgress"] == "FullyGraded"


def test_back_off_doubles_and_is_capped():
    delays = [gradebook.retry_delay(attempts) for attempts in (1, 2, 3, 4, 30)]

    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delays[4] == timedelta(seconds=RetryPolicy().max_seconds)
