"""Launches bound to the login that started them, in the browser that started it (issue 9).

Every refusal: a 4xx, the translated page, and no new rows.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from lti_tool.extensions import db
from lti_tool.lti import operations
from lti_tool.lti.login import LOGIN_COOKIE
from lti_tool.people.models import Course, Membership, User
from lti_tool.platforms.models import Deployment, ResourceLink
from tests.conftest import TOOL_BASE_URL, count_rows
from tests.support import openedx
from tests.support.tokens import rewrite_id_token

MODELS = (User, Course, Membership, ResourceLink, Deployment)
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LAUNCH_URL = TOOL_BASE_URL + "/lti/launch"
REFUSED = "This launch could not be accepted"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


def _keep(captured: dict[str, Any]) -> Any:
    def tamper(payload: dict[str, str], auth: dict[str, str]) -> dict[str, str]:
        captured.update(payload, auth=auth)
        return payload

    return tamper


def _refused(response: Any, status: int, message: str) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert REFUSED in text
    assert message in text


def _forge(**changes: Any) -> Any:
    def tamper(payload: dict[str, str], auth: dict[str, str]) -> dict[str, str]:
        return {**payload, "id_token": rewrite_id_token(payload["id_token"], **changes)}

    return tamper


# --- Login CSRF ----------------------------------------------------------------------------------


def test_a_state_started_in_another_browser_is_refused(app, launch, client):
    attacker = app.test_client()
    captured: dict[str, Any] = {}

    def stop_before_posting(payload: dict[str, str], auth: dict[str, str]) -> dict[str, str]:
        captured.update(payload)
        return {"state": "never-posted"}

    launch(attacker, user_id="attacker", tamper=stop_before_posting)
    before = count_rows(*MODELS)

    # The attacker's page makes the victim's browser post the attacker's id_token and state.
    response = client.post("/lti/launch", data=captured)

    _refused(response, 403, "not started in this browser")
    assert count_rows(*MODELS) == before
    # The state was not spent by the refused attempt, nor usable by anyone but its browser.
    assert attacker.post("/lti/launch", data=captured).status_code == 303


def test_a_forged_platform_storage_answer_is_refused(app, launch, client):
    attacker = app.test_client()
    captured: dict[str, Any] = {}

    def stop(payload: dict[str, str], auth: dict[str, str]) -> dict[str, str]:
        captured.update(payload, nonce=auth["nonce"])
        return {"state": "never-posted"}

    launch(attacker, user_id="attacker", tamper=stop)
    fields = {"id_token": captured["id_token"], "state": captured["state"]}
    before = count_rows(*MODELS)

    # Claiming platform storage only earns the page that asks the platform's frame ...
    page = client.post("/lti/launch", data={**fields, "lti_storage_target": "_parent"})
    assert page.status_code == 200
    assert count_rows(*MODELS) == before
    # ... and the answer is accepted only from the tool's own page, not from another site.
    forged = {
        **fields,
        "lti_storage_target": "_parent",
        "lti_storage_checked": "1",
        "lti_storage_state": captured["state"],
        "lti_storage_nonce": captured["nonce"],
    }
    for headers in ({"Origin": "https://attacker.test"}, {}, {"Sec-Fetch-Site": "cross-site"}):
        response = client.post("/lti/launch", data=forged, headers=headers)
        _refused(response, 403, "not started in this browser")
    assert count_rows(*MODELS) == before


def _storage_login(client: Any, consumer: Any) -> tuple[dict[str, str], str]:
    """Start a login offering platform storage; return the page's storage data and its HTML."""
    from lti_consumer.data import Lti1p3LaunchData

    data = Lti1p3LaunchData(
        user_id="learner-s",
        user_role="student",
        config_id="storage",
        resource_link_id="block-v1:Org+Mentoring+2026+type@lti_consumer+block@home",
        context_id="course-v1:Org+Mentoring+2026",
    )
    preflight = urlsplit(consumer.prepare_preflight_url(data))
    params = {**dict(parse_qsl(preflight.query)), "lti_storage_target": "_parent"}
    page = client.post("/lti/login", data=params)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    storage = json.loads(re.search(r"var storage = (\{.*?\});", html).group(1))
    return storage, html


