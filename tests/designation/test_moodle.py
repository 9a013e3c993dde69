"""Moodle never names mentors: the journey with the Moodle double (issue 9, acceptances 1 and 5).

The double sends roles as Moodle 4.5 does, in launches and in its memberships service: the
editing teacher is Instructor, the non-editing teacher and students are Learner, the site
administrator gets the Administrator roles instead of Learner, nobody is ever a Mentor. Staff
name the non-editing teacher a mentor from the synced roster before she ever opened the tool.
"""

from __future__ import annotations

import jwt
import pytest
from sqlalchemy import select

from lti_tool import http
from lti_tool.designation.models import DesignationStatus, MentorDesignation
from lti_tool.extensions import db
from lti_tool.mentoring.models import ContactRequest
from lti_tool.mentors.models import MentorProfile
from lti_tool.notifications.models import Notification
from lti_tool.people.models import CourseRole, Membership, User
from lti_tool.programme.operations import accept_standards
from lti_tool.staff.models import RosterSync, SyncStatus
from tests.mentoring.web import Person, _fresh_g
from tests.support import moodle
from tests.support.html import input_values
from tests.support.wsgi_transport import WSGITransport

TINA = moodle.MoodleUser("3", "Tina", "Teacher", "tina@example.org", "editingteacher")
NORA = moodle.MoodleUser("4", "Nora", "Tutor", "nora@example.org", "teacher")
GIULIA = moodle.MoodleUser("7", "Giulia", "Rossi", "giulia@example.org", "student")
MARCO = moodle.MoodleUser("8", "Marco", "Bianchi", "marco@example.org", "student")
ADA = moodle.MoodleUser("2", "Ada", "Admin", "ada@example.org", "student", is_site_admin=True)
MENTOR_MARK = "#Mentor"


@pytest.fixture
def moodle_site(app, client):
    """A registered, activated Moodle with a course of five people (roles as Moodle has them)."""
    state = moodle.MoodleState(members_page_size=2)
    transport = WSGITransport(moodle.make_platform_app(state))
    http.session().mount(moodle.PLATFORM_HOST, transport)
    state.tool_keyset = lambda: app.test_client().get("/lti/jwks.json").get_json()
    token = state.issue_registration_token()
    assert client.get(moodle.registration_link(state, token)).status_code == 200
    client_id = jwt.decode(token, options={"verify_signature": False})["sub"]
    state.activate(client_id)
    state.enrol("2", TINA, NORA, GIULIA, MARCO, ADA)
    return state, transport, client_id


def _launch(app, site, user, browser=None):
    state, transport, client_id = site
    browser = browser or app.test_client()
    response = moodle.login_and_launch(browser, transport.client, state, client_id, user)
    assert response.status_code == 303, response.get_data(as_text=True)
    course_id = int(response.headers["Location"].split("/course/")[1].split("/")[0])
    membership = db.session.scalar(
        select(Membership)
        .join(User)
        .where(Membership.course_id == course_id, User.subject == user.user_id)
    )
    return Person(browser, course_id, membership.id)


def _post(person, path, data, csrf_from):
    page = person.get(csrf_from)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = input_values(page.get_data(as_text=True))["csrf_token"]
    _fresh_g()
    return person.client.post(person.url(path), data={**data, "csrf_token": token})


def _sync_roster(app) -> None:
    """Let the job runner read the roster to the end (as the worker does)."""
    for _run in range(10):
        running = db.session.scalar(select(RosterSync.id).filter_by(status=SyncStatus.RUNNING))
        if running is None:
            break
        result = app.test_cli_runner().invoke(args=["jobs", "run-due"])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
    sync = db.session.scalar(select(RosterSync).order_by(RosterSync.id.desc()))
    assert sync is not None and sync.status == SyncStatus.DONE, sync and sync.problem


def _role(subject: str) -> CourseRole:
    return db.session.scalar(select(Membership.role).join(User).where(User.subject == subject))


