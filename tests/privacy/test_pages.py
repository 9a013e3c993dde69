"""A launched person downloads their own data from inside the course, and only theirs (§3)."""

from __future__ import annotations

import json

from lti_tool.extensions import db
from lti_tool.mentoring import agreements, mentorships
from tests.mentoring.factories import MENTEE_FORM, MENTOR_FORM, start
from tests.mentoring.web import join
from tests.support.factories import make_mentor


def _pair(app, launch):
    mentee = join(app, launch, "luca", name="Luca Learner")
    mentor = join(app, launch, "marta", role="Community TA", name="Marta Mentore")
    profile = make_mentor(mentor.membership.course, membership=mentor.membership)
    mentorship = start(mentee.membership, profile)
    mentorships.log_contact(
        mentee.membership,
        mentorship,
        held_on=mentorship.started_at.date(),
        mode="video",
        duration_minutes=45,
    )
    agreements.save_mentor_preparation(
        mentor.membership, mentorship, 1, **{**MENTOR_FORM, "offered_notes": "marta-private"}
    )
    agreements.save_mentee_preparation(
        mentee.membership, mentorship, 1, **{**MENTEE_FORM, "needs": "luca-private"}
    )
    db.session.commit()
    return mentee, mentor


def test_a_person_downloads_their_own_data_as_an_attachment(app, launch):
    mentee, mentor = _pair(app, launch)

    response = mentee.get("/privacy/my-data.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="my-data-course-{mentee.course_id}.json"'
    )
    data = json.loads(response.get_data(as_text=True))
    assert data["user"]["subject"] == "luca"
    assert data["user"]["email"] == "luca@example.org"
    (membership,) = data["memberships"]
    assert membership["course"]["id"] == mentee.course_id
    assert membership["mentorships"][0]["my_preparation_forms"][0]["needs"] == "luca-private"
    assert "marta-private" not in response.get_data(as_text=True)
    assert "marta@example.org" not in response.get_data(as_text=True)

    mentor_data = mentor.get("/privacy/my-data.json").get_data(as_text=True)
    assert json.loads(mentor_data)["user"]["subject"] == "marta"
    assert "marta-private" in mentor_data and "luca-private" not in mentor_data


def test_staff_download_their_own_data_too(app, launch):
    staff = join(app, launch, "stella", role="staff", name="Stella Staff")

    data = json.loads(staff.get("/privacy/my-data.json").get_data(as_text=True))

    assert data["user"]["subject"] == "stella"
    assert data["memberships"][0]["role"] == "staff"


def test_the_download_needs_a_launch_into_that_course(app, launch, client):
    mentee, _ = _pair(app, launch)

    assert client.get(f"/course/{mentee.course_id}/privacy/my-data.json").status_code == 401
    assert mentee.get("/privacy/my-data.json").status_code == 200
    other = mentee.client.get(f"/course/{mentee.course_id + 999}/privacy/my-data.json")
    assert other.status_code == 401


def test_the_menu_offers_my_data(app, launch):
    mentee, _ = _pair(app, launch)

    home = mentee.get("/").get_data(as_text=True)
    page = mentee.get("/privacy/my-data").get_data(as_text=True)

    assert f'href="/course/{mentee.course_id}/privacy/my-data"' in home
    assert "My data" in home
    assert f'href="/course/{mentee.course_id}/privacy/my-data.json"' in page
    assert "You in this course" in page
