"""A score whose platform keeps failing, over real HTTP: the console shows the platform's answer,
and "retry now" delivers it exactly once after the platform recovers (issue 13, acceptance 2)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.audit import MentoringEvent
from lti_tool.extensions import db
from lti_tool.gradebook import operations as gradebook
from lti_tool.gradebook.models import GradebookScore, ScoreStatus
from lti_tool.people.models import Membership, User
from lti_tool.platforms.claims import Scope
from lti_tool.platforms.models import Registration, ResourceLink
from tests.support import openedx
from tests.support.serving import serving


@pytest.fixture
def platform_over_http(openedx_consumer, openedx_state):
    """Open edX's token and score endpoints on a real HTTP port (no in-process transport)."""
    with serving(openedx.make_platform_app(openedx_consumer, openedx_state)) as url:
        yield url


@pytest.fixture
def queued_score(admin, launch_as, openedx_state, platform_over_http):
    """A learner's completion score, queued for a line item on the HTTP platform."""
    learner = launch_as("lena", role="student")
    registration = db.session.scalar(select(Registration).filter_by(issuer=openedx.ISSUER))
    registration.auth_token_url = platform_over_http + "/api/lti_consumer/v1/token/1"
    openedx_state.add_line_item(label="Reflection", scoreMaximum=100, resourceId="reflection")
    member = db.session.scalar(select(Membership).join(User).where(User.subject == "lena"))
    db.session.add(
        ResourceLink(
            course_id=learner.course_id,
            resource_link_id="reflection-link",
            activity="reflection",
            lineitem_url=platform_over_http + "/api/lti_consumer/v1/lti/1/lti-ags/1",
            ags_scopes=[Scope.SCORE, Scope.LINEITEM_READONLY],
        )
    )
    db.session.flush()
    [score] = gradebook.queue_completion_scores(member, "reflection")
    db.session.commit()
    return score.id


def test_a_failing_platform_shows_its_answer_on_the_console(admin, queued_score, openedx_state):
    openedx_state.score_failure_status = 500
    gradebook.deliver_due_scores()
    gradebook.deliver_due_scores()  # in back-off: not tried again

    page = admin.get("/outbox").get_data(as_text=True)

    score = db.session.get(GradebookScore, queued_score)
    assert score.status == ScoreStatus.QUEUED and score.attempts == 1
    assert f'data-score="{score.id}"' in page
    assert "<code>500</code>" in page and "Server Error (500)" in page
    assert openedx_state.scores == []


def test_retry_now_delivers_the_score_exactly_once_after_the_platform_recovers(
    admin, runner, queued_score, openedx_state
):
    openedx_state.score_failure_status = 500
    for _ in range(3):  # the platform keeps failing: back-off, the score waits
        runner.invoke(args=["jobs", "run-due"])
    page = admin.get("/outbox").get_data(as_text=True)
    assert "Server Error (500)" in page and f'data-score="{queued_score}"' in page
    assert openedx_state.scores == []

    openedx_state.score_failure_status = None  # the platform recovers
    answer = admin.post(f"/outbox/scores/{queued_score}/retry")
    assert answer.status_code == 303
    for _ in range(3):
        result = runner.invoke(args=["jobs", "run-due"])
        assert result.exit_code == 0, result.output

    [posted] = openedx_state.scores
    assert posted["score"]["userId"] == "lena" and posted["score"]["scoreGiven"] == 100
    db.session.expire_all()
    score = db.session.get(GradebookScore, queued_score)
    assert score.status == ScoreStatus.POSTED
    [event] = db.session.scalars(select(MentoringEvent).filter_by(subject="gradebook_score"))
    assert event.action == "retry_now" and event.data["is_due"] is True
    assert f'data-score="{queued_score}"' not in admin.get("/outbox").get_data(as_text=True)
    assert "Score retried now" in admin.get("/").get_data(as_text=True)
