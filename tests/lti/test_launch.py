"""Launches from Open edX's own consumer code land people on their home pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.people.models import Course, CourseRole, Membership, User
from lti_tool.platforms.models import ResourceLink
from tests.conftest import count_rows


@pytest.mark.parametrize(
    ("role", "roles", "expected_role", "label"),
    [
        ("student", None, CourseRole.LEARNER, "Learner"),
        ("staff", None, CourseRole.STAFF, "Course staff"),
        ("instructor", None, CourseRole.STAFF, "Course staff"),
        ("Community TA", None, CourseRole.MENTOR, "Mentor"),
        (
            "student",
            ["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"],
            CourseRole.MENTOR,
            "Mentor",
        ),
    ],
)
def test_each_role_lands_on_its_home_page(launch, client, role, roles, expected_role, label):
    response = launch(
        user_id="u-1", role=role, roles=roles, name="Giulia Rossi", email="g@example.org"
    )

    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Giulia Rossi" in text
    assert f'data-testid="role">{label}<' in text
    assert "Mentoring for adult learners" in text
    membership = db.session.scalar(select(Membership))
    assert membership.role == expected_role


def test_second_launch_updates_rather_than_duplicates(launch, client):
    launch(user_id="u-2", name="Marco Bianchi", email="marco@example.org")
    launch(user_id="u-2", name="Marco Bianchi-Verdi", context_title="Renamed course")

    assert count_rows(User, Course, Membership, ResourceLink) == {
        "user_account": 1,
        "course": 1,
        "membership": 1,
        "resource_link": 1,
    }
    user = db.session.scalar(select(User))
    assert user.name == "Marco Bianchi-Verdi"
    assert user.email == "marco@example.org"  # not erased by a launch that did not send it
    assert db.session.scalar(select(Course)).title == "Renamed course"


def test_launch_without_name_or_email_still_works(launch, client):
    response = launch(user_id="anonymous-7")

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Participant (your platform did not share your name)" in page.get_data(as_text=True)


def test_custom_activity_opens_that_activity(launch, client):
    response = launch(user_id="u-3", custom={"activity": "reflection"}, resource_link_title=None)

    link = db.session.scalar(select(ResourceLink))
    page = client.get(response.headers["Location"])
    assert page.status_code == 302
    assert page.headers["Location"] == f"/course/{link.course_id}/reflection/?link_id={link.id}"
    assert link.activity == "reflection"


def test_pages_are_scoped_to_the_course_the_browser_launched_into(launch, app, client):
    other = app.test_client()
    mine = launch(user_id="u-a", context_id="course-A").headers["Location"]
    theirs = launch(other, user_id="u-b", context_id="course-B").headers["Location"]
    my_course = mine.split("/")[2]
    their_course, their_link = theirs.split("/")[2], theirs.split("/")[4]

    assert client.get(f"/course/{their_course}/").status_code == 401
    assert client.get(f"/course/{my_course}/links/{their_link}").status_code == 404
    assert client.get(f"/course/{my_course}/").status_code == 200


def test_learners_cannot_open_the_staff_dashboard_activity(launch, client):
    learner = launch(user_id="u-l", custom={"activity": "dashboard"})
    assert client.get(learner.headers["Location"]).status_code == 403

    staff = launch(user_id="u-s", role="staff", custom={"activity": "dashboard"})
    opened = client.get(staff.headers["Location"], follow_redirects=True)
    assert opened.status_code == 200
    assert opened.request.path.endswith("/staff/")
