"""The standards gate (§3): participants accept the current version before any mentoring page."""

from __future__ import annotations

from lti_tool.extensions import db
from lti_tool.programme import operations, views
from lti_tool.programme.models import StandardsAcceptance
from tests.conftest import count_rows
from tests.mentors.factories import csrf_of, enter


def test_learners_are_sent_to_the_standards_first_and_come_back(app, launch):
    learner, course_id = enter(app, launch, user_id="learner", accept_standards=False)

    response = learner.get(f"/course/{course_id}/mentors?q=leader")

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"/course/{course_id}/standards?next=")
    page = learner.get(location).get_data(as_text=True)
    assert "Programme standards" in page and "2026.1" in page

    refused = learner.post(
        f"/course/{course_id}/standards",
        data={"csrf_token": csrf_of(learner, location), "accept": "y"},
    )
    assert refused.status_code == 200
    assert "Taking part is open to adults only." in refused.get_data(as_text=True)
    assert count_rows(StandardsAcceptance)["standards_acceptance"] == 0

    accepted = learner.post(
        location,
        data={
            "csrf_token": csrf_of(learner, location),
            "accept": "y",
            "of_age": "y",
            "next": f"/course/{course_id}/mentors?q=leader",
        },
    )
    assert accepted.status_code == 302
    assert accepted.headers["Location"] == f"/course/{course_id}/mentors?q=leader"
    acceptance = db.session.scalar(db.select(StandardsAcceptance))
    assert acceptance.version == "2026.1" and acceptance.confirmed_of_age
    assert acceptance.accepted_at is not None
    assert learner.get(f"/course/{course_id}/mentors").status_code == 200


def test_mentors_are_gated_too_but_staff_are_not(app, launch):
    mentor, course_id = enter(
        app, launch, user_id="mentor", role="Community TA", accept_standards=False
    )
    staff, _ = enter(app, launch, user_id="teacher", role="staff")

    assert mentor.get(f"/course/{course_id}/mentors/me").status_code == 302
    assert staff.get(f"/course/{course_id}/mentors").status_code == 200


def test_a_new_version_of_the_standards_asks_again(app, launch, monkeypatch):
    learner, course_id = enter(app, launch, user_id="learner")
    assert learner.get(f"/course/{course_id}/mentors").status_code == 200

    monkeypatch.setattr(operations, "STANDARDS_VERSION", "2027.1")
    monkeypatch.setattr(views, "STANDARDS_VERSION", "2027.1")

    response = learner.get(f"/course/{course_id}/mentors")
    assert response.status_code == 302
    assert "/standards" in response.headers["Location"]
    learner.post(
        f"/course/{course_id}/standards",
        data={
            "csrf_token": csrf_of(learner, f"/course/{course_id}/standards"),
            "accept": "y",
            "of_age": "y",
        },
    )
    versions = sorted(db.session.scalars(db.select(StandardsAcceptance.version)))
    assert versions == ["2026.1", "2027.1"]
    assert learner.get(f"/course/{course_id}/mentors").status_code == 200


def test_the_standards_form_needs_its_csrf_token(app, launch):
    learner, course_id = enter(app, launch, user_id="learner", accept_standards=False)
    learner.get(f"/course/{course_id}/standards")
    response = learner.post(f"/course/{course_id}/standards", data={"accept": "y", "of_age": "y"})
    assert response.status_code == 400
    assert count_rows(StandardsAcceptance)["standards_acceptance"] == 0
