"""The administration console: who reaches it, what it shows, what it changes (issue 13, 1)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.audit import MentoringEvent
from lti_tool.extensions import db
from lti_tool.lti import operations as lti_operations
from lti_tool.people.models import Course, Membership, User
from lti_tool.platforms.models import Deployment, Registration, ToolKey
from lti_tool.programme.models import MatchingMode, Programme
from lti_tool.programme.operations import programme_for
from tests.support import openedx

from .conftest import MOODLE_SITE_ADMIN_ROLES, course_of


def _other_platform() -> Deployment:
    """Platform B: its own registration, a pending deployment and a course."""
    registration = lti_operations.add_registration(
        issuer="https://other-lms.test",
        client_id="other-client",
        auth_login_url="https://other-lms.test/auth",
        auth_token_url="https://other-lms.test/token",
        keyset_url="https://other-lms.test/jwks",
        deployment_ids=["b-1"],
    )
    pending = lti_operations.record_deployment(registration, "b-secret-pending")
    db.session.add(Course(deployment=registration.deployments[0], context_id="b-course"))
    db.session.commit()
    return pending


def _events(subject: str) -> list[MentoringEvent]:
    return list(db.session.scalars(select(MentoringEvent).filter_by(subject=subject)))


def test_global_staff_open_the_console_of_their_own_registration(admin):
    home = admin.client.get(f"/course/{admin.course_id}/")
    assert "Administration" in home.get_data(as_text=True)

    page = admin.get()

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert openedx.ISSUER in text and openedx.CLIENT_ID in text
    assert "http://tool.test/lti/login" in text and "http://tool.test/lti/jwks.json" in text


def test_moodle_site_administrators_open_the_console(launch_as):
    moodle_admin = launch_as("site-admin", roles=MOODLE_SITE_ADMIN_ROLES)

    assert moodle_admin.get().status_code == 200


@pytest.mark.parametrize(
    ("role", "roles"),
    [
        ("instructor", None),  # Open edX course instructor: membership#Administrator + Instructor
        ("staff", None),
        ("student", None),
        (None, ["http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator"]),
    ],
)
def test_course_staff_and_learners_are_not_administrators(launch_as, role, roles):
    person = launch_as("someone", role=role or "student", roles=roles)

    home = person.client.get(f"/course/{person.course_id}/")
    assert "Administration" not in home.get_data(as_text=True)
    for path in ("/", "/deployments", "/keys", "/outbox", "/defaults"):
        assert person.get(path).status_code in (403, 404)
    assert person.get("/").status_code == 403
    keys_before = db.session.scalar(select(db.func.count(ToolKey.id)))
    token = person.client.get(f"/course/{person.course_id}/programme/settings")
    csrf = _token(token.get_data(as_text=True)) if token.status_code == 200 else "x"
    answer = person.post("/keys/rotate", {"retire_after_days": 1}, token=csrf)
    assert answer.status_code in (400, 403)
    assert db.session.scalar(select(db.func.count(ToolKey.id))) == keys_before


def _token(page: str) -> str:
    from tests.support.html import input_values

    return input_values(page)["csrf_token"]


def test_an_administrator_of_another_platform_cannot_see_or_change_its_deployments(admin):
    pending = _other_platform()

    listing = admin.get("/deployments").get_data(as_text=True)
    assert "b-secret-pending" not in listing and "b-1" not in listing
    answer = admin.post(f"/deployments/{pending.id}/activate")

    assert answer.status_code == 404
    db.session.expire_all()
    assert db.session.get(Deployment, pending.id).is_active is False
    assert _events("deployment") == []


def test_activating_a_pending_deployment_lets_its_next_launch_in(
    app, admin, launch, openedx_consumer
):
    newcomer = app.test_client()
    openedx_consumer.deployment_id = "2"
    try:
        refused = launch(newcomer, user_id="lea", role="student")
        assert refused.status_code == 403
        pending = db.session.scalar(select(Deployment).filter_by(deployment_id="2"))
        assert pending is not None and not pending.is_active
        listing = admin.get("/deployments").get_data(as_text=True)
        assert 'data-deployment="2"' in listing

        answer = admin.post(f"/deployments/{pending.id}/activate")
        assert answer.status_code == 303

        accepted = launch(newcomer, user_id="lea", role="student")
        assert course_of(accepted)
    finally:
        openedx_consumer.deployment_id = openedx.DEPLOYMENT_ID
    (event,) = _events("deployment")
    assert event.action == "activated" and event.data["deployment_id"] == "2"
    actor = db.session.get(Membership, event.actor_id)
    assert db.session.get(User, actor.user_id).subject == "ada-admin"
    assert event.created_at is not None


def test_deployments_show_their_course_counts_and_deactivate(admin):
    page = admin.get("/deployments").get_data(as_text=True)
    assert "<td>1</td>" in page  # the admin's own course
    deployment = db.session.scalar(
        select(Deployment).filter_by(deployment_id=openedx.DEPLOYMENT_ID)
    )

    admin.post(f"/deployments/{deployment.id}/deactivate")

    db.session.expire_all()
    assert db.session.get(Deployment, deployment.id).is_active is False
    assert [event.action for event in _events("deployment")] == ["deactivated"]


def test_console_forms_need_the_csrf_token(admin):
    deployment = db.session.scalar(select(Deployment))

    answer = admin.client.post(admin.url(f"/deployments/{deployment.id}/deactivate"))

    assert answer.status_code == 400
    db.session.expire_all()
    assert db.session.get(Deployment, deployment.id).is_active is True
    assert _events("deployment") == []


def test_rotating_and_retiring_keys_is_audited_and_changes_the_jwks(admin):
    answer = admin.post("/keys/rotate", {"retire_after_days": 3})
    assert answer.status_code == 303
    jwks = admin.client.get("/lti/jwks.json").get_json()
    assert len(jwks["keys"]) == 2  # the old key stays beside the new one
    old = db.session.scalar(select(ToolKey).filter_by(kid="tool-key-1"))

    admin.post(f"/keys/{old.id}/retire", {"in_days": 0})

    kids = [key["kid"] for key in admin.client.get("/lti/jwks.json").get_json()["keys"]]
    assert "tool-key-1" not in kids and len(kids) == 1
    assert [event.action for event in _events("tool_key")] == ["rotated", "retirement_scheduled"]
    page = admin.get("/keys").get_data(as_text=True)
    assert kids[0] in page and "signs now" in page


def test_the_signing_key_cannot_be_retired_without_rotating(admin):
    signing = db.session.scalar(select(ToolKey).filter_by(kid="tool-key-1"))

    answer = admin.post(f"/keys/{signing.id}/retire", {"in_days": 0})

    assert answer.status_code == 303
    page = admin.client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "rotate the keys first" in page
    db.session.expire_all()
    assert db.session.get(ToolKey, signing.id).retire_at is None
    assert _events("tool_key") == []


def test_invalid_input_changes_nothing(admin):
    answer = admin.post("/keys/rotate", {"retire_after_days": "soon"})

    assert answer.status_code == 303
    assert db.session.scalar(select(db.func.count(ToolKey.id))) == 1
    assert _events("tool_key") == []


def test_programme_defaults_apply_to_new_courses_of_the_platform_only(admin):
    form = {
        "contacts_per_mentorship": 6,
        "answer_deadline_days": 10,
        "reminder_days_before": 3,
        "mentor_capacity": 2,
        "matching_mode": "staff_assign",
        "expiries_before_auto_busy": 2,
        "staff_see_evaluation_scores": "y",
    }
    answer = admin.post("/defaults", form)
    assert answer.status_code == 303
    registration = db.session.scalar(select(Registration).filter_by(issuer=openedx.ISSUER))
    new_course = Course(deployment=registration.deployments[0], context_id="new-course")
    db.session.add(new_course)
    other = _other_platform()
    foreign_course = db.session.scalar(
        select(Course).where(Course.deployment_id != registration.deployments[0].id)
    )
    assert other is not None

    programme = programme_for(new_course)
    foreign = programme_for(foreign_course)

    assert (programme.contacts_per_mentorship, programme.matching_mode) == (
        6,
        MatchingMode.STAFF_ASSIGN,
    )
    assert foreign.contacts_per_mentorship == 4
    assert [event.action for event in _events("platform_defaults")] == ["updated"]
    assert isinstance(programme, Programme)


def test_bad_defaults_are_explained_and_nothing_is_saved(admin):
    answer = admin.post(
        "/defaults",
        {
            "contacts_per_mentorship": 99,
            "answer_deadline_days": 7,
            "reminder_days_before": 2,
            "mentor_capacity": 3,
            "matching_mode": "both",
            "expiries_before_auto_busy": 2,
        },
    )

    assert answer.status_code == 200
    assert "Nothing was saved" in answer.get_data(as_text=True)
    assert _events("platform_defaults") == []


def test_the_console_shows_the_history_of_actions(admin):
    admin.post("/keys/rotate", {"retire_after_days": 3})

    page = admin.get().get_data(as_text=True)

    assert "Keys rotated" in page and "Ada-Admin" in page
