"""Moodle's ``mod/lti`` playing the platform: dynamic registration and a resource-link launch.

Built from Moodle 4.5's own code (LMS-FACTS.md): ``openid-configuration.php``,
``openid-registration.php`` with ``registration_helper`` (token check, ``registration_to_config``,
``config_to_registration``), ``auth.php`` and ``certs.php``. Where Moodle answers an error, it
answers the same status and the same bare text body (``token_already_used`` with 401).
"""

from __future__ import annotations

import itertools
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
from flask import Flask, jsonify, request
from jwcrypto.jwk import JWK

from lti_tool.lti.claims import Claim, MessageType, Role

from . import keys
from .html import form_attributes, input_values

ISSUER = "https://moodle.test"
PLATFORM_HOST = ISSUER
OPENID_CONFIGURATION_URL = ISSUER + "/mod/lti/openid-configuration.php"
REGISTRATION_URL = ISSUER + "/mod/lti/openid-registration.php"
AUTH_URL = ISSUER + "/mod/lti/auth.php"
TOKEN_URL = ISSUER + "/mod/lti/token.php"
KEYSET_URL = ISSUER + "/mod/lti/certs.php"
VERSION = "4.5.2 (Build: 20250210)"
KEY_NAME = "moodle-platform"
KID = "moodle-platform-key"

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCOPES_SUPPORTED = [
    "https://purl.imsglobal.org/spec/lti-bo/scope/basicoutcome",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    SCOPE_NRPS,
    "https://purl.imsglobal.org/spec/lti-ts/scope/toolsetting",
    "openid",
]
#: ``messages_supported`` of Moodle 4.x: objects with a type.
MESSAGES_AS_OBJECTS: list[Any] = [
    {"type": "LtiResourceLinkRequest"},
    {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]},
]
#: ``messages_supported`` of Moodle 3.10: plain names.
MESSAGES_AS_STRINGS: list[Any] = ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"]
#: Moodle strips ``www.`` and keeps the port: ``lti_get_domain_from_url``.
DOMAIN_OF_URL = re.compile(r"(?:https?://)?(?:www\.)?([^/]+)(?:/|$)", re.IGNORECASE)


