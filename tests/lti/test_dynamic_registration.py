"""Dynamic registration with Moodle (LMS-FACTS.md): what the tool sends, stores and refuses."""

from __future__ import annotations

import json

import jwt
import pytest
import requests
from requests.adapters import BaseAdapter
from sqlalchemy import select

from lti_tool import http
from lti_tool.extensions import db
from lti_tool.lti import operations
from lti_tool.platforms.models import Deployment, Registration
from tests.conftest import count_rows
from tests.support import moodle
from tests.support.wsgi_transport import WSGITransport

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
AGS_SCOPES = {
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
}
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
CLOSE_SCRIPT = (
    "(window.opener || window.parent).postMessage({subject: 'org.imsglobal.lti.close'}, '*')"
)
NOTHING = {"registration": 0, "deployment": 0}


@pytest.fixture
def moodle_state() -> moodle.MoodleState:
    """What the test Moodle serves and records."""
    return moodle.MoodleState()


@pytest.fixture
def moodle_platform(app, moodle_state) -> WSGITransport:
    """Moodle reachable through the tool's HTTP session (not registered in the tool)."""
    transport = WSGITransport(moodle.make_platform_app(moodle_state))
    http.session().mount(moodle.PLATFORM_HOST, transport)
    return transport


def _client_id_in(token: str) -> str:
    return jwt.decode(token, options={"verify_signature": False})["sub"]


def _rows() -> dict[str, int]:
    return count_rows(Registration, Deployment)


@pytest.mark.parametrize(
    "messages_supported",
    [moodle.MESSAGES_AS_OBJECTS, moodle.MESSAGES_AS_STRINGS],
    ids=["moodle-4-objects", "moodle-3.10-strings"],
)
def test_registration_stores_the_platform_with_an_active_deployment(
    client, moodle_platform, moodle_state, messages_supported
):
    moodle_state.messages_supported = messages_supported
    token = moodle_state.issue_registration_token()

    response = client.get(moodle.registration_link(moodle_state, token))

    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "must activate" in page
    assert CLOSE_SCRIPT in page
    assert 'id="close-registration"' in page
    assert response.headers["Cache-Control"] == "no-store"
    client_id = _client_id_in(token)
    assert moodle_state.tools[client_id]["state"] == "pending"
    registration = db.session.scalar(select(Registration))
    assert (
        registration.issuer,
        registration.client_id,
        registration.auth_login_url,
        registration.auth_token_url,
        registration.keyset_url,
        registration.product_family_code,
        registration.name,
    ) == (
        moodle.ISSUER,
        client_id,
        moodle.AUTH_URL,
        moodle.TOKEN_URL,
        moodle.KEYSET_URL,
        "moodle",
        "Moodle (moodle.test)",
    )
    [deployment] = registration.deployments
    assert deployment.deployment_id == str(moodle_state.tools[client_id]["type_id"])
    assert deployment.is_active
    assert deployment.activated_at is not None


def test_registration_body_asks_for_what_the_tool_uses(client, moodle_platform, moodle_state):
    token = moodle_state.issue_registration_token()

    client.get(moodle.registration_link(moodle_state, token))

    post = moodle_platform.calls[-1]
    assert (post.method, post.url) == ("POST", moodle.REGISTRATION_URL)
    assert post.headers["Authorization"] == f"Bearer {token}"
    assert post.headers["Content-Type"] == "application/json"
    body = json.loads(post.body)
    assert body == moodle_state.registration_bodies[0]
    tool = body[TOOL_CONFIGURATION]
    assert body["application_type"] == "web"
    assert body["response_types"] == ["id_token"]
    assert set(body["grant_types"]) == {"implicit", "client_credentials"}
    assert body["initiate_login_uri"] == "http://tool.test/lti/login"
    assert body["redirect_uris"] == ["http://tool.test/lti/launch"]
    assert body["jwks_uri"] == "http://tool.test/lti/jwks.json"
    assert body["client_name"] == "Mentoring"
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    assert set(body["scope"].split(" ")) == AGS_SCOPES | {NRPS_SCOPE}
    assert tool["domain"] == "tool.test"
    assert tool["target_link_uri"] == "http://tool.test/lti/launch"
    assert tool["custom_parameters"] == {}
    assert {"name", "given_name", "family_name", "email"} <= set(tool["claims"])
    assert tool["messages"] == [
        {
            "type": "LtiDeepLinkingRequest",
            "target_link_uri": "http://tool.test/lti/launch",
            "label": "Mentoring",
        }
    ]
    assert tool["description"]


