"""Open edX's own LTI consumer code (``lti-consumer-xblock``) playing the platform in tests.

See LMS-FACTS.md: the consumer signs launches with the platform key, checks the tool's
``redirect_uri``, issues access tokens and decodes deep-linking responses exactly as Open edX does.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.conf import settings

if not settings.configured:
    settings.configure(
        PLATFORM_NAME="Open edX Test",
        OPENEDX_TELEMETRY=[],
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    )

from django.utils.dateparse import parse_datetime  # noqa: E402
from flask import Flask, Response, jsonify, request  # noqa: E402
from lti_consumer.data import Lti1p3LaunchData  # noqa: E402
from lti_consumer.lti_1p3.ags import LtiAgs  # noqa: E402
from lti_consumer.lti_1p3.consumer import LtiAdvantageConsumer  # noqa: E402
from lti_consumer.lti_1p3.nprs import LtiNrps  # noqa: E402  (sic: Open edX spells it nprs)
from opaque_keys import InvalidKeyError  # noqa: E402
from opaque_keys.edx.keys import UsageKey  # noqa: E402

from . import keys  # noqa: E402

ISSUER = "https://openedx.test"
CLIENT_ID = "openedx-client-1"
DEPLOYMENT_ID = "1"
PLATFORM_HOST = "https://openedx.test"
TOKEN_URL = PLATFORM_HOST + "/api/lti_consumer/v1/token/1"
KEYSET_URL = PLATFORM_HOST + "/api/lti_consumer/v1/public_keysets/1"
AUTH_URL = PLATFORM_HOST + "/api/lti_consumer/v1/launch/"
DEEP_LINK_RETURN_URL = PLATFORM_HOST + "/api/lti_consumer/v1/lti/1/lti-dl/response"
LINEITEMS_URL = PLATFORM_HOST + "/api/lti_consumer/v1/lti/1/lti-ags"
MEMBERSHIPS_URL = PLATFORM_HOST + "/api/lti_consumer/v1/lti/1/memberships"

NRPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LINEITEM_CONTAINER_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"

_AGS_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
_NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


@dataclass
class PlatformState:
    """What the test platform's service endpoints serve and what they were sent."""

    members: list[dict[str, Any]] = field(default_factory=list)
    members_page_size: int = 50
    scores: list[dict[str, Any]] = field(default_factory=list)
    line_items: list[dict[str, Any]] = field(default_factory=list)
    line_items_page_size: int = 50
    token_requests: list[dict[str, str]] = field(default_factory=list)
    #: Content type of the token reply; Moodle sends its JSON as ``text/html``.
    token_content_type: str = "application/json"
    #: Quotes around ``next`` in paging Link headers; Moodle's line items use ``("“", "”")``.
    link_quotes: tuple[str, str] = ('"', '"')
    #: Services the admin has not enabled (``"nrps"``, ``"ags"``) and what they answer then:
    #: Moodle 401, Open edX 403 (its permission classes).
    disabled_services: set[str] = field(default_factory=set)
    disabled_status: int = 401
    #: Status of a score whose timestamp is not newer than the stored one: Moodle 409, Open edX
    #: 400 with an error on the ``timestamp`` field.
    stale_score_status: int = 409
    #: Status the score endpoint answers (after checking the token) while it is failing:
    #: 500 (platform down) or 409 (stale timestamp); None when it works.
    score_failure_status: int | None = None

    def add_line_item(self, **fields: Any) -> dict[str, Any]:
        """Store a line item as the platform would, with its id URL, and return it."""
        item = {"id": f"{LINEITEMS_URL}/{len(self.line_items) + 1}", **fields}
        self.line_items.append(item)
        return item


def ags_claim(*, programmatic: bool, lineitem_url: str | None = None) -> dict[str, Any]:
    """Return Open edX's AGS launch claim: programmatic grading, or declarative (read-only)."""
    ags = LtiAgs(
        lineitems_url=LINEITEMS_URL,
        lineitem_url=lineitem_url,
        allow_creating_lineitems=programmatic,
        results_service_enabled=True,
        scores_service_enabled=True,
    )
    return ags.get_lti_ags_launch_claim()


def nrps_claim() -> dict[str, Any]:
    """Return Open edX's NRPS launch claim."""
    return LtiNrps(MEMBERSHIPS_URL).get_lti_nrps_launch_claim()


