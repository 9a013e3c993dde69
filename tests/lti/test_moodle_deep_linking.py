"""Deep linking with the Moodle double (issue 9, acceptance 6; the browser test runs the flow)."""

from __future__ import annotations

from urllib.parse import urlsplit

import jwt
import pytest

from lti_tool import http
from tests.support import moodle
from tests.support.html import form_attributes, input_values
from tests.support.wsgi_transport import WSGITransport

TINA = moodle.MoodleUser("3", "Tina", "Teacher", "tina@example.org", "editingteacher")


@pytest.fixture
def site(app, client):
    state = moodle.MoodleState()
    transport = WSGITransport(moodle.make_platform_app(state))
    http.session().mount(moodle.PLATFORM_HOST, transport)
    state.tool_keyset = lambda: app.test_client().get("/lti/jwks.json").get_json()
    token = state.issue_registration_token()
    assert client.get(moodle.registration_link(state, token)).status_code == 200
    client_id = jwt.decode(token, options={"verify_signature": False})["sub"]
    state.activate(client_id)
    return state, transport, client_id


def test_moodle_picker_warns_when_no_form_waits_and_the_answer_reaches_the_form(client, site):
    state, transport, client_id = site
    response = moodle.login_and_launch(
        client, transport.client, state, client_id, TINA, deep_linking=True
    )
    assert response.status_code == 303, response.get_data(as_text=True)

    picker = client.get(response.headers["Location"]).get_data(as_text=True)

    # Shown by the page's script when it is a window of its own with no opener to answer into.
    assert 'data-testid="deep-link-no-form"' in picker
    assert "this window is not connected to it" in picker
    assert 'data-testid="deep-link-window"' in picker
    answer = client.post(
        response.headers["Location"],
        data={
            "csrf_token": input_values(picker)["csrf_token"],
            "home-selected": "y",
            "home-title": "Find your mentor",
        },
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    action = form_attributes(page)[0]["action"]
    assert action.startswith(moodle.CONTENT_ITEM_RETURN_URL + "?")
    assert "form.target = opener.name" in page  # the new-window path posts into the frame

    returned = transport.client.post(
        urlsplit(action).path + "?" + urlsplit(action).query,
        data={"JWT": input_values(page)["JWT"]},
    )

    assert returned.status_code == 200
    assert "parent.processContentItemReturnData" in returned.get_data(as_text=True)
    assert [item["title"] for item in state.content_item_returns[-1]] == ["Find your mentor"]


def test_open_edx_picker_has_no_frame_warning(launch, client, openedx_consumer):
    from tests.support import openedx

    openedx_consumer.enable_deep_linking(
        "http://tool.test/lti/launch", openedx.DEEP_LINK_RETURN_URL
    )
    try:
        response = launch(
            user_id="teacher-1", role="staff", name="Laura", message_type="LtiDeepLinkingRequest"
        )
        picker = client.get(response.headers["Location"]).get_data(as_text=True)
    finally:
        openedx_consumer.dl = None

    assert "deep-link-no-form" not in picker
