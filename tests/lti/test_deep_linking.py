"""Deep linking: staff pick activities; Open edX's own code accepts the signed response."""

from __future__ import annotations

import jwt
import pytest

from tests.support import openedx
from tests.support.html import form_attributes, input_values

DL = "LtiDeepLinkingRequest"


@pytest.fixture
def deep_linking_consumer(openedx_consumer):
    openedx_consumer.enable_deep_linking(
        "http://tool.test/lti/launch", openedx.DEEP_LINK_RETURN_URL
    )
    yield openedx_consumer
    openedx_consumer.dl = None


def _open_picker(launch, client, role="staff"):
    response = launch(user_id="teacher-1", role=role, name="Laura Conti", message_type=DL)
    assert response.status_code in (303, 403)
    return response


def test_staff_place_activities_and_open_edx_accepts_them(launch, client, deep_linking_consumer):
    response = _open_picker(launch, client)
    assert response.status_code == 303
    picker = client.get(response.headers["Location"])
    assert picker.status_code == 200
    page = picker.get_data(as_text=True)
    assert "Add mentoring activities to Mentoring for adult learners" in page

    returned = client.post(
        response.headers["Location"],
        data={
            "csrf_token": input_values(page)["csrf_token"],
            "home-selected": "y",
            "home-title": "Find your mentor",
            "reflection-selected": "y",
            "reflection-title": "Reflect on online mentoring",
            "reflection-with_line_item": "y",
            "reflection-score_maximum": "10",
        },
    )

    assert returned.status_code == 200
    page = returned.get_data(as_text=True)
    assert form_attributes(page)[0]["action"] == openedx.DEEP_LINK_RETURN_URL
    token = input_values(page)["JWT"]
    assert jwt.get_unverified_header(token)["kid"] == "tool-key-1"
    items = deep_linking_consumer.check_and_decode_deep_linking_token(token)
    assert [item["title"] for item in items] == ["Find your mentor", "Reflect on online mentoring"]
    home, reflection = items
    assert home["type"] == "ltiResourceLink"
    assert home["custom"] == {"activity": "home"}
    assert home["url"] == "http://tool.test/lti/launch"
    assert "lineItem" not in home
    assert reflection["custom"] == {"activity": "reflection"}
    assert reflection["text"]
    assert reflection["lineItem"] == {
        "scoreMaximum": 10,
        "label": "Reflect on online mentoring",
        "resourceId": "reflection",
        "tag": "completion",
    }
    body = jwt.decode(token, options={"verify_signature": False})
    assert body["iss"] == openedx.CLIENT_ID
    assert body["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == "1"
    assert "https://purl.imsglobal.org/spec/lti-dl/claim/data" not in body


def test_placed_activity_launch_opens_that_activity(launch, client):
    response = launch(user_id="learner-1", custom={"activity": "evaluation"})

    opened = client.get(response.headers["Location"])
    assert opened.status_code == 302
    assert "/open/evaluation?link_id=" in opened.headers["Location"]  # the own page


def test_placed_activity_without_its_own_page_opens_the_programme_home(launch, client):
    response = launch(user_id="staff-1", role="staff", custom={"activity": "preparation"})

    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="role">Course staff<' in page


def test_a_learner_launch_of_a_staff_only_activity_is_refused(launch, client):
    response = launch(user_id="learner-1", custom={"activity": "dashboard"})

    assert client.get(response.headers["Location"]).status_code == 403


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose at least one activity."),
        ({"home-selected": "y", "home-title": ""}, "Give the activity a title."),
        ({"home-selected": "y", "home-title": "x" * 201}, "Use at most 200 characters."),
        (
            {"reflection-selected": "y", "reflection-title": "R", "reflection-score_maximum": "0"},
            "Enter a whole number from 1 to 1000.",
        ),
        (
            {"reflection-selected": "y", "reflection-title": "R", "reflection-score_maximum": "x"},
            "Not a valid integer value.",
        ),
    ],
)
def test_picker_rejects_bad_input(launch, client, deep_linking_consumer, data, error):
    location = _open_picker(launch, client).headers["Location"]
    token = input_values(client.get(location).get_data(as_text=True))["csrf_token"]

    response = client.post(location, data={"csrf_token": token, **data})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert error in page
    assert 'name="JWT"' not in page


def test_picker_requires_csrf_token(launch, client, deep_linking_consumer):
    location = _open_picker(launch, client).headers["Location"]

    response = client.post(location, data={"home-selected": "y", "home-title": "Home"})

    assert response.status_code == 400
    assert 'name="JWT"' not in response.get_data(as_text=True)
    assert "The form has expired or did not come from this tool" in response.get_data(as_text=True)


def test_learners_cannot_deep_link(launch, client, deep_linking_consumer):
    response = _open_picker(launch, client, role="student")

    assert response.status_code == 403


def test_picker_of_another_browser_is_refused(launch, client, app, deep_linking_consumer):
    location = _open_picker(launch, client).headers["Location"]

    stranger = app.test_client()
    assert stranger.get(location).status_code == 401