def make_consumer(tool_base_url: str, tool_public_pem: str) -> LtiAdvantageConsumer:
    """Build Open edX's consumer for the tool under test (once per session: keys are slow)."""
    return LtiAdvantageConsumer(
        iss=ISSUER,
        lti_oidc_url=tool_base_url + "/lti/login",
        lti_launch_url=tool_base_url + "/lti/launch",
        client_id=CLIENT_ID,
        deployment_id=DEPLOYMENT_ID,
        rsa_key=keys.private_pem("openedx-platform"),
        rsa_key_id="openedx-platform-key",
        redirect_uris=[tool_base_url + "/lti/launch"],
        tool_key=tool_public_pem,
    )


def install(consumer: LtiAdvantageConsumer, state: PlatformState) -> Any:
    """Register this Open edX in the tool and route its host to the in-process platform app."""
    from lti_tool import http
    from lti_tool.extensions import db
    from lti_tool.lti import operations

    from .wsgi_transport import WSGITransport

    operations.add_registration(
        issuer=ISSUER,
        client_id=CLIENT_ID,
        auth_login_url=AUTH_URL,
        auth_token_url=TOKEN_URL,
        keyset_url=KEYSET_URL,
        deployment_ids=[DEPLOYMENT_ID],
        name="Open edX test",
    )
    db.session.commit()
    transport = WSGITransport(make_platform_app(consumer, state))
    http.session().mount(PLATFORM_HOST, transport)
    return transport


def make_platform_app(consumer: LtiAdvantageConsumer, state: PlatformState) -> Flask:
    """Serve the platform's JWKS, token, NRPS and AGS endpoints through the consumer's code.

    The service endpoints answer the way Open edX's views do (content types, 400 for line items
    without ``resourceId``/``resourceLinkId``, scopes checked by ``consumer.check_token``);
    ``state`` switches on the Moodle behaviours LMS-FACTS.md lists.
    """
    app = Flask("openedx-test-platform")

    @app.get("/api/lti_consumer/v1/public_keysets/1")
    def keyset() -> Any:
        return jsonify(consumer.get_public_keyset())

    @app.post("/api/lti_consumer/v1/token/1")
    def token() -> Any:
        state.token_requests.append(request.form.to_dict())
        try:
            reply = jsonify(consumer.access_token(request.form.to_dict()))
        except Exception as error:  # the consumer raises its own exception classes
            return jsonify(error="invalid_client", detail=repr(error)), 400
        reply.content_type = state.token_content_type
        return reply

    def refusal(service: str, scopes: list[str]) -> Response | None:
        """Answer 401 without a valid token, 403 without a scope, like Open edX's DRF classes."""
        if service in state.disabled_services:
            return _json({"detail": "Service not enabled."}, state.disabled_status)
        auth = request.headers.get("Authorization", "").split()
        if len(auth) != 2 or auth[0].lower() != "bearer":
            return _json({"detail": "Missing LTI 1.3 authentication token."}, 401)
        try:
            allowed = consumer.check_token(auth[1], scopes)
        except Exception:  # expired, wrong signature, not a JWT
            return _json({"detail": "Invalid token signature."}, 401)
        if not allowed:
            return _json({"detail": "You do not have permission to perform this action."}, 403)
        return None

    @app.get("/api/lti_consumer/v1/lti/1/memberships")
    def memberships() -> Any:
        refused = refusal("nrps", [_NRPS_SCOPE]) or _not_acceptable(NRPS_MEDIA_TYPE)
        if refused:
            return refused
        size = int(request.args.get("limit") or state.members_page_size)
        members, link = _page(state.members, size, state.link_quotes)
        body = {"id": _platform_url(), "context": {"id": "course-v1:Org+Mentoring+2026"}}
        return _json({**body, "members": members}, 200, NRPS_MEDIA_TYPE, link)

    @app.get("/api/lti_consumer/v1/lti/1/lti-ags")
    def line_items() -> Any:
        scopes = [_AGS_SCOPE + "lineitem.readonly", _AGS_SCOPE + "lineitem"]
        refused = refusal("ags", scopes) or _not_acceptable(LINEITEM_CONTAINER_MEDIA_TYPE)
        if refused:
            return refused
        items, link = _page(state.line_items, state.line_items_page_size, state.link_quotes)
        return _json(items, 200, LINEITEM_CONTAINER_MEDIA_TYPE, link)

    @app.post("/api/lti_consumer/v1/lti/1/lti-ags")
    def create_line_item() -> Any:
        refused = refusal("ags", [_AGS_SCOPE + "lineitem"]) or _unsupported(LINEITEM_MEDIA_TYPE)
        if refused:
            return refused
        data = request.get_json(force=True)
        errors = _line_item_errors(data)
        if errors:
            return _json(errors, 400)
        item = state.add_line_item(
            **{name: data[name] for name in _LINE_ITEM_FIELDS if data.get(name) is not None}
        )
        return _json(item, 201, LINEITEM_MEDIA_TYPE)

    @app.post("/api/lti_consumer/v1/lti/1/lti-ags/<int:number>/scores")
    def scores(number: int) -> Any:
        refused = refusal("ags", [_AGS_SCOPE + "score"]) or _unsupported(SCORE_MEDIA_TYPE)
        if refused:
            return refused
        if state.score_failure_status == 409:
            message = "Score timestamp can only be updated to a later point in time"
            return _json({"timestamp": [message]}, 409)
        if state.score_failure_status is not None:
            return Response("<h1>Server Error (500)</h1>", state.score_failure_status)
        line_item_id = f"{LINEITEMS_URL}/{number}"
        if not any(item["id"] == line_item_id for item in state.line_items):
            return _json({"detail": "Not found."}, 404)
        score = request.get_json(force=True)
        errors = _score_errors(score)
        if errors:
            return _json(errors, 400)
        moment = parse_datetime(score["timestamp"])
        for earlier in state.scores:
            stored = earlier["score"]
            same = earlier["line_item"] == line_item_id and stored["userId"] == score["userId"]
            if same and parse_datetime(stored["timestamp"]) >= moment:
                message = "Score timestamp can only be updated to a later point in time"
                return _json({"timestamp": [message]}, state.stale_score_status)
        state.scores.append(
            {"line_item": line_item_id, "content_type": request.content_type, "score": score}
        )
        return _json(score, 201, SCORE_MEDIA_TYPE)

    return app


