"""Moodle's ``mod/lti`` playing the platform: registration, launches, roster and deep linking.

Built from Moodle 4.5's own code (LMS-FACTS.md): ``startltiadvregistration.php`` (new and
"Update" registration tokens), ``openid-configuration.php``, ``openid-registration.php`` with
``registration_helper`` (token check, ``registration_to_config``, ``config_to_registration``),
``auth.php``, ``certs.php``, ``token.php``, the memberships service, ``contentitem.php`` /
``contentitem_return.php`` and ``lti_get_ims_role`` for roles. Where Moodle answers an error, it
answers the same status and the same bare text body (``token_already_used`` with 401).

Roles are never chosen by a test: a person has a Moodle course role (``editingteacher``,
``teacher``, ``student``, ``manager``) and may be a site administrator, and the double derives
the LTI roles as Moodle does. Moodle never sends a Mentor role.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from flask import Flask, Response, jsonify, request
from jwcrypto.jwk import JWK

from lti_tool.platforms.claims import Claim, MessageType

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
CONTENT_ITEM_RETURN_URL = ISSUER + "/mod/lti/contentitem_return.php"
#: The named frame of the activity form's "Select content" dialog (``mod_lti/contentitem``).
CONTENT_ITEM_FRAME = "contentitem-page-iframe"
NRPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
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
#: Registration token scopes of ``registration_helper``: a new tool, or "Update" of a tool type.
REG_TOKEN_NEW = "reg"
REG_TOKEN_UPDATE = "reg-update"
_LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
#: What ``lti_get_ims_role`` + the JWT conversion send in a launch.
INSTRUCTOR = _LIS + "membership#Instructor"
LEARNER = _LIS + "membership#Learner"
SYSTEM_ADMINISTRATOR = _LIS + "system/person#Administrator"
INSTITUTION_ADMINISTRATOR = _LIS + "institution/person#Administrator"
#: Course roles holding ``mod/lti:manage`` (and ``moodle/course:manageactivities``).
MANAGING_ROLES = {"editingteacher", "manager"}
COURSE_ROLES = {"editingteacher", "teacher", "student", "manager"}
#: Moodle strips ``www.`` and keeps the port: ``lti_get_domain_from_url``.
DOMAIN_OF_URL = re.compile(r"(?:https?://)?(?:www\.)?([^/]+)(?:/|$)", re.IGNORECASE)


class RegistrationRefused(Exception):
    """Moodle's ``registration_exception``: a bare message and an HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class MoodleUser:
    """A person of the Moodle site: their course role there and whether they run the site."""

    user_id: str
    given_name: str
    family_name: str
    email: str
    course_role: str = "student"
    is_site_admin: bool = False

    def __post_init__(self) -> None:
        if self.course_role not in COURSE_ROLES:
            raise ValueError(f"no such Moodle course role: {self.course_role}")


def launch_roles(user: MoodleUser) -> list[str]:
    """Return the id_token ``roles`` Moodle sends (``lti_get_ims_role``, then URIs).

    Instructor for holders of ``mod/lti:manage`` (editing teachers, managers), Learner for
    everyone else, non-editing teachers included; site administrators lose Learner and get the
    system and institution Administrator roles. Never Mentor.
    """
    roles = [INSTRUCTOR if user.course_role in MANAGING_ROLES or user.is_site_admin else LEARNER]
    if user.is_site_admin:
        roles = [role for role in roles if role != LEARNER]
        roles += [SYSTEM_ADMINISTRATOR, INSTITUTION_ADMINISTRATOR]
    return roles


def roster_roles(user: MoodleUser) -> list[str]:
    """Return a member's ``roles`` in the memberships service: short names, admin URIs."""
    return [
        role.rsplit("#", 1)[1] if "/membership#" in role else role for role in launch_roles(user)
    ]


