"""Roster sync from Names and Roles, against Open edX's own token checks (issue 5, acceptance 1)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.people.models import CourseRole, Membership, User
from lti_tool.platforms.claims import Role
from lti_tool.staff import roster as roster_sync
from lti_tool.staff.models import RosterSync, SyncStatus
from tests.mentoring.web import Person, _fresh_g
from tests.support import openedx

LEARNER_URI = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR_URI = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
MENTOR_URI = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"


def roster(count: int) -> list[dict]:
    """Members as Open edX and Moodle send them: URIs or short names, often without names."""
    members = [{"user_id": "staff-1", "roles": [INSTRUCTOR_URI], "status": "Active"}]
    for number in range(count - 1):
        member: dict = {"user_id": f"learner-{number}", "status": "Active"}
        member["roles"] = ["Learner"] if number % 2 else [LEARNER_URI]
        if number % 3 == 0:
            member["name"] = f"Learner {number}"
            member["email"] = f"learner-{number}@example.org"
        members.append(member)
    members[1]["roles"] = ["Instructor"]
    members[2]["roles"] = ["Mentor"]
    members[3]["roles"] = [MENTOR_URI]
    members[4]["roles"] = [Role.TEACHING_ASSISTANT]
    return members


def staff_person(app, launch) -> Person:
    client = app.test_client()
    response = launch(
        browser=client, user_id="staff-1", role="instructor", extra_claims=openedx.nrps_claim()
    )
    assert response.status_code == 303
    course_id = int(response.headers["Location"].split("/")[2])
    membership = db.session.scalar(select(Membership).join(User).where(User.subject == "staff-1"))
    return Person(client, course_id, membership.id)


def post(person: Person, path: str, **data):
    page = person.get("/staff/roster").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token.group(1) if token else person.token()
    _fresh_g()
    return person.client.post(person.url(path), data={"csrf_token": token, **data})


def member_role(subject: str) -> tuple[CourseRole, bool]:
    membership = db.session.scalar(select(Membership).join(User).where(User.subject == subject))
    return membership.role, membership.is_active


def run_to_the_end(person: Person) -> RosterSync:
    response = post(person, "/staff/roster/sync")
    assert response.status_code == 302
    sync = db.session.scalar(select(RosterSync).order_by(RosterSync.id.desc()))
    while sync.status == SyncStatus.RUNNING:
        page = person.get("/staff/roster").get_data(as_text=True)
        assert "Reading the course roster from the LMS" in page
        assert post(person, f"/staff/roster/sync/{sync.id}/continue").status_code == 302
        db.session.refresh(sync)
    return sync


def test_a_roster_of_1200_over_three_pages_syncs_completely_and_leavers_become_inactive(
    app, launch, openedx_state, openedx_platform
):
    openedx_state.members = roster(1200)
    openedx_state.members_page_size = 400
    person = staff_person(app, launch)

    sync = run_to_the_end(person)

    assert (sync.status, sync.pages_done, sync.members_seen) == (SyncStatus.DONE, 3, 1200)
    assert sync.members_added == 1199
    calls = [call for call in openedx_platform.calls if "/memberships" in (call.url or "")]
    assert len(calls) == 3
    count = select(func.count(Membership.id)).where(Membership.course_id == person.course_id)
    assert db.session.scalar(count) == 1200
    assert db.session.scalar(count.where(Membership.is_active.is_(True))) == 1200
    assert member_role("learner-0") == (CourseRole.STAFF, True)  # short "Instructor"
    assert member_role("learner-1") == (CourseRole.MENTOR, True)  # short "Mentor"
    assert member_role("learner-2") == (CourseRole.MENTOR, True)  # URI Mentor
    assert member_role("learner-3") == (CourseRole.STAFF, True)  # TeachingAssistant alone
    assert member_role("learner-5") == (CourseRole.LEARNER, True)  # URI Learner
    assert member_role("learner-6") == (CourseRole.LEARNER, True)  # short "Learner"
    named = db.session.scalar(select(User).where(User.subject == "learner-6"))
    unnamed = db.session.scalar(select(User).where(User.subject == "learner-7"))
    assert (named.name, named.email) == ("Learner 6", "learner-6@example.org")
    assert (unnamed.name, unnamed.email) == (None, None)
    page = person.get("/staff/roster").get_data(as_text=True)
    assert 'data-testid="sync-seen">1200<' in page

    # 150 people left; one is still listed, as Inactive.
    openedx_state.members = roster(1200)[:1050]
    openedx_state.members[-1]["status"] = "Inactive"
    second = run_to_the_end(person)

    assert (second.status, second.members_seen, second.members_added) == (SyncStatus.DONE, 1050, 0)
    assert second.members_left == 151
    assert db.session.scalar(count) == 1200  # nobody deleted
    assert db.session.scalar(count.where(Membership.is_active.is_(False))) == 151
    assert member_role("learner-1198") == (CourseRole.LEARNER, False)
    assert member_role("learner-1048") == (CourseRole.LEARNER, False)  # listed as Inactive
    assert member_role("learner-1047")[1] is True
    assert member_role("staff-1") == (CourseRole.STAFF, True)


def test_the_first_staff_visit_starts_a_sync_that_shows_its_progress(
    app, launch, openedx_state, openedx_platform
):
    openedx_state.members = roster(30)
    openedx_state.members_page_size = 10
    person = staff_person(app, launch)

    page = person.get("/staff/").get_data(as_text=True)

    assert 'data-testid="sync-status"' in page
    assert "Reading the course roster from the LMS: 0 pages" in page
    sync = db.session.scalar(select(RosterSync))
    assert sync.status == SyncStatus.RUNNING
    person.get("/staff/")
    assert db.session.scalar(select(func.count(RosterSync.id))) == 1  # not started twice
    response = post(person, f"/staff/roster/sync/{sync.id}/continue", back="dashboard")
    assert response.headers["Location"].endswith(f"/course/{person.course_id}/staff/")
    db.session.refresh(sync)
    assert (sync.pages_done, sync.members_seen) == (2, 20)


def test_the_job_runner_starts_and_finishes_syncs_of_courses_staff_launched_into(
    app, launch, openedx_state, openedx_platform
):
    openedx_state.members = roster(25)
    openedx_state.members_page_size = 10
    staff_person(app, launch)

    pages = roster_sync.step_running_syncs(pages=10)

    sync = db.session.scalar(select(RosterSync))
    assert (pages, sync.status, sync.members_seen) == (3, SyncStatus.DONE, 25)
    assert roster_sync.step_running_syncs() == 0
    output = app.test_cli_runner().invoke(args=["jobs", "run-due"]).output
    assert "roster_pages: 0\n" in output


def test_a_sync_the_lms_refuses_explains_the_service_is_not_enabled(
    app, launch, openedx_state, openedx_platform
):
    openedx_state.members = roster(5)
    openedx_state.disabled_services = {"nrps"}
    person = staff_person(app, launch)

    post(person, "/staff/roster/sync")

    sync = db.session.scalar(select(RosterSync))
    assert (sync.status, sync.problem) == (SyncStatus.FAILED, "not_enabled")
    page = person.get("/staff/roster").get_data(as_text=True)
    assert "The LMS admin has not enabled this service" in page


def test_a_page_another_worker_read_meanwhile_is_not_counted_twice(
    app, launch, openedx_state, openedx_platform, monkeypatch
):
    openedx_state.members = roster(25)
    openedx_state.members_page_size = 10
    staff_person(app, launch)
    assert roster_sync.step_running_syncs(pages=1) == 1
    sync_id = db.session.scalar(select(RosterSync.id))
    read_page = roster_sync._read_roster_page

    def read_while_another_worker_reads(client, url):
        # The other worker (a staff page, a second runner) reads and commits the same page.
        with db.engine.begin() as other_worker:
            other_worker.execute(
                RosterSync.__table__.update()
                .where(RosterSync.id == sync_id)
                .values(pages_done=2, members_seen=20)
            )
        return read_page(client, url)

    monkeypatch.setattr(roster_sync, "_read_roster_page", read_while_another_worker_reads)
    assert roster_sync.step_running_syncs(pages=1) == 0  # its own reading was rolled back

    sync = db.session.get(RosterSync, sync_id)
    assert (sync.pages_done, sync.members_seen) == (2, 20)