_LINE_ITEM_FIELDS = ("label", "scoreMaximum", "resourceId", "resourceLinkId", "tag")


def _json(
    body: Any, status: int, content_type: str = "application/json", link: str | None = None
) -> Response:
    response = Response(json.dumps(body), status=status, content_type=content_type)
    if link:
        response.headers["Link"] = link
    return response


def _platform_url() -> str:
    """Return the requested URL on the platform's host (the WSGI transport drops the host)."""
    return PLATFORM_HOST + request.full_path.rstrip("?")


def _not_acceptable(media_type: str) -> Response | None:
    """Answer 406 when the Accept header excludes the only media type (DRF's negotiation)."""
    if "Accept" in request.headers and not request.accept_mimetypes.best_match([media_type]):
        return _json({"detail": "Could not satisfy the request Accept header."}, 406)
    return None


def _unsupported(media_type: str) -> Response | None:
    """Answer 415 unless the body has the one media type the parser takes (DRF's parsers)."""
    if request.mimetype != media_type:
        return _json({"detail": f'Unsupported media type "{request.mimetype}".'}, 415)
    return None


def _page(
    rows: list[dict[str, Any]], size: int, quotes: tuple[str, str]
) -> tuple[list[dict[str, Any]], str | None]:
    """Return one page of rows and the Link header to the next page, if there is one."""
    page = int(request.args.get("page") or 1)
    start = (page - 1) * size
    if start + size >= len(rows):
        return rows[start:], None
    query = {**request.args.to_dict(), "page": str(page + 1)}
    next_url = PLATFORM_HOST + request.path + "?" + urlencode(query)
    return rows[start : start + size], f"<{next_url}>; rel={quotes[0]}next{quotes[1]}"


def _line_item_errors(data: Any) -> dict[str, list[str]]:
    """Validate a new line item as Open edX's LtiAgsLineItemSerializer does."""
    if not isinstance(data, dict):
        return {"non_field_errors": ["Invalid data."]}
    errors: dict[str, list[str]] = {}
    if not isinstance(data.get("label"), str) or not 0 < len(data["label"]) <= 100:
        errors["label"] = ["A label of at most 100 characters is required."]
    maximum = data.get("scoreMaximum")
    if not isinstance(maximum, int | float) or maximum != int(maximum):
        errors["scoreMaximum"] = ["A valid integer is required."]
    if data.get("resourceLinkId") is not None:
        try:
            UsageKey.from_string(data["resourceLinkId"])
        except InvalidKeyError:
            errors["resourceLinkId"] = [f"Invalid usage key: {data['resourceLinkId']!r}"]
    if data.get("resourceId") is None and data.get("resourceLinkId") is None:
        errors["non_field_errors"] = [
            "Must provide at least one of resource_id or resource_link_id"
        ]
    return errors