def test_local_tool_sends_its_domain_with_the_port(app, client, moodle_platform, moodle_state):
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"

    response = client.get(moodle.registration_link(moodle_state))

    assert response.status_code == 200, response.get_data(as_text=True)
    body = moodle_state.registration_bodies[0]
    assert body[TOOL_CONFIGURATION]["domain"] == "127.0.0.1:5000"
    assert body["initiate_login_uri"] == "http://127.0.0.1:5000/lti/login"
    assert body["redirect_uris"] == ["http://127.0.0.1:5000/lti/launch"]


@pytest.mark.parametrize(
    ("messages_supported", "asks_for_deep_linking"),
    [
        (moodle.MESSAGES_AS_OBJECTS, True),
        (moodle.MESSAGES_AS_STRINGS, True),
        ([{"type": "LtiResourceLinkRequest"}], False),
        (["LtiResourceLinkRequest"], False),
        (None, True),
    ],
    ids=["objects", "strings", "objects-without", "strings-without", "not-listed"],
)
def test_deep_linking_is_asked_for_only_where_the_platform_supports_it(
    client, moodle_platform, moodle_state, messages_supported, asks_for_deep_linking
):
    moodle_state.messages_supported = messages_supported

    response = client.get(moodle.registration_link(moodle_state))

    assert response.status_code == 200, response.get_data(as_text=True)
    messages = moodle_state.registration_bodies[0][TOOL_CONFIGURATION]["messages"]
    assert bool(messages) is asks_for_deep_linking


def test_reused_registration_token_is_refused_and_writes_nothing(
    client, moodle_platform, moodle_state
):
    token = moodle_state.issue_registration_token()
    assert client.get(moodle.registration_link(moodle_state, token)).status_code == 200
    after_first = _rows()

    response = client.get(moodle.registration_link(moodle_state, token))

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "refused the registration token: it was used already or has expired" in page
    assert "token_already_used" in page
    assert "Nothing was saved" in page
    assert _rows() == after_first == {"registration": 1, "deployment": 1}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?openid_configuration=" + moodle.OPENID_CONFIGURATION_URL,
        "?registration_token=abc",
        "?openid_configuration=&registration_token=abc",
    ],
    ids=["none", "no-token", "no-configuration", "empty-configuration"],
)
def test_missing_parameters_are_refused(client, moodle_platform, query):
    response = client.get("/lti/register" + query)

    assert response.status_code == 400
    assert "start the registration again" in response.get_data(as_text=True)
    assert moodle_platform.calls == []
    assert _rows() == NOTHING


def test_configuration_url_must_be_a_web_address(client, moodle_platform):
    response = client.get(
        "/lti/register?openid_configuration=file:///etc/passwd&registration_token=t"
    )

    assert response.status_code == 400
    assert "not a web address" in response.get_data(as_text=True)
    assert moodle_platform.calls == []


@pytest.mark.parametrize(
    "issuer",
    ["https://evil.test", "http://moodle.test", "https://moodle.test:8443"],
    ids=["other-host", "other-scheme", "other-port"],
)
def test_issuer_of_another_site_is_refused(client, moodle_platform, moodle_state, issuer):
    moodle_state.issuer = issuer

    response = client.get(moodle.registration_link(moodle_state))

    assert response.status_code == 400
    assert "names an issuer on another site" in response.get_data(as_text=True)
    assert [call.method for call in moodle_platform.calls] == ["GET"]  # the token stays unused
    assert moodle_state.tools == {}
    assert _rows() == NOTHING