@dataclass
class MoodleState:
    """What the test Moodle serves, the tool types it created and what it was sent."""

    issuer: str = ISSUER
    #: Where the site answers (a browser test serves it on a local port).
    base_url: str = ISSUER
    messages_supported: list[Any] | None = field(default_factory=lambda: list(MESSAGES_AS_OBJECTS))
    #: When set, every endpoint answers this status (the site is down).
    failing_status: int | None = None
    #: Tool types by client id: the registration body, the type id and ``pending``/``configured``.
    tools: dict[str, dict[str, Any]] = field(default_factory=dict)
    registration_bodies: list[dict[str, Any]] = field(default_factory=list)
    pending_logins: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Enrolled people by course id (the memberships service lists them).
    enrolments: dict[str, list[MoodleUser]] = field(default_factory=dict)
    members_page_size: int = 50
    #: Returns the tool's JWKS (set by the test: Moodle fetches the registered ``jwks_uri``).
    tool_keyset: Any = None
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    #: What ``contentitem_return.php`` received and decoded: one list of items per return.
    content_item_returns: list[list[dict[str, Any]]] = field(default_factory=list)
    #: Why ``contentitem_return.php`` refused what it received.
    content_item_refusals: list[str] = field(default_factory=list)
    #: Who is signed into the site in the browser (the activity form's "Select content").
    browser_user: MoodleUser | None = None
    _type_ids: Any = field(default_factory=lambda: itertools.count(1))

    def issue_registration_token(self) -> str:
        """Sign a registration token as ``startltiadvregistration.php`` does (new client id)."""
        return self._registration_token(secrets.token_urlsafe(11)[:15], REG_TOKEN_NEW)

    def issue_update_token(self, client_id: str) -> str:
        """Sign the token of the tool type's "Update" link: ``sub`` is the type id."""
        return self._registration_token(str(self.tools[client_id]["type_id"]), REG_TOKEN_UPDATE)

    def _registration_token(self, sub: str, scope: str) -> str:
        now = int(time.time())
        claims = {"sub": sub, "scope": scope, "iat": now, "exp": now + 3600}
        return jwt.encode(
            claims, keys.load_private_key(keys.private_pem(KEY_NAME)), "RS256", headers={"kid": KID}
        )

    def url(self, path: str) -> str:
        """Return the address of a page of the site."""
        return self.base_url + path

    def activate(self, client_id: str) -> None:
        """Do what the Moodle administrator does: activate the pending tool."""
        self.tools[client_id]["state"] = "configured"

    def enrol(self, context_id: str, *people: MoodleUser) -> None:
        """Enrol people in a course (they appear in its memberships service)."""
        self.enrolments.setdefault(context_id, []).extend(people)

    def openid_configuration(self) -> dict[str, Any]:
        """Return what ``openid-configuration.php`` prints."""
        platform: dict[str, Any] = {"product_family_code": "moodle", "version": VERSION}
        if self.messages_supported is not None:
            platform["messages_supported"] = self.messages_supported
        platform["placements"] = ["AddContentMenu"]
        platform["variables"] = ["ResourceLink.id", "Person.name.full", "Person.email.primary"]
        return {
            "issuer": self.issuer,
            "token_endpoint": self.url("/mod/lti/token.php"),
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": self.url("/mod/lti/certs.php"),
            "authorization_endpoint": self.url("/mod/lti/auth.php"),
            "registration_endpoint": self.url("/mod/lti/openid-registration.php"),
            "scopes_supported": SCOPES_SUPPORTED,
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
            PLATFORM_CONFIGURATION: platform,
        }

    def register(self, authorization: str, body: Any) -> dict[str, Any]:
        """Create (or, with an update token, update) a tool type as ``openid-registration.php``."""
        if not authorization.startswith("Bearer "):
            raise RegistrationRefused("missing_registration_token", 401)
        client_id, existing = self._check_token(authorization[len("Bearer ") :].strip())
        if not isinstance(body, dict):
            raise RegistrationRefused("missing required attribute response_types", 400)
        check_registration(body)
        if existing is not None:
            # lti_update_type: the configuration (and its privacy settings) is replaced.
            existing["body"] = body
            type_id = existing["type_id"]
            existing["updates"] = existing.get("updates", 0) + 1
        else:
            type_id = next(self._type_ids)
            self.tools[client_id] = {"type_id": type_id, "body": body, "state": "pending"}
        self.registration_bodies.append(body)
        return registration_answer(body, client_id, type_id)

    def _check_token(self, token: str) -> tuple[str, dict[str, Any] | None]:
        """Check the token as ``validate_registration_token``: signed, a known scope, unused."""
        try:
            claims = jwt.decode(token, keys.public_pem(KEY_NAME), algorithms=["RS256"])
        except jwt.PyJWTError as error:
            # Moodle lets the JWT library's exception escape; the tool sees an error status.
            raise RegistrationRefused(f"invalid registration token: {error}", 401) from error
        if claims.get("scope") == REG_TOKEN_NEW:
            if claims["sub"] in self.tools:
                raise RegistrationRefused("token_already_used", 401)
            return claims["sub"], None
        if claims.get("scope") == REG_TOKEN_UPDATE:
            for client_id, tool in self.tools.items():
                if str(tool["type_id"]) == claims["sub"]:
                    return client_id, tool
            raise RegistrationRefused("Unknown client", 400)
        raise RegistrationRefused("Incorrect scope", 403)

    def issue_access_token(self, form: dict[str, str]) -> tuple[dict[str, Any], int]:
        """Answer ``token.php``: a client-credentials grant with a signed client assertion."""
        self.token_requests.append(form)
        if form.get("grant_type") != "client_credentials":
            return {"error": "unsupported_grant_type"}, 400
        assertion = form.get("client_assertion", "")
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            return {"error": "invalid_request"}, 400
        client_id = unverified.get("sub")
        tool = self.tools.get(client_id or "")
        if tool is None or tool["state"] != "configured" or not header.get("kid"):
            return {"error": "invalid_client"}, 400
        if self.tool_keyset is not None:
            keyset = jwt.PyJWKSet.from_dict(self.tool_keyset())
            key = next((k for k in keyset.keys if k.key_id == header["kid"]), None)
            if key is None:
                return {"error": "invalid_client"}, 400
            try:
                jwt.decode(
                    assertion,
                    key.key,
                    algorithms=["RS256"],
                    audience=self.url("/mod/lti/token.php"),
                )
            except jwt.PyJWTError:
                return {"error": "invalid_client"}, 400
        granted = set(form.get("scope", "").split()) & set(tool["body"].get("scope", "").split())
        token = secrets.token_hex(16)
        self.access_tokens[token] = {"client_id": client_id, "scopes": granted}
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": " ".join(sorted(granted)),
        }, 200

    def members_page(self, context_id: str, type_id: int, offset: int) -> tuple[dict, str | None]:
        """Return one page of the memberships service and the next page's URL."""
        client_id = next(c for c, t in self.tools.items() if t["type_id"] == type_id)
        requested = self.tools[client_id]["body"][TOOL_CONFIGURATION].get("claims") or []
        people = self.enrolments.get(context_id, [])
        size = self.members_page_size
        members = []
        for user in people[offset : offset + size]:
            member: dict[str, Any] = {
                "status": "Active",
                "roles": roster_roles(user),
                "user_id": user.user_id,
            }
            if _sends_name(requested):
                member.update(
                    name=f"{user.given_name} {user.family_name}",
                    given_name=user.given_name,
                    family_name=user.family_name,
                )
            if "email" in requested:
                member["email"] = user.email
            members.append(member)
        next_url = None
        if offset + size < len(people):
            next_url = self.memberships_url(context_id, type_id)
            next_url += f"?limit={size}&from={offset + size}"
        body = {
            "id": self.memberships_url(context_id, type_id),
            "context": {"id": context_id, "label": "MENT", "title": "Mentoring"},
            "members": members,
        }
        return body, next_url

    def memberships_url(self, context_id: str, type_id: int) -> str:
        """Return the memberships service URL of a course and tool type."""
        path = f"/mod/lti/services.php/CourseSection/{context_id}/bindings/{type_id}/memberships"
        return self.url(path)


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
    """Serve Moodle's configuration, registration, authorization, key and service endpoints."""
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
        return jsonify({"keys": [_public_jwk()]})

    @app.get("/mod/lti/auth.php")
    def auth() -> Any:
        return authorize(state, request.args.to_dict())

    @app.post("/mod/lti/token.php")
    def token() -> Any:
        answer, status = state.issue_access_token(request.form.to_dict())
        # Moodle prints the JSON with PHP's default content type.
        return json.dumps(answer), status, {"Content-Type": "text/html; charset=utf-8"}

    @app.get("/mod/lti/services.php/CourseSection/<context_id>/bindings/<int:type_id>/memberships")
    def memberships(context_id: str, type_id: int) -> Any:
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        grant = state.access_tokens.get(bearer)
        if grant is None or SCOPE_NRPS not in grant["scopes"]:
            return "Unauthorized", 401
        if state.tools[grant["client_id"]]["type_id"] != type_id:
            return "Forbidden", 403
        offset = int(request.args.get("from") or 0)
        body, next_url = state.members_page(context_id, type_id, offset)
        response = Response(json.dumps(body), 200, content_type=NRPS_MEDIA_TYPE)
        if next_url:
            response.headers["Link"] = f'<{next_url}>; rel="next"'
        return response

    @app.get("/course/modedit.php")
    def activity_form() -> Any:
        return activity_form_page(state, request.args.get("type", ""))

    @app.post("/mod/lti/contentitem.php")
    def contentitem() -> Any:
        # lti_initiate_login: a self-posting form to the tool's login initiation.
        client_id = next(
            c for c, t in state.tools.items() if str(t["type_id"]) == request.form.get("id")
        )
        assert state.browser_user is not None, "sign someone into the test Moodle first"
        query = login_query(
            state,
            client_id,
            state.browser_user,
            context_id=request.form.get("course", "2"),
            deep_linking=True,
        )
        action = state.tools[client_id]["body"]["initiate_login_uri"]
        fields = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
            for k, v in query.items()
        )
        return (
            f'<form id="login" method="post" action="{escape(action)}">{fields}</form>'
            '<script>document.getElementById("login").submit();</script>'
        )

    @app.post("/mod/lti/contentitem_return.php")
    def contentitem_return() -> Any:
        return content_item_return(state, request.args.to_dict(), request.form.get("JWT", ""))

    return app