def test_platform_storage_binds_the_login_without_any_cookie(
    app, client, openedx_consumer, openedx_platform
):
    storage, _html = _storage_login(client, openedx_consumer)
    assert storage["target"] == "_parent"
    assert storage["origin"] == "https://openedx.test"  # the platform's, never "*"
    assert client.get_cookie(LOGIN_COOKIE, path="/lti/") is None  # the platform keeps it
    auth = dict(parse_qsl(urlsplit(storage["auth_url"]).query))
    assert (auth["state"], auth["nonce"]) == (storage["state"], storage["nonce"])
    payload = openedx.platform_launch_payload(
        openedx_consumer,
        auth,
        user_id="learner-s",
        context_id="course-v1:Org+Mentoring+2026",
        resource_link_id="block-v1:Org+Mentoring+2026+type@lti_consumer+block@home",
    )
    posted = {**payload, "lti_storage_target": "_parent"}

    # The launch lands on the page that reads state and nonce back from the platform ...
    check = client.post("/lti/launch", data=posted)
    assert check.status_code == 200
    assert count_rows(User)["user_account"] == 0
    # ... which posts what the platform answered, from the tool's own origin.
    answer = {
        **posted,
        "lti_storage_checked": "1",
        "lti_storage_state": storage["state"],
        "lti_storage_nonce": storage["nonce"],
    }
    wrong = client.post(
        "/lti/launch",
        data={**answer, "lti_storage_nonce": "another"},
        headers={"Origin": "http://tool.test"},
    )
    _refused(wrong, 403, "not started in this browser")

    response = client.post("/lti/launch", data=answer, headers={"Origin": "http://tool.test"})

    assert response.status_code == 303
    assert client.get(response.headers["Location"]).status_code == 200
    # Single use all the same.
    again = client.post("/lti/launch", data=answer, headers={"Origin": "http://tool.test"})
    _refused(again, 400, "used already")


# --- What the login was for ----------------------------------------------------------------------


def _second_login(client: Any, consumer: Any) -> dict[str, str]:
    """Start another Open edX login in the same browser; return its authorization request."""
    return openedx.start_login(
        client,
        consumer,
        user_id="learner-1",
        role="student",
        resource_link_id="block-v1:Org+Mentoring+2026+type@lti_consumer+block@home",
        context_id="course-v1:Org+Mentoring+2026",
    )


def test_the_nonce_of_one_login_with_the_state_of_another_is_refused(
    launch, client, openedx_consumer
):
    def swap_state(payload: dict[str, str], auth: dict[str, str]) -> dict[str, str]:
        other = _second_login(client, openedx_consumer)
        return {**payload, "state": other["state"]}

    before = count_rows(*MODELS)

    response = launch(user_id="learner-1", tamper=swap_state)

    _refused(response, 400, "used already or has expired")
    assert count_rows(*MODELS) == before


def test_a_state_from_another_platforms_login_is_refused(app, launch, client):
    operations.add_registration(
        issuer="https://platform-two.test",
        client_id="two",
        auth_login_url="https://platform-two.test/auth",
        auth_token_url="https://platform-two.test/token",
        keyset_url="https://platform-two.test/jwks",
        deployment_ids=["1"],
    )
    db.session.commit()

    def platform_two_state(payload: dict[str, str], auth: dict[str, str]) -> dict[str, str]:
        login = client.get(
            "/lti/login?"
            + urlencode(
                {
                    "iss": "https://platform-two.test",
                    "client_id": "two",
                    "login_hint": "x",
                    "target_link_uri": LAUNCH_URL,
                    "lti1p3_new_window": "1",
                }
            )
        )
        other = dict(parse_qsl(urlsplit(login.headers["Location"]).query))
        # Even with the nonce of that login, platform one's token does not complete it.
        token = rewrite_id_token(payload["id_token"], nonce=other["nonce"])
        return {"id_token": token, "state": other["state"]}

    before = count_rows(*MODELS)

    response = launch(user_id="learner-1", tamper=platform_two_state)

    _refused(response, 403, "does not belong to the login")
    assert count_rows(*MODELS) == before


def test_a_deployment_other_than_the_logins_is_refused(launch):
    registration = operations.find_registration(openedx.ISSUER, openedx.CLIENT_ID)
    operations.activate_deployment(registration.issuer, registration.client_id, "2")
    db.session.commit()
    before = count_rows(*MODELS)

    response = launch(user_id="learner-1", tamper=_forge(**{CLAIM + "deployment_id": "2"}))

    _refused(response, 403, "does not belong to the login")
    assert count_rows(*MODELS) == before


@pytest.mark.parametrize(
    ("login_changes", "status", "message"),
    [
        ({"target_link_uri": None}, 400, "incomplete"),
        ({"target_link_uri": "https://elsewhere.test/lti/launch"}, 400, "another address"),
        ({"target_link_uri": TOOL_BASE_URL + "/course/1/"}, 400, "another address"),
    ],
    ids=["missing", "other host", "not a launch URL"],
)
def test_login_target_link_must_be_the_tools_launch_url(
    client, openedx_consumer, openedx_platform, login_changes, status, message
):
    with pytest.raises(AssertionError):  # the login is refused, no redirect to the platform
        openedx.start_login(
            client,
            openedx_consumer,
            user_id="learner-1",
            role="student",
            resource_link_id="link",
            context_id="course",
            login_changes=login_changes,
        )
    params = {
        "iss": openedx.ISSUER,
        "client_id": openedx.CLIENT_ID,
        "login_hint": "learner-1",
        "target_link_uri": LAUNCH_URL,
        "lti1p3_new_window": "1",
    }
    for name, value in login_changes.items():
        if value is None:
            params.pop(name)
        else:
            params[name] = value
    _refused(client.get("/lti/login?" + urlencode(params)), status, message)


