"""A Moodle site administrator reaches the console of the registration Moodle made itself."""

from __future__ import annotations

import jwt

from lti_tool import http
from tests.support import moodle
from tests.support.wsgi_transport import WSGITransport


def test_moodle_site_administrator_opens_the_console_of_the_dynamic_registration(app, client):
    state = moodle.MoodleState()
    transport = WSGITransport(moodle.make_platform_app(state))
    http.session().mount(moodle.PLATFORM_HOST, transport)
    token = state.issue_registration_token()
    client.get(moodle.registration_link(state, token))
    client_id = jwt.decode(token, options={"verify_signature": False})["sub"]
    state.activate(client_id)

    site_admin = moodle.MoodleUser("2", "Ada", "Admin", "ada@example.org", is_site_admin=True)
    launched = moodle.login_and_launch(client, transport.client, state, client_id, site_admin)
    course = launched.headers["Location"].split("/")[2]
    console = client.get(f"/course/{course}/admin/")
    teacher = app.test_client()
    editing_teacher = moodle.MoodleUser(
        "8", "Tina", "Teacher", "tina@example.org", course_role="editingteacher"
    )
    taught = moodle.login_and_launch(teacher, transport.client, state, client_id, editing_teacher)

    assert console.status_code == 200
    page = console.get_data(as_text=True)
    assert moodle.ISSUER in page and client_id in page and "moodle" in page
    assert teacher.get(f"/course/{course}/admin/").status_code == 403
    assert taught.status_code == 303