def activity_form_page(state: MoodleState, type_id: str) -> str:
    """Return the "Add an external tool" form with its "Select content" dialog frame.

    As ``mod_lti/contentitem``: a form posts to ``contentitem.php`` into the named frame, and
    ``window.processContentItemReturnData`` fills the form from what comes back.
    """
    return f"""<!doctype html><html><head><title>Adding a new External tool</title></head>
<body>
<form class="mform" id="activity-form"><label for="id_name">Activity name</label>
<input id="id_name" name="name"><input id="id_toolurl" name="toolurl"></form>
<p id="selected-items" data-testid="selected-items"></p>
<button type="button" id="select-content">Select content</button>
<iframe id="{CONTENT_ITEM_FRAME}" name="{CONTENT_ITEM_FRAME}" style="width:800px;height:600px">
</iframe>
<form target="{CONTENT_ITEM_FRAME}" action="/mod/lti/contentitem.php" method="post"
 id="contentitem-request-form"><input type="hidden" name="id" value="{escape(type_id)}">
<input type="hidden" name="course" value="2"></form>
<script>
window.processContentItemReturnData = function (returnData) {{
  var items = returnData.multiple || [returnData];
  document.getElementById("id_name").value = items[0].name;
  document.getElementById("id_toolurl").value = items[0].toolurl;
  document.getElementById("selected-items").textContent =
    items.map(function (item) {{ return item.name; }}).join(" | ");
}};
document.getElementById("select-content").addEventListener("click", function () {{
  document.getElementById("contentitem-request-form").submit();
}});
</script></body></html>"""


