"""What staff see of a roster sync that recovers by itself (issue 9), over real HTTP.

The 2,000-member acceptance test is ``tests/jobs/test_roster_recovery.py``; here, a short
roster whose page 2 fails for now: staff read that the tool retries by itself (and their page
does not keep re-asking the failing platform), the job runner finishes it; a refusal (401) mid-
roster stops it with the explanation.
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
from lti_tool.models_base import utcnow
from lti_tool.people.models import Course, Membership, User
from lti_tool.platforms.models import Registration
from lti_tool.staff.models import RosterSync, SyncStatus
from tests.staff.test_roster import roster, staff_person
from tests.support import openedx
from tests.support.serving import serving

TIMEOUT = 0.5
MEMBERS = 300
PAGE_SIZE = 100  # 3 pages
FAILING_PAGE = 2


class FlakyPlatform:
    """The test Open edX over HTTP: counts roster page reads and plays a schedule of faults.

    Its own links (paging) are rewritten to this server, so every page goes over the socket.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.url = ""
        self.reads: Counter[int] = Counter()
        self.faults: dict[int, list[object]] = {}

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"].endswith("/memberships"):
            page = int(parse_qs(environ.get("QUERY_STRING", "")).get("page", ["1"])[0])
            self.reads[page] += 1
            fault = self.faults.get(page, []).pop(0) if self.faults.get(page) else None
            if fault == 500:
                start_response("500 Internal Server Error", [("Content-Type", "text/html")])
                return [b"<h1>Server Error (500)</h1>"]
            if fault == "timeout":
                time.sleep(TIMEOUT * 4)  # answers, but long after the tool stopped waiting

        def rewriting(status, headers, exc_info=None):
            headers = [
                (name, value.replace(openedx.PLATFORM_HOST, self.url)) for name, value in headers
            ]
            return start_response(status, headers, exc_info)

        return self.app(environ, rewriting)


@pytest.fixture
def platform(app, openedx_consumer, openedx_state, openedx_platform):
    flaky = FlakyPlatform(openedx.make_platform_app(openedx_consumer, openedx_state))
    http = app.extensions[EXTENSION_KEY]
    before = http.timeout
    http.timeout = TIMEOUT
    with serving(flaky) as flaky.url:
        yield flaky
    http.timeout = before


def _run(app, moment) -> dict[str, str]:
    result = app.test_cli_runner().invoke(args=["jobs", "run-due", "--now", moment.isoformat()])
    assert result.exit_code == 0, result.output
    return dict(line.split(": ") for line in result.output.strip().splitlines())


def test_staff_see_a_sync_waiting_for_its_retry_and_the_job_runner_completes_it(
    app, launch, openedx_state, platform
):
    openedx_state.members = roster(MEMBERS)
    openedx_state.members_page_size = PAGE_SIZE
    person = staff_person(app, launch)
    course = db.session.get(Course, person.course_id)
    course.nrps_url = course.nrps_url.replace(openedx.PLATFORM_HOST, platform.url)
    registration = db.session.scalar(select(Registration).filter_by(issuer=openedx.ISSUER))
    registration.auth_token_url = platform.url + "/api/lti_consumer/v1/token/1"
    db.session.commit()
    # Page 12 answers 500 once; the next time it times out (the HTTP session's own two retries
    # of a GET time out too, so the tool's call fails); after that it answers.
    platform.faults[FAILING_PAGE] = [500, "timeout", "timeout", "timeout"]

    moment = utcnow()
    seen_retrying = False
    for _run_number in range(10):
        _run(app, moment)
        db.session.expire_all()
        sync = db.session.scalar(select(RosterSync))
        assert sync.status != SyncStatus.FAILED, sync.detail
        if sync.status == SyncStatus.DONE:
            break
        if sync.retry_at is not None and not seen_retrying:
            seen_retrying = True
            assert (sync.problem, sync.pages_done) == ("unavailable", FAILING_PAGE - 1)
            assert sync.status == SyncStatus.RUNNING
            page = person.get("/staff/roster").get_data(as_text=True)
            assert "The platform is unavailable; retry later." in page
            assert "reads the next page again by itself" in page
            assert "continue-sync" not in page  # no self-submitting form hammering the LMS
            assert _run(app, moment)["roster_pages"] == "0"  # backing off
        moment += timedelta(hours=1)

    assert seen_retrying
    assert (sync.status, sync.pages_done, sync.retries) == (SyncStatus.DONE, 3, 0)
    assert (sync.members_seen, sync.members_added, sync.members_left) == (MEMBERS, MEMBERS - 1, 0)
    # Every page read once, the failing one once more per failed call (1 + 3) and then once.
    assert platform.reads == Counter({1: 1, FAILING_PAGE: 5, 3: 1})
    count = select(func.count(Membership.id)).where(Membership.course_id == person.course_id)
    assert db.session.scalar(count) == MEMBERS
    assert db.session.scalar(select(func.count(func.distinct(User.subject)))) == MEMBERS
    assert "reads the next page again" not in person.get("/staff/roster").get_data(as_text=True)


def test_a_refusal_mid_roster_stops_the_sync_with_the_explanation_for_staff(
    app, launch, openedx_state, platform
):
    openedx_state.members = roster(500)  # 5 pages
    openedx_state.members_page_size = PAGE_SIZE
    person = staff_person(app, launch)
    course = db.session.get(Course, person.course_id)
    course.nrps_url = course.nrps_url.replace(openedx.PLATFORM_HOST, platform.url)
    registration = db.session.scalar(select(Registration).filter_by(issuer=openedx.ISSUER))
    registration.auth_token_url = platform.url + "/api/lti_consumer/v1/token/1"
    db.session.commit()
    moment = utcnow()
    assert _run(app, moment)["roster_pages"] == "2"

    openedx_state.disabled_services = {"nrps"}  # the admin switched Names and Roles off: 401
    _run(app, moment + timedelta(minutes=1))

    db.session.expire_all()
    sync = db.session.scalar(select(RosterSync))
    assert (sync.status, sync.problem, sync.pages_done) == (SyncStatus.FAILED, "not_enabled", 2)
    assert sync.retry_at is None
    assert "The LMS admin has not enabled this service" in person.get("/staff/roster").get_data(
        as_text=True
    )
    assert _run(app, moment + timedelta(hours=2))["roster_pages"] == "0"  # not retried