def test_the_double_sends_roles_as_moodle_does():
    assert moodle.launch_roles(TINA) == [moodle.INSTRUCTOR]
    assert moodle.launch_roles(NORA) == [moodle.LEARNER]  # non-editing teacher
    assert moodle.launch_roles(GIULIA) == [moodle.LEARNER]
    # A site administrator holds every capability (mod/lti:manage too), never Learner.
    assert moodle.launch_roles(ADA) == [
        moodle.INSTRUCTOR,
        moodle.SYSTEM_ADMINISTRATOR,
        moodle.INSTITUTION_ADMINISTRATOR,
    ]
    assert moodle.roster_roles(ADA) == [
        "Instructor",
        moodle.SYSTEM_ADMINISTRATOR,
        moodle.INSTITUTION_ADMINISTRATOR,
    ]
    assert moodle.roster_roles(TINA) == ["Instructor"]
    assert moodle.roster_roles(NORA) == ["Learner"]
    with pytest.raises(ValueError, match="no such Moodle course role"):
        moodle.MoodleUser("9", "M", "M", "m@example.org", "mentor")


def test_staff_name_a_non_editing_teacher_from_the_roster_and_the_journey_runs(
    app, client, moodle_site
):
    state, transport, _client_id = moodle_site
    tina = _launch(app, moodle_site, TINA, browser=client)
    # Tina's id_token and the roster carry Moodle's roles, and never a Mentor role.
    assert _role("3") == CourseRole.STAFF

    assert tina.get("/staff/").status_code == 200  # the first staff visit queues a roster sync
    _sync_roster(app)
    members = {
        member["user_id"]: member["roles"]
        for page_from in range(0, 5, 2)
        for member in state.members_page("2", state.tools[_client_id]["type_id"], page_from)[0][
            "members"
        ]
    }
    assert members["4"] == ["Learner"] and members["3"] == ["Instructor"]
    assert not any(MENTOR_MARK in role for roles in members.values() for role in roles)
    # Nora has not opened the tool: the roster sync brought her, as a learner.
    assert _role("4") == CourseRole.LEARNER
    assert _role("2") == CourseRole.STAFF  # the site administrator
    nora_id = db.session.scalar(select(Membership.id).join(User).where(User.subject == "4"))

    named = _post(
        tina, "/staff/mentors/designate", {"member": [str(nora_id)]}, "/staff/mentors/designate"
    )
    assert named.status_code == 302
    invitation = db.session.scalar(
        select(Notification).filter_by(recipient_id=nora_id, kind="mentor_invitation")
    )
    assert invitation is not None

    nora = _launch(app, moodle_site, NORA)
    assert _role("4") == CourseRole.LEARNER  # invited, not yet a mentor
    accept_standards(nora.membership, accepted=True, confirmed_of_age=True)
    db.session.commit()
    inbox = nora.get("/notifications").get_data(as_text=True)
    assert "You are invited to mentor" in inbox
    accepted = _post(nora, "/mentor-invitation", {"answer": "accept"}, "/mentor-invitation")
    assert accepted.status_code == 302
    saved = _post(
        nora,
        "/mentors/me",
        {
            "headline": "Tutor of the online course",
            "bio": "I tutor adult learners.",
            "topics": "Study skills",
            "languages": ["en"],
            "contact_modes": ["video"],
            "roles_offered": ["advisor"],
            "capacity": "2",
            "link_url": "",
        },
        "/mentors/me",
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)

    # Moodle keeps sending Learner: Nora stays a mentor at her next launch and roster sync.
    _launch(app, moodle_site, NORA, browser=nora.client)
    assert _role("4") == CourseRole.MENTOR
    _post(tina, "/staff/roster/sync", {}, "/staff/roster")
    _sync_roster(app)
    assert _role("4") == CourseRole.MENTOR
    assert _role("7") == CourseRole.LEARNER

    giulia = _launch(app, moodle_site, GIULIA)
    accept_standards(giulia.membership, accepted=True, confirmed_of_age=True)
    db.session.commit()
    found = giulia.get("/mentors?q=study").get_data(as_text=True)
    assert "Nora Tutor" in found
    accepted_by = db.session.scalar(
        select(MentorDesignation.membership_id).filter_by(status=DesignationStatus.ACCEPTED)
    )
    assert accepted_by == nora.membership_id
    profile = db.session.scalar(select(MentorProfile).filter_by(membership_id=nora.membership_id))
    sent = _post(
        giulia,
        f"/requests/new/{profile.id}",
        {
            "question": "How do I plan my study weeks?",
            "ideas": "A calendar.",
            "expectations": "Advice on a weekly plan.",
            "mode": "video",
        },
        f"/requests/new/{profile.id}",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert db.session.scalar(select(ContactRequest).filter_by(mentor_id=profile.id)) is not None