def _score_errors(score: Any) -> dict[str, list[str]]:
    """Validate a score as Open edX's LtiAgsScoreSerializer does, requiring a timezone."""
    if not isinstance(score, dict):
        return {"non_field_errors": ["Invalid data."]}
    errors = {
        name: ["This field is required."]
        for name in ("timestamp", "activityProgress", "gradingProgress", "userId")
        if not score.get(name)
    }
    moment = parse_datetime(score.get("timestamp") or "")
    if "timestamp" not in errors and (moment is None or moment.tzinfo is None):
        errors["timestamp"] = ["An ISO 8601 datetime with a timezone is required."]
    if score.get("scoreGiven") is not None and not (score.get("scoreMaximum") or 0) > 0:
        errors["scoreMaximum"] = [
            "scoreMaximum is a required field when providing a scoreGiven value."
        ]
    return errors


def login_and_launch(
    client: Any,
    consumer: LtiAdvantageConsumer,
    *,
    user_id: str,
    role: str = "student",
    roles: list[str] | None = None,
    name: str | None = None,
    email: str | None = None,
    context_id: str = "course-v1:Org+Mentoring+2026",
    context_title: str = "Mentoring for adult learners",
    resource_link_id: str = "block-v1:Org+Mentoring+2026+type@lti_consumer+block@home",
    resource_link_title: str | None = "Mentoring programme",
    custom: dict[str, str] | None = None,
    locale: str | None = None,
    message_type: str = "LtiResourceLinkRequest",
    extra_claims: dict[str, Any] | None = None,
    tamper: Any = None,
    login_changes: dict[str, str | None] | None = None,
) -> Any:
    """Run a whole launch the way Open edX does it and return the tool's launch response.

    ``login_changes`` changes (or, with None, removes) parameters of the login initiation.
    """
    auth = start_login(
        client,
        consumer,
        user_id=user_id,
        role=role,
        resource_link_id=resource_link_id,
        context_id=context_id,
        message_type=message_type,
        login_changes=login_changes,
    )
    payload = platform_launch_payload(
        consumer,
        auth,
        user_id=user_id,
        role=role,
        roles=roles,
        name=name,
        email=email,
        context_id=context_id,
        context_title=context_title,
        resource_link_id=resource_link_id,
        resource_link_title=resource_link_title,
        custom=custom,
        locale=locale,
        extra_claims=extra_claims,
    )
    if tamper is not None:
        payload = tamper(payload, auth)
    return client.post("/lti/launch", data=payload)


def start_login(
    client: Any,
    consumer: LtiAdvantageConsumer,
    *,
    user_id: str,
    role: str,
    resource_link_id: str,
    context_id: str,
    message_type: str = "LtiResourceLinkRequest",
    login_changes: dict[str, str | None] | None = None,
) -> dict[str, str]:
    """Do the OIDC login leg; return the authorization request the tool redirected to."""
    launch_data = Lti1p3LaunchData(
        user_id=user_id,
        user_role=role,
        config_id=str(uuid.uuid4()),
        resource_link_id=resource_link_id,
        context_id=context_id,
        message_type=message_type,
    )
    preflight = urlsplit(consumer.prepare_preflight_url(launch_data))
    params = dict(parse_qsl(preflight.query))
    for name, value in (login_changes or {}).items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    response = client.get(preflight.path + "?" + urlencode({**params, "lti1p3_new_window": "1"}))
    assert response.status_code == 302, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    assert location.scheme + "://" + location.netloc + location.path == AUTH_URL
    return dict(parse_qsl(location.query))


def platform_launch_payload(
    consumer: LtiAdvantageConsumer,
    auth: dict[str, str],
    *,
    user_id: str,
    role: str = "student",
    roles: list[str] | None = None,
    name: str | None = None,
    email: str | None = None,
    context_id: str,
    context_title: str | None = None,
    resource_link_id: str,
    resource_link_title: str | None = None,
    custom: dict[str, str] | None = None,
    locale: str | None = None,
    extra_claims: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Let the consumer answer the authorization request with a signed id_token."""
    consumer.extra_claims = {}
    consumer.lti_claim_custom_parameters = None
    consumer.set_user_data(user_id, role, full_name=name, email_address=email)
    if roles is not None:
        consumer.lti_claim_user_data["https://purl.imsglobal.org/spec/lti/claim/roles"] = roles
    consumer.set_resource_link_claim(resource_link_id, title=resource_link_title)
    consumer.set_context_claim(context_id, context_title=context_title)
    if custom:
        consumer.set_custom_parameters(custom)
    consumer.set_launch_presentation_claim(document_target="iframe")
    if locale:
        consumer.lti_claim_launch_presentation[
            "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"
        ]["locale"] = locale
    if extra_claims:
        consumer.set_extra_claim(extra_claims)
    return consumer.generate_launch_request(auth)