@pytest.mark.parametrize(
    "tamper",
    [
        _forge(drop=(CLAIM + "target_link_uri",)),
        _forge(**{CLAIM + "target_link_uri": "https://elsewhere.test/lti/launch"}),
        _forge(**{CLAIM + "target_link_uri": TOOL_BASE_URL + "/lti/launch?next=/x"}),
    ],
    ids=["missing", "other host", "another URL of the tool"],
)
def test_token_target_link_must_be_the_logins(launch, tamper):
    before = count_rows(*MODELS)

    response = launch(user_id="learner-1", tamper=tamper)

    _refused(response, 400, "another address")
    assert count_rows(*MODELS) == before


# --- Malformed tokens and claims -----------------------------------------------------------------


def _nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value


def _b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _raw(header: Any, body: Any, *, body_text: str | None = None) -> Any:
    def tamper(payload: dict[str, str], auth: dict[str, str]) -> dict[str, str]:
        encoded = (
            base64.urlsafe_b64encode(body_text.encode()).rstrip(b"=").decode()
            if body_text is not None
            else _b64(body)
        )
        return {**payload, "id_token": f"{_b64(header)}.{encoded}.c2lnbmF0dXJl"}

    return tamper


@pytest.mark.parametrize(
    "tamper",
    [
        _raw(["RS256"], {"iss": openedx.ISSUER}),
        _raw({"alg": "RS256", "kid": "openedx-platform-key"}, ["not", "an", "object"]),
        _raw({"alg": "RS256"}, "a string"),
        _raw(None, None),
        _raw({"alg": "RS256"}, None, body_text="[" * 20_000 + "]" * 20_000),
    ],
    ids=["array header", "array body", "string body", "null header", "nested 20 000 deep"],
)
def test_malformed_tokens_are_refused_with_a_page(launch, tamper):
    before = count_rows(*MODELS)

    response = launch(user_id="learner-1", tamper=tamper)

    _refused(response, 400, "could not be read")
    assert count_rows(*MODELS) == before


@pytest.mark.parametrize(
    ("claims", "named"),
    [
        ({CLAIM + "roles": "Learner"}, "roles"),
        ({CLAIM + "roles": ["Learner", 7]}, "roles"),
        ({CLAIM + "context": "course-1"}, "context"),
        ({CLAIM + "context": {"title": "No id"}}, "context"),
        ({CLAIM + "context": {"id": 12}}, "context"),
        ({CLAIM + "resource_link": ["link"]}, "resource_link"),
        ({CLAIM + "resource_link": {"title": "No id"}}, "resource_link"),
        ({CLAIM + "custom": ["activity", "reflection"]}, "custom"),
        ({CLAIM + "deployment_id": 1}, "deployment_id"),
        ({CLAIM + "launch_presentation": "iframe"}, "launch_presentation"),
        ({"sub": 42}, "sub"),
        ({"email": ["a@example.org"]}, "email"),
        ({CLAIM + "context": {"id": "x" * 300}}, "context"),
        ({"name": "Anna\x00Ferri"}, "name"),
        ({CLAIM + "context": {"id": "c", "title": "Course\x00"}}, "context.title"),
        ({CLAIM + "roles": ["Learner\x00"]}, "roles.0"),
        ({AGS: {"lineitem": "https://lms.test/" + "x" * 1000}}, "endpoint"),
        ({AGS: {"scope": "score"}}, "endpoint"),
        ({CLAIM + "custom": {"a": _nested(25)}}, "custom"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_claims_of_the_wrong_type_are_refused_and_logged(launch, caplog, claims, named):
    before = count_rows(*MODELS)

    with caplog.at_level(logging.WARNING):
        response = launch(user_id="learner-1", tamper=_forge(**claims))

    _refused(response, 400, "unexpected form")
    assert count_rows(*MODELS) == before
    assert any(f"claim {named} " in record.getMessage() for record in caplog.records)


def test_a_huge_id_token_is_refused_and_not_kept(app, launch):
    before = count_rows(*MODELS)

    response = launch(user_id="learner-1", tamper=_forge(padding="x" * 1_000_000))

    _refused(response, 413, "too large")
    assert count_rows(*MODELS) == before


def test_refusals_are_translated(launch, client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "it"

    response = launch(user_id="learner-1", tamper=_forge(**{CLAIM + "roles": "Learner"}))

    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Non è stato possibile accettare questo avvio" in text
    assert "contiene dati in una forma inattesa" in text