def test_issuer_with_a_path_on_the_same_site_is_accepted(client, moodle_platform, moodle_state):
    moodle_state.issuer = "https://moodle.test/school"

    response = client.get(moodle.registration_link(moodle_state))

    assert response.status_code == 200, response.get_data(as_text=True)
    assert db.session.scalar(select(Registration.issuer)) == "https://moodle.test/school"


@pytest.mark.parametrize("status", [500, 503])
def test_platform_down_is_refused_and_writes_nothing(client, moodle_platform, moodle_state, status):
    moodle_state.failing_status = status

    response = client.get(moodle.registration_link(moodle_state))

    assert response.status_code == 502
    assert "could not reach your platform" in response.get_data(as_text=True)
    assert _rows() == NOTHING


def test_registration_endpoint_failing_writes_nothing(client, moodle_platform, moodle_state):
    link = moodle.registration_link(moodle_state)
    moodle_state.register = _raise(moodle.RegistrationRefused("Internal error", 500))

    response = client.get(link)

    assert response.status_code == 502
    page = response.get_data(as_text=True)
    assert "Your platform refused the tool's registration." in page
    assert "Internal error" in page
    assert _rows() == NOTHING


class _Unreachable(BaseAdapter):
    def send(self, request, **kwargs):
        raise requests.ConnectionError("connection refused")

    def close(self):
        pass


def test_unreachable_platform_is_refused(app, client, moodle_state):
    http.session().mount(moodle.PLATFORM_HOST, _Unreachable())

    response = client.get(moodle.registration_link(moodle_state))

    assert response.status_code == 502
    assert "could not reach your platform" in response.get_data(as_text=True)
    assert _rows() == NOTHING


def _raise(error):
    def _raising(*args, **kwargs):
        raise error

    return _raising


@pytest.mark.parametrize(
    "answer",
    [{"client_id": ""}, {"error": "nope"}, ["client_id", "x"]],
    ids=["empty-client-id", "no-client-id", "not-an-object"],
)
def test_answer_without_client_id_is_refused(client, moodle_platform, moodle_state, answer):
    moodle_state.register = lambda authorization, body: answer

    response = client.get(moodle.registration_link(moodle_state))

    assert response.status_code == 502
    assert "gave the tool no client id" in response.get_data(as_text=True)
    assert _rows() == NOTHING


@pytest.mark.parametrize("missing", ["registration_endpoint", "jwks_uri", "authorization_endpoint"])
def test_configuration_without_an_endpoint_is_refused(
    client, moodle_platform, moodle_state, missing
):
    configuration = moodle_state.openid_configuration()
    del configuration[missing]
    moodle_state.openid_configuration = lambda: configuration

    response = client.get(moodle.registration_link(moodle_state))

    page = response.get_data(as_text=True)
    assert response.status_code == 502
    assert "not an LTI 1.3 platform configuration" in page
    assert missing in page
    assert [call.method for call in moodle_platform.calls] == ["GET"]
    assert _rows() == NOTHING


def test_existing_client_id_is_updated_not_refused_after_posting(
    client, moodle_platform, moodle_state
):
    """A registration the tool has (say, from a restore) but Moodle posts anew: update it."""
    token = moodle_state.issue_registration_token()
    operations.add_registration(
        issuer=moodle.ISSUER,
        client_id=_client_id_in(token),
        auth_login_url="https://moodle.test/old/auth.php",
        auth_token_url=moodle.TOKEN_URL,
        keyset_url="https://moodle.test/old/certs.php",
    )
    db.session.commit()

    response = client.get(moodle.registration_link(moodle_state, token))

    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Nothing was changed" not in page
    assert 'data-testid="registration-updated"' in page
    assert "authorization endpoint" in page and "platform key set (JWKS) address" in page
    registration = db.session.scalar(select(Registration))
    assert (registration.auth_login_url, registration.keyset_url) == (
        moodle.AUTH_URL,
        moodle.KEYSET_URL,
    )
    assert _rows() == {"registration": 1, "deployment": 1}
    assert registration.deployments[0].is_active