class RegistrationRefused(Exception):
    """Moodle's ``registration_exception``: a bare message and an HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class MoodleState:
    """What the test Moodle serves, the tool types it created and what it was sent."""

    issuer: str = ISSUER
    messages_supported: list[Any] | None = field(default_factory=lambda: list(MESSAGES_AS_OBJECTS))
    #: When set, every endpoint answers this status (the site is down).
    failing_status: int | None = None
    #: Tool types by client id: the registration body, the type id and ``pending``/``configured``.
    tools: dict[str, dict[str, Any]] = field(default_factory=dict)
    registration_bodies: list[dict[str, Any]] = field(default_factory=list)
    pending_logins: dict[str, dict[str, str]] = field(default_factory=dict)
    _type_ids: Any = field(default_factory=lambda: itertools.count(1))

    def issue_registration_token(self) -> str:
        """Sign a registration token as ``startltiadvregistration.php`` does (new client id)."""
        now = int(time.time())
        claims = {"sub": secrets.token_urlsafe(11)[:15], "scope": "reg", "iat": now}
        claims["exp"] = now + 3600
        return jwt.encode(claims, keys.private_pem(KEY_NAME), "RS256", headers={"kid": KID})

    def activate(self, client_id: str) -> None:
        """Do what the Moodle administrator does: activate the pending tool."""
        self.tools[client_id]["state"] = "configured"

    def openid_configuration(self) -> dict[str, Any]:
        """Return what ``openid-configuration.php`` prints."""
        platform: dict[str, Any] = {"product_family_code": "moodle", "version": VERSION}
        if self.messages_supported is not None:
            platform["messages_supported"] = self.messages_supported
        platform["placements"] = ["AddContentMenu"]
        platform["variables"] = ["ResourceLink.id", "Person.name.full", "Person.email.primary"]
        return {
            "issuer": self.issuer,
            "token_endpoint": TOKEN_URL,
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": KEYSET_URL,
            "authorization_endpoint": AUTH_URL,
            "registration_endpoint": REGISTRATION_URL,
            "scopes_supported": SCOPES_SUPPORTED,
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
            PLATFORM_CONFIGURATION: platform,
        }

    def register(self, authorization: str, body: Any) -> dict[str, Any]:
        """Create a pending tool type as ``openid-registration.php`` does; return its answer."""
        if not authorization.startswith("Bearer "):
            raise RegistrationRefused("missing_registration_token", 401)
        client_id = self._client_id_of(authorization[len("Bearer ") :].strip())
        if not isinstance(body, dict):
            raise RegistrationRefused("missing required attribute response_types", 400)
        check_registration(body)
        type_id = next(self._type_ids)
        self.tools[client_id] = {"type_id": type_id, "body": body, "state": "pending"}
        self.registration_bodies.append(body)
        return registration_answer(body, client_id, type_id)

    def _client_id_of(self, token: str) -> str:
        """Check the token as ``validate_registration_token``: signed, ``reg``, never used."""
        try:
            claims = jwt.decode(token, keys.public_pem(KEY_NAME), algorithms=["RS256"])
        except jwt.PyJWTError as error:
            # Moodle lets the JWT library's exception escape; the tool sees an error status.
            raise RegistrationRefused(f"invalid registration token: {error}", 401) from error
        if claims.get("scope") != "reg":
            raise RegistrationRefused("Incorrect scope", 403)
        if claims["sub"] in self.tools:
            raise RegistrationRefused("token_already_used", 401)
        return claims["sub"]


def domain_of(url: str) -> str | None:
    """Return the domain Moodle compares: host with port, without ``www.``."""
    match = DOMAIN_OF_URL.match(url)
    return match.group(1) if match else None


def _parameter(payload: dict[str, Any], key: str, *, required: bool) -> Any:
    value = payload.get(key)
    if not value:
        if required:
            raise RegistrationRefused(f"missing required attribute {key}", 400)
        return None
    return value


def check_registration(body: dict[str, Any]) -> None:
    """Refuse a registration body as ``registration_to_config`` does (plus two stricter checks)."""
    response_types = _parameter(body, "response_types", required=True)
    _parameter(body, "initiate_login_uri", required=True)
    redirect_uris = _parameter(body, "redirect_uris", required=True)
    _parameter(body, "client_name", required=True)
    _parameter(body, "jwks_uri", required=True)
    auth_method = _parameter(body, "token_endpoint_auth_method", required=True)
    application_type = _parameter(body, "application_type", required=False)
    tool = _parameter(body, TOOL_CONFIGURATION, required=True)
    domain = _parameter(tool, "domain", required=False)
    if not domain:
        raise RegistrationRefused("missing_domain", 400)
    target_link_uri = _parameter(tool, "target_link_uri", required=False) or "https://" + domain
    if domain_of(domain) != domain_of(target_link_uri):
        raise RegistrationRefused("domain_targetlinkuri_mismatch", 400)
    if "id_token" not in response_types:
        raise RegistrationRefused("invalid_response_types", 400)
    if not isinstance(redirect_uris, list):
        raise RegistrationRefused("invalid_redirect_uris", 400)
    if auth_method != "private_key_jwt":
        raise RegistrationRefused("invalid_token_endpoint_auth_method", 400)
    if application_type and application_type != "web":
        raise RegistrationRefused("invalid_application_type", 400)
    # Stricter than Moodle, which only finds out at launch time: a redirect URI off the
    # tool's domain fails every launch, and without claims Moodle sends no name or email.
    if any(domain_of(uri) != domain_of(domain) for uri in redirect_uris):
        raise RegistrationRefused("redirect_uri_domain_mismatch", 400)
    if not tool.get("claims"):
        raise RegistrationRefused("missing required attribute claims", 400)


def registration_answer(body: dict[str, Any], client_id: str, type_id: int) -> dict[str, Any]:
    """Return what ``config_to_registration`` answers for a new tool type."""
    tool = body[TOOL_CONFIGURATION]
    claims = tool.get("claims") or []
    answer_tool: dict[str, Any] = {
        "version": "1.3.0",
        "deployment_id": str(type_id),
        "target_link_uri": tool["target_link_uri"],
        "domain": domain_of(tool["domain"]),
        "description": tool.get("description") or "",
        "claims": ["sub", "iss"]
        + (["name", "family_name", "given_name"] if _sends_name(claims) else [])
        + (["email"] if "email" in claims else []),
    }
    deep_linking = [
        m for m in tool.get("messages") or [] if m.get("type") == "LtiDeepLinkingRequest"
    ]
    if deep_linking:
        answer_tool["messages"] = [
            {"type": "LtiDeepLinkingRequest", "target_link_uri": deep_linking[0]["target_link_uri"]}
        ]
    return {
        "client_id": client_id,
        "response_types": ["id_token"],
        "jwks_uri": body["jwks_uri"],
        "initiate_login_uri": body["initiate_login_uri"],
        "grant_types": ["client_credentials", "implicit"],
        "redirect_uris": body["redirect_uris"],
        "application_type": "web",
        "token_endpoint_auth_method": "private_key_jwt",
        "client_name": body["client_name"],
        "logo_uri": "",
        "scope": body.get("scope", ""),
        TOOL_CONFIGURATION: answer_tool,
    }


def _sends_name(claims: list[str]) -> bool:
    return any(claim in claims for claim in ("name", "given_name", "family_name"))


def make_platform_app(state: MoodleState) -> Flask:
    """Serve Moodle's configuration, registration, authorization and key endpoints."""
    app = Flask("moodle-test-platform")

    @app.before_request
    def site_down() -> Any:
        if state.failing_status is not None:
            return "<h1>Error</h1>", state.failing_status
        return None

    @app.get("/mod/lti/openid-configuration.php")
    def openid_configuration() -> Any:
        return jsonify(state.openid_configuration())

    @app.post("/mod/lti/openid-registration.php")
    def openid_registration() -> Any:
        try:
            answer = state.register(
                request.headers.get("Authorization", ""),
                request.get_json(force=True, silent=True),
            )
        except RegistrationRefused as refused:
            # Moodle echoes the bare message; PHP's default content type stays text/html.
            return refused.message, refused.status, {"Content-Type": "text/html; charset=utf-8"}
        return jsonify(answer)

    @app.get("/mod/lti/certs.php")
    def certs() -> Any:
        jwk = JWK.from_pem(keys.public_pem(KEY_NAME).encode()).export_public(as_dict=True)
        return jsonify({"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]})

    @app.get("/mod/lti/auth.php")
    def auth() -> Any:
        return authorize(state, request.args.to_dict())

    return app


def registration_link(state: MoodleState, token: str | None = None) -> str:
    """Return the tool URL Moodle opens in its dialog to start a registration."""
    query = {
        "openid_configuration": OPENID_CONFIGURATION_URL,
        "registration_token": token or state.issue_registration_token(),
    }
    return "/lti/register?" + urlencode(query)


def authorize(state: MoodleState, params: dict[str, str]) -> Any:
    """Answer the tool's authorization request as ``auth.php`` does: a self-posting form."""
    tool = state.tools.get(params.get("client_id", ""))
    if tool is None or tool["state"] != "configured":
        return "invalid_client", 400
    body = tool["body"]
    expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post"}
    if any(params.get(name) != value for name, value in expected.items()):
        return "invalid_request", 400
    if params.get("redirect_uri") not in body["redirect_uris"]:
        return "invalid_request: unregistered redirect_uri", 400
    if not params.get("nonce") or not params.get("state"):
        return "invalid_request", 400
    launch = state.pending_logins.pop(params.get("lti_message_hint", ""), None)
    if launch is None or params.get("login_hint") != launch["user_id"]:
        return "invalid_request: unknown login", 400
    id_token = sign_id_token(state, params["client_id"], params["nonce"], launch)
    return (
        f'<form id="auto" method="post" action="{escape(params["redirect_uri"])}">'
        f'<input type="hidden" name="id_token" value="{escape(id_token)}">'
        f'<input type="hidden" name="state" value="{escape(params["state"])}">'
        "</form>"
    )


def sign_id_token(state: MoodleState, client_id: str, nonce: str, launch: dict[str, str]) -> str:
    """Sign a resource-link id_token with the claims Moodle's ``lti_build_request_lti13`` sets."""
    tool = state.tools[client_id]
    requested = tool["body"][TOOL_CONFIGURATION].get("claims") or []
    now = int(time.time())
    claims: dict[str, Any] = {
        "nonce": nonce,
        "iat": now,
        "exp": now + 60,
        "iss": state.issuer,
        "aud": client_id,
        "sub": launch["user_id"],
        Claim.DEPLOYMENT_ID: str(tool["type_id"]),
        Claim.MESSAGE_TYPE: MessageType.RESOURCE_LINK.value,
        Claim.VERSION: "1.3.0",
        Claim.TARGET_LINK_URI: tool["body"][TOOL_CONFIGURATION]["target_link_uri"],
        Claim.RESOURCE_LINK: {"id": launch["resource_link_id"], "title": "Mentoring"},
        Claim.ROLES: [launch["role"]],
        Claim.CONTEXT: {
            "id": launch["context_id"],
            "label": "MENT",
            "title": launch["context_title"],
            "type": ["CourseSection"],
        },
        Claim.LAUNCH_PRESENTATION: {
            "locale": "en",
            "document_target": "iframe",
            "return_url": ISSUER + "/mod/lti/return.php",
        },
        Claim.TOOL_PLATFORM: {
            "product_family_code": "moodle",
            "version": VERSION,
            "guid": "moodle.test",
            "name": "Moodle test",
            "description": "Moodle test site",
        },
    }
    if _sends_name(requested):
        claims.update(given_name=launch["given_name"], family_name=launch["family_name"])
        claims["name"] = f"{launch['given_name']} {launch['family_name']}"
    if "email" in requested:
        claims["email"] = launch["email"]
    return jwt.encode(claims, keys.private_pem(KEY_NAME), "RS256", headers={"kid": KID})


def login_and_launch(
    browser: Any,
    moodle_browser: Any,
    state: MoodleState,
    client_id: str,
    *,
    user_id: str = "7",
    role: str = Role.LEARNER,
    given_name: str = "Giulia",
    family_name: str = "Rossi",
    email: str = "giulia@example.org",
    context_id: str = "2",
    context_title: str = "Mentoring for adult learners",
    resource_link_id: str = "11",
) -> Any:
    """Launch from Moodle into the tool (login, auth.php, form post); return the tool's answer."""
    tool = state.tools[client_id]
    hint = uuid.uuid4().hex
    state.pending_logins[hint] = {
        "user_id": user_id,
        "role": role,
        "given_name": given_name,
        "family_name": family_name,
        "email": email,
        "context_id": context_id,
        "context_title": context_title,
        "resource_link_id": resource_link_id,
    }
    login = urlsplit(tool["body"]["initiate_login_uri"])
    query = {
        "iss": state.issuer,
        "target_link_uri": tool["body"][TOOL_CONFIGURATION]["target_link_uri"],
        "login_hint": user_id,
        "lti_message_hint": hint,
        "client_id": client_id,
        "lti_deployment_id": str(tool["type_id"]),
        "lti1p3_new_window": "1",
    }
    response = browser.get(login.path + "?" + urlencode(query))
    assert response.status_code == 302, response.get_data(as_text=True)
    authorization = urlsplit(response.headers["Location"])
    assert f"{authorization.scheme}://{authorization.netloc}{authorization.path}" == AUTH_URL
    answer = moodle_browser.get(authorization.path + "?" + authorization.query)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    action = urlsplit(form_attributes(page)[0]["action"])
    return browser.post(action.path, data=input_values(page))
