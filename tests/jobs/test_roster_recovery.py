"""Roster syncs that recover by themselves (issue 9, acceptance 4), over real HTTP.

A roster of 2,000 members over 20 pages whose page 12 fails once with a 500 and once with a
timeout completes through the job runner alone, reading each page once after the failure and
counting no member twice; a 403 (service not enabled) stops the sync with the explanation.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.http import EXTENSION_KEY
from lti_tool.jobs.runner import run_due
from lti_tool.models_base import utcnow
from lti_tool.people.models import Course, Membership, User
from lti_tool.platforms.models import Registration
from lti_tool.staff.models import RosterSync, SyncStatus
from tests.support import openedx
from tests.support.serving import serving

TIMEOUT = 0.5
MEMBERS = 2000
PAGE_SIZE = 100


class FlakyPlatform:
    """WSGI wrapper of the Open edX double: counts roster page reads, plays planned faults."""

    def __init__(self, app) -> None:
        self.app = app
        self.url = ""
        self.reads: Counter[int] = Counter()
        self.served: Counter[int] = Counter()
        #: Faults to play, in order, on the reads of a page: 500, 403 or "timeout".
        self.faults: dict[int, list] = {}

    def __call__(self, environ, start_response):
        if not environ["PATH_INFO"].endswith("/memberships"):
            return self.app(environ, start_response)
        page = int(parse_qs(environ.get("QUERY_STRING", "")).get("page", ["1"])[0])
        self.reads[page] += 1
        planned = self.faults.get(page)
        fault = planned.pop(0) if planned else None
        if fault == "timeout":
            time.sleep(TIMEOUT * 3)  # the tool has given up on this answer meanwhile
            start_response("504 Too Late", [("Content-Type", "application/json")])
            return [b"{}"]
        if fault is not None:
            start_response(f"{fault} Failed", [("Content-Type", "application/json")])
            return [b'{"detail": "Service not enabled."}' if fault == 403 else b"{}"]

        def rewriting(status, headers, exc_info=None):
            headers = [
                (name, value.replace(openedx.PLATFORM_HOST, self.url)) for name, value in headers
            ]
            if status.startswith("200"):
                self.served[page] += 1
            return start_response(status, headers, exc_info)

        return self.app(environ, rewriting)


@pytest.fixture
def platform(app, openedx_consumer, openedx_state):
    flaky = FlakyPlatform(openedx.make_platform_app(openedx_consumer, openedx_state))
    http = app.extensions[EXTENSION_KEY]
    before = http.timeout
    http.timeout = TIMEOUT
    with serving(flaky) as flaky.url:
        yield flaky
    http.timeout = before


@pytest.fixture
def course(launch, app, openedx_state, platform) -> Course:
    """A course whose staff launched (so the runner starts its first sync), roster over HTTP."""
    response = launch(
        browser=app.test_client(),
        user_id="staff-0",
        role="instructor",
        extra_claims=openedx.nrps_claim(),
    )
    assert response.status_code == 303
    openedx_state.members = [
        {"user_id": "staff-0", "roles": ["Instructor"], "status": "Active"},
        *(
            {"user_id": f"learner-{number}", "roles": ["Learner"], "status": "Active"}
            for number in range(MEMBERS - 1)
        ),
    ]
    openedx_state.members_page_size = PAGE_SIZE
    registration = db.session.scalar(select(Registration).filter_by(issuer=openedx.ISSUER))
    registration.auth_token_url = platform.url + "/api/lti_consumer/v1/token/1"
    course = db.session.scalar(select(Course))
    course.nrps_url = openedx.MEMBERSHIPS_URL.replace(openedx.PLATFORM_HOST, platform.url)
    db.session.commit()
    return course


def _sync() -> RosterSync:
    db.session.expire_all()
    return db.session.scalar(select(RosterSync).order_by(RosterSync.id.desc()))


def test_a_page_that_fails_for_now_is_read_again_and_the_sync_completes_by_itself(
    app, course, platform
):
    platform.faults = {12: [500, "timeout", "timeout", "timeout"]}
    moment = utcnow()
    runs = 0
    while runs < 40:
        run_due(moment)
        runs += 1
        sync = _sync()
        if sync is not None and sync.status != SyncStatus.RUNNING:
            break
        if sync is not None and sync.retry_at is not None:
            assert sync.problem == "unavailable"  # staff see what is happening meanwhile
            moment = sync.retry_at  # the next run after the back-off
        else:
            moment += timedelta(minutes=1)

    sync = _sync()
    assert sync.status == SyncStatus.DONE, (sync.problem, sync.detail)
    assert (sync.pages_done, sync.members_seen) == (20, MEMBERS)
    assert (sync.retries, sync.retry_at, sync.problem) == (0, None, None)
    # Every page served once; page 12 after a 500 and a timeout (three reads of one step:
    # the HTTP session retries a GET twice) read successfully once; no page before it again.
    assert set(platform.served) == set(range(1, 21))
    assert set(platform.served.values()) == {1}
    assert platform.reads[12] == 1 + 3 + 1
    assert all(platform.reads[page] == 1 for page in range(1, 21) if page != 12)
    # No member twice.
    subjects = db.session.scalars(
        select(User.subject).join(Membership).where(Membership.course_id == course.id)
    ).all()
    assert len(subjects) == len(set(subjects)) == MEMBERS
    assert (
        db.session.scalar(
            select(func.count()).select_from(Membership).where(Membership.course_id == course.id)
        )
        == MEMBERS
    )


def test_a_service_that_is_not_enabled_stops_the_sync_with_the_explanation(app, course, platform):
    platform.faults = {3: [403]}
    moment = utcnow()
    for _ in range(5):
        run_due(moment)
        moment += timedelta(hours=1)

    sync = _sync()
    assert sync.status == SyncStatus.FAILED
    assert sync.problem == "not_enabled" and "Service not enabled" in sync.detail
    assert platform.reads[3] == 1  # not retried: a person must act
    assert sync.pages_done == 2