def registration_link(state: MoodleState, token: str | None = None) -> str:
    """Return the tool URL Moodle opens in its dialog to start a registration."""
    query = {
        "openid_configuration": state.url("/mod/lti/openid-configuration.php"),
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
    if launch is None or params.get("login_hint") != launch["user"].user_id:
        return "invalid_request: unknown login", 400
    id_token = sign_id_token(state, params["client_id"], params["nonce"], launch)
    return (
        f'<form id="auto" method="post" action="{escape(params["redirect_uri"])}">'
        f'<input type="hidden" name="id_token" value="{escape(id_token)}">'
        f'<input type="hidden" name="state" value="{escape(params["state"])}">'
        "</form>"
        '<script>document.getElementById("auto").submit();</script>'
    )


def sign_id_token(state: MoodleState, client_id: str, nonce: str, launch: dict[str, Any]) -> str:
    """Sign an id_token with the claims Moodle's ``lti_build_request_lti13`` sets."""
    tool = state.tools[client_id]
    configuration = tool["body"][TOOL_CONFIGURATION]
    requested = configuration.get("claims") or []
    user: MoodleUser = launch["user"]
    now = int(time.time())
    claims: dict[str, Any] = {
        "nonce": nonce,
        "iat": now,
        "exp": now + 60,
        "iss": state.issuer,
        "aud": client_id,
        "sub": user.user_id,
        Claim.DEPLOYMENT_ID: str(tool["type_id"]),
        Claim.VERSION: "1.3.0",
        Claim.ROLES: launch_roles(user),
        Claim.CONTEXT: {
            "id": launch["context_id"],
            "label": "MENT",
            "title": launch["context_title"],
            "type": ["CourseSection"],
        },
        Claim.LAUNCH_PRESENTATION: {
            "locale": "en",
            "document_target": "iframe",
            "return_url": state.url("/mod/lti/return.php"),
        },
        Claim.TOOL_PLATFORM: {
            "product_family_code": "moodle",
            "version": VERSION,
            "guid": "moodle.test",
            "name": "Moodle test",
            "description": "Moodle test site",
        },
    }
    if launch["deep_linking"]:
        target = (
            next(
                (
                    m.get("target_link_uri")
                    for m in configuration.get("messages") or []
                    if m.get("type") == "LtiDeepLinkingRequest"
                ),
                None,
            )
            or configuration["target_link_uri"]
        )
        claims[Claim.MESSAGE_TYPE] = MessageType.DEEP_LINKING_REQUEST.value
        claims[Claim.TARGET_LINK_URI] = target
        return_query = urlencode(
            {"course": launch["context_id"], "id": tool["type_id"], "sesskey": "s3ssk3y"}
        )
        claims[Claim.DEEP_LINKING_SETTINGS] = {
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["frame", "iframe", "window"],
            "accept_copy_advice": False,
            "accept_multiple": True,
            "accept_unsigned": False,
            "auto_create": False,
            "can_confirm": False,
            "deep_link_return_url": state.url("/mod/lti/contentitem_return.php?" + return_query),
            "title": "",
            "text": "",
        }
    else:
        claims[Claim.MESSAGE_TYPE] = MessageType.RESOURCE_LINK.value
        claims[Claim.TARGET_LINK_URI] = configuration["target_link_uri"]
        claims[Claim.RESOURCE_LINK] = {"id": launch["resource_link_id"], "title": "Mentoring"}
    if SCOPE_NRPS in (tool["body"].get("scope") or "").split():
        claims[Claim.NRPS] = {
            "context_memberships_url": state.memberships_url(launch["context_id"], tool["type_id"]),
            "service_versions": ["1.0", "2.0"],
        }
    if _sends_name(requested):
        claims.update(given_name=user.given_name, family_name=user.family_name)
        claims["name"] = f"{user.given_name} {user.family_name}"
    if "email" in requested:
        claims["email"] = user.email
    return jwt.encode(
        claims, keys.load_private_key(keys.private_pem(KEY_NAME)), "RS256", headers={"kid": KID}
    )


def content_item_return(state: MoodleState, query: dict[str, str], token: str) -> Any:
    """Answer ``contentitem_return.php``, recording why it refused, if it did."""
    answer = _content_item_return(state, query, token)
    if isinstance(answer, tuple):
        state.content_item_refusals.append(answer[0])
    return answer


def _content_item_return(state: MoodleState, query: dict[str, str], token: str) -> Any:
    """Answer ``contentitem_return.php``: check the tool's JWT, hand the items to the form.

    Like Moodle, the page calls ``parent.processContentItemReturnData`` when it is in a frame
    and ``window.processContentItemReturnData`` when it is not, where no form defines it.
    """
    client_id = next(
        (c for c, t in state.tools.items() if str(t["type_id"]) == query.get("id")), None
    )
    if client_id is None or not token:
        return "invalidrequest: no such tool type or no JWT", 400
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return "invalidrequest: not a JWT", 400
    if unverified.get("iss") != client_id or not header.get("kid"):
        return "invalidrequest: iss is not the client id, or no kid", 400
    if state.tool_keyset is not None:
        keyset = jwt.PyJWKSet.from_dict(state.tool_keyset())
        key = next((k for k in keyset.keys if k.key_id == header["kid"]), None)
        if key is None:
            return "invalidrequest: kid not in the tool's key set", 400
        jwt.decode(token, key.key, algorithms=["RS256"], audience=state.issuer)
    items = unverified.get(Claim.CONTENT_ITEMS) or []
    state.content_item_returns.append(items)
    data = {"multiple": [{"name": item.get("title"), "toolurl": item.get("url")} for item in items]}
    return (
        "<!doctype html><title>Content selection</title>"
        "<script>var returnData = " + json.dumps(data) + ";"
        "if (window != top) { parent.processContentItemReturnData(returnData); }"
        " else { window.processContentItemReturnData(returnData); }</script>"
    )


def login_and_launch(
    browser: Any,
    moodle_browser: Any,
    state: MoodleState,
    client_id: str,
    user: MoodleUser | None = None,
    *,
    context_id: str = "2",
    context_title: str = "Mentoring for adult learners",
    resource_link_id: str = "11",
    deep_linking: bool = False,
) -> Any:
    """Launch from Moodle into the tool (login, auth.php, form post); return the tool's answer.

    Without ``user``, a student (Giulia Rossi). With ``deep_linking``, the launch is the
    "Select content" request of the activity form (``contentitem.php``).
    """
    user = user or MoodleUser("7", "Giulia", "Rossi", "giulia@example.org")
    login = urlsplit(state.tools[client_id]["body"]["initiate_login_uri"])
    query = login_query(
        state,
        client_id,
        user,
        context_id=context_id,
        context_title=context_title,
        resource_link_id=resource_link_id,
        deep_linking=deep_linking,
    )
    query["lti1p3_new_window"] = "1"
    response = browser.get(login.path + "?" + urlencode(query))
    assert response.status_code == 302, response.get_data(as_text=True)
    authorization = urlsplit(response.headers["Location"])
    where = f"{authorization.scheme}://{authorization.netloc}{authorization.path}"
    assert where == state.url("/mod/lti/auth.php")
    answer = moodle_browser.get(authorization.path + "?" + authorization.query)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    action = urlsplit(form_attributes(page)[0]["action"])
    return browser.post(action.path, data=input_values(page))


def login_query(
    state: MoodleState,
    client_id: str,
    user: MoodleUser,
    *,
    context_id: str = "2",
    context_title: str = "Mentoring for adult learners",
    resource_link_id: str = "11",
    deep_linking: bool = False,
) -> dict[str, str]:
    """Return the login initiation Moodle sends for a launch, remembering the launch."""
    tool = state.tools[client_id]
    hint = uuid.uuid4().hex
    state.pending_logins[hint] = {
        "user": user,
        "context_id": context_id,
        "context_title": context_title,
        "resource_link_id": resource_link_id,
        "deep_linking": deep_linking,
    }
    return {
        "iss": state.issuer,
        "target_link_uri": tool["body"][TOOL_CONFIGURATION]["target_link_uri"],
        "login_hint": user.user_id,
        "lti_message_hint": hint,
        "client_id": client_id,
        "lti_deployment_id": str(tool["type_id"]),
    }


def query_of(url: str) -> dict[str, str]:
    """Return the query parameters of a URL, one value each."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


@functools.cache
def _public_jwk() -> dict[str, Any]:
    """The public JWK Moodle publishes (converted once: PEM parsing is slow)."""
    jwk = JWK.from_pem(keys.public_pem(KEY_NAME).encode()).export_public(as_dict=True)
    return {**jwk, "kid": KID, "alg": "RS256", "use": "sig"}
