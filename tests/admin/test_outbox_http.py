"""A score whose platform keeps failing, over real HTTP: the console shows the platform's answer,
and "retry now" delivers it exactly once after the platform recovers (issue 13, acceptance 2)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from lti_tool.extensions import db
from lti_tool.gradebook import operations as gradebook
from lti_tool.lti.claims import Scope
from lti_tool.lti.models import Registration, ResourceLink
from lti_tool.people.models import Membership, User
from tests.support import openedx


@pytest.fixture
def platform_over_http(openedx_consumer, openedx_state):
    """Open edX's token and score endpoints on a real HTTP port (no in-process transport)."""
    server = make_server(
        "127.0.0.1", 0, openedx.make_platform_app(openedx_consumer, openedx_state), threaded=True
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


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