def test_update_from_moodle_updates_the_stored_registration_and_says_so(
    client, moodle_platform, moodle_state
):
    """Moodle's "Update" on the tool type: a ``reg-update`` token, the same client id back."""
    token = moodle_state.issue_registration_token()
    assert client.get(moodle.registration_link(moodle_state, token)).status_code == 200
    client_id = _client_id_in(token)
    moodle_state.activate(client_id)
    registration = db.session.scalar(select(Registration))
    # The tool's record drifted (an old key set address), and the first deployment was lost.
    registration.keyset_url = "https://moodle.test/old/certs.php"
    registration.deployments[0].is_active = False
    db.session.commit()
    posts_before = len(moodle_state.registration_bodies)

    response = client.get(
        moodle.registration_link(moodle_state, moodle_state.issue_update_token(client_id))
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert len(moodle_state.registration_bodies) == posts_before + 1  # Moodle did update
    assert moodle_state.tools[client_id]["updates"] == 1
    assert "is updated" in page
    assert 'data-testid="registration-updated"' in page
    assert "platform key set (JWKS) address" in page
    assert "deployment 1, now trusted" in page
    assert "Nothing was changed" not in page
    assert CLOSE_SCRIPT in page
    db.session.expire_all()
    registration = db.session.scalar(select(Registration))
    assert registration.keyset_url == moodle.KEYSET_URL
    assert registration.name == "Moodle (moodle.test)"
    assert [(d.deployment_id, d.is_active) for d in registration.deployments] == [("1", True)]
    assert _rows() == {"registration": 1, "deployment": 1}

    # Updating again with nothing new says so, and launches still work.
    again = client.get(
        moodle.registration_link(moodle_state, moodle_state.issue_update_token(client_id))
    )
    assert "Nothing the tool stores had changed." in again.get_data(as_text=True)
    launched = moodle.login_and_launch(client, moodle_platform.client, moodle_state, client_id)
    assert launched.status_code == 303, launched.get_data(as_text=True)


def test_second_registration_of_the_same_platform_names_the_earlier_one(
    client, moodle_platform, moodle_state
):
    client.get(moodle.registration_link(moodle_state))

    response = client.get(moodle.registration_link(moodle_state))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="other-registrations"' in page
    assert "1 earlier registration of this platform" in page
    assert _rows() == {"registration": 2, "deployment": 2}


def test_launch_after_dynamic_registration_and_activation(client, moodle_platform, moodle_state):
    token = moodle_state.issue_registration_token()
    client.get(moodle.registration_link(moodle_state, token))
    client_id = _client_id_in(token)
    moodle_state.activate(client_id)

    response = moodle.login_and_launch(client, moodle_platform.client, moodle_state, client_id)

    assert response.status_code == 303, response.get_data(as_text=True)
    page = client.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Giulia Rossi" in text  # sent because the registration asked for names
    assert "Mentoring for adult learners" in text


def test_platform_not_allowed_by_the_configuration_is_refused_before_any_request(
    app, client, moodle_platform, moodle_state
):
    app.config["REGISTRATION_ALLOWED_PLATFORMS"] = ["https://other-moodle.example.org"]

    response = client.get(moodle.registration_link(moodle_state))

    assert response.status_code == 403
    assert "registration_allowed_platforms" in response.get_data(as_text=True)
    assert moodle_platform.calls == []
    assert _rows() == NOTHING


def test_registration_is_closed_by_default(app, client, moodle_platform, moodle_state):
    app.config["REGISTRATION_ALLOWED_PLATFORMS"] = []

    response = client.get(moodle.registration_link(moodle_state))

    assert response.status_code == 403
    assert moodle_platform.calls == []
