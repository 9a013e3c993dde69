"""Launches the tool must refuse: a 4xx, a readable page, and nothing written (SPEC §6)."""

from __future__ import annotations

import time

import pytest

from lti_tool.extensions import db
from lti_tool.lti import operations
from lti_tool.people.models import Course, Membership, User
from lti_tool.platforms.models import Deployment, ResourceLink
from tests.conftest import count_rows
from tests.support import openedx
from tests.support.tokens import rewrite_id_token

MODELS = (User, Course, Membership, ResourceLink, Deployment)
MESSAGE_TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type"
VERSION = "https://purl.imsglobal.org/spec/lti/claim/version"
DEPLOYMENT = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"


def _token(**changes):
    def tamper(payload, auth):
        return {**payload, "id_token": rewrite_id_token(payload["id_token"], **changes)}

    return tamper


def _state(value):
    def tamper(payload, auth):
        changed = dict(payload)
        if value is None:
            changed.pop("state")
        else:
            changed["state"] = value
        return changed

    return tamper


def _past():
    now = int(time.time())
    return {"iat": now - 600, "exp": now - 300}


CASES = {
    "bad signature": (_token(key_name="intruder"), 403, "not signed by your learning platform"),
    "unknown issuer": (_token(iss="https://evil.test"), 403, "not registered with this tool"),
    "unknown client id": (
        _token(aud="other-client", azp="other-client"),
        403,
        "not registered with this tool",
    ),
    "azp naming another client": (_token(azp="other-client"), 403, "addressed to another tool"),
    "expired token": (_token(**_past()), 400, "has expired"),
    "state mismatch": (_state("state-forged"), 400, "does not match a login"),
    "missing state": (_state(None), 400, "does not match a login"),
    "wrong audience": (
        _token(aud=["other-tool", openedx.CLIENT_ID], azp="other-tool"),
        403,
        "not registered with this tool",
    ),
    "azp not among the audiences": (
        _token(aud=[openedx.CLIENT_ID], azp="other-tool"),
        403,
        "addressed to another tool",
    ),
    "audience list without azp": (
        _token(aud=["other-tool", openedx.CLIENT_ID], drop=("azp",)),
        403,
        "addressed to another tool",
    ),
    "alg none": (_token(unsigned=True), 403, "not signed by your learning platform"),
    "unknown kid": (_token(kid="rotated-away"), 403, "not signed by your learning platform"),
    "missing message type": (_token(drop=(MESSAGE_TYPE,)), 400, "message type or version"),
    "missing version": (_token(drop=(VERSION,)), 400, "message type or version"),
    "wrong version": (_token(**{VERSION: "1.1"}), 400, "message type or version"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_launch_writes_nothing(launch, case):
    tamper, status, message = CASES[case]
    before = count_rows(*MODELS)

    response = launch(user_id="learner-1", name="Anna Ferri", tamper=tamper)

    assert response.status_code == status
    text = response.get_data(as_text=True)
    assert "This launch could not be accepted" in text
    assert message in text
    assert count_rows(*MODELS) == before


def test_replayed_id_token_is_refused(launch, client):
    captured = {}

    def keep(payload, auth):
        captured.update(payload)
        return payload

    assert launch(user_id="learner-1", tamper=keep).status_code == 303
    before = count_rows(*MODELS)

    replay = client.post("/lti/launch", data=captured)

    assert replay.status_code == 400
    assert "used already" in replay.get_data(as_text=True)
    assert count_rows(*MODELS) == before


def test_old_id_token_with_a_fresh_state_is_refused(launch, client, openedx_consumer):
    captured = {}

    def keep(payload, auth):
        captured.update(payload)
        return payload

    launch(user_id="learner-1", tamper=keep)
    before = count_rows(*MODELS)

    def reuse_token(payload, auth):
        return {**payload, "id_token": captured["id_token"]}

    response = launch(user_id="learner-1", tamper=reuse_token)

    assert response.status_code == 400
    assert "used already or has expired" in response.get_data(as_text=True)
    assert count_rows(*MODELS) == before


def test_inactive_deployment_is_refused_with_activation_help(launch, runner):
    registration = operations.find_registration(openedx.ISSUER, openedx.CLIENT_ID)
    operations.record_deployment(registration, "2")
    db.session.commit()
    before = count_rows(*MODELS)

    response = launch(
        user_id="learner-1",
        tamper=_token(**{DEPLOYMENT: "2"}),
        login_changes={"lti_deployment_id": "2"},
    )

    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "not activated yet" in text
    assert "deployments activate" in text
    assert count_rows(*MODELS) == before


def test_unknown_deployment_is_recorded_inactive_then_activated_by_cli(launch, runner, client):
    response = launch(
        user_id="learner-1",
        tamper=_token(**{DEPLOYMENT: "course-copy-7"}),
        login_changes={"lti_deployment_id": "course-copy-7"},
    )

    assert response.status_code == 403
    listed = runner.invoke(args=["deployments", "list"]).output
    assert f"inactive\t{openedx.ISSUER}\t{openedx.CLIENT_ID}\tcourse-copy-7" in listed
    assert count_rows(User)["user_account"] == 0

    result = runner.invoke(
        args=["deployments", "activate", openedx.ISSUER, openedx.CLIENT_ID, "course-copy-7"]
    )
    assert result.exit_code == 0, result.output

    again = launch(
        user_id="learner-1",
        tamper=_token(**{DEPLOYMENT: "course-copy-7"}),
        login_changes={"lti_deployment_id": "course-copy-7"},
    )
    assert again.status_code == 303


def test_auto_activating_registration_trusts_new_deployments(launch):
    registration = operations.find_registration(openedx.ISSUER, openedx.CLIENT_ID)
    registration.auto_activate_deployments = True
    db.session.commit()

    response = launch(
        user_id="learner-1",
        tamper=_token(**{DEPLOYMENT: "new-course"}),
        login_changes={"lti_deployment_id": "new-course"},
    )

    assert response.status_code == 303


def test_registration_deactivated_between_login_and_launch_is_refused(launch, runner):
    def deactivate(payload, auth):
        result = runner.invoke(
            args=["registrations", "deactivate", openedx.ISSUER, openedx.CLIENT_ID]
        )
        assert result.exit_code == 0, result.output
        return payload

    response = launch(user_id="learner-1", tamper=deactivate)

    assert response.status_code == 403
    assert "not registered with this tool" in response.get_data(as_text=True)
    assert count_rows(User)["user_account"] == 0


def test_login_from_unknown_platform_is_refused(client):
    response = client.get(
        "/lti/login?iss=https://nobody.test&login_hint=1&client_id=x&lti1p3_new_window=1"
        "&target_link_uri=http://tool.test/lti/launch"
    )

    assert response.status_code == 403
    assert "not registered with this tool" in response.get_data(as_text=True)


def test_login_without_issuer_is_refused(client):
    response = client.get("/lti/login?login_hint=1&lti1p3_new_window=1")

    assert response.status_code == 400
    assert "incomplete" in response.get_data(as_text=True)
