"""Tool key rotation: overlapping keys in the JWKS, new tokens under the new kid."""

from __future__ import annotations

from datetime import timedelta

import jwt

from lti_tool.lti import operations
from lti_tool.lti.tool_conf import DatabaseToolConf
from lti_tool.models_base import utcnow
from tests.support import openedx


def _jwks_kids(client):
    response = client.get("/lti/jwks.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return [key["kid"] for key in response.get_json()["keys"]]


def _new_token_kid():
    registration = DatabaseToolConf().find_registration_by_params(openedx.ISSUER, openedx.CLIENT_ID)
    token = jwt.encode(
        {"iss": openedx.CLIENT_ID},
        registration.get_tool_private_key(),
        algorithm="RS256",
        headers={"kid": registration.get_kid()},
    )
    return jwt.get_unverified_header(token)["kid"], token


def test_jwks_publishes_public_keys_only(client):
    keys = client.get("/lti/jwks.json").get_json()["keys"]

    assert [key["kid"] for key in keys] == ["tool-key-1"]
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["use"] == "sig"
    assert "d" not in keys[0] and "p" not in keys[0]


def test_rotation_overlaps_then_retires_the_old_key(client, runner, openedx_platform, monkeypatch):
    result = runner.invoke(args=["keys", "rotate", "--retire-after-days", "3"])
    assert result.exit_code == 0, result.output
    new_kid = result.output.split("New signing key ")[1].split(";")[0]

    assert sorted(_jwks_kids(client)) == sorted(["tool-key-1", new_kid])
    kid, token = _new_token_kid()
    assert kid == new_kid
    jwks = client.get("/lti/jwks.json").get_json()
    public = jwt.PyJWKSet.from_dict(jwks)[new_kid]
    assert jwt.decode(token, public.key, algorithms=["RS256"])["iss"] == openedx.CLIENT_ID

    later = utcnow() + timedelta(days=3, minutes=1)
    monkeypatch.setattr(operations, "utcnow", lambda: later)
    assert _jwks_kids(client) == [new_kid]
    assert _new_token_kid()[0] == new_kid

    result = runner.invoke(args=["keys", "rotate", "--retire-after-days", "3"])
    assert "1 retired key(s) removed" in result.output
    listed = runner.invoke(args=["keys", "list"]).output
    assert "tool-key-1" not in listed
    assert new_kid in listed


def test_first_key_is_created_when_none_exists(client, app):
    from lti_tool.extensions import db
    from lti_tool.platforms.models import ToolKey

    db.session.query(ToolKey).delete()
    db.session.commit()

    kids = _jwks_kids(client)

    assert len(kids) == 1
    assert _jwks_kids(client) == kids


def test_the_first_service_call_of_a_new_install_is_signed_with_a_published_key(client, app):
    """A platform checks the first client assertion against the JWKS it fetches while the
    tool's call (and its transaction) is still open: the key must be published already."""
    from lti_tool.extensions import db
    from lti_tool.platforms.models import ToolKey

    db.session.query(ToolKey).delete()
    db.session.commit()
    operations.add_registration(
        issuer="https://new-lms.test",
        client_id="new-client",
        auth_login_url="https://new-lms.test/auth",
        auth_token_url="https://new-lms.test/token",
        keyset_url="https://new-lms.test/jwks",
        deployment_ids=["1"],
    )
    db.session.commit()

    signer = operations.signing_key()  # the first service call, its transaction still open
    with app.app_context():  # the platform's JWKS fetch: another request, another connection
        published = [key.kid for key in operations.current_keys()]
    assert signer.kid in published
    db.session.rollback()
