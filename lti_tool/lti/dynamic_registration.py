"""LTI Dynamic Registration as Moodle performs it (LMS-FACTS.md; LTI-DR 1.0).

Moodle opens the tool's registration page in a dialog with ``openid_configuration`` (where its
platform configuration is) and ``registration_token`` (a single-use JWT). The tool reads the
configuration, posts its own configuration with the token, records the client id and deployment
id Moodle answers with, and asks Moodle to close the dialog. pylti1p3's ``DynamicRegistration``
is not used: it closes the session it is given, checks with ``assert`` and never checks the issuer.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import http
from ..extensions import db
from ..platforms.claims import MessageType, Scope
from ..platforms.models import Registration
from ..urls import public_url
from . import operations

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"

#: What the tool needs from the platform configuration (LTI-DR §3.4).
REQUIRED_PLATFORM_FIELDS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "registration_endpoint",
)
#: Moodle sends names and email only when the registration asks for them.
REQUESTED_CLAIMS = ("iss", "sub", "name", "given_name", "family_name", "email")
#: A line-item or score scope switches Moodle's grade service on, contextmembership its NRPS.
REQUESTED_SCOPES = (
    Scope.LINEITEM,
    Scope.LINEITEM_READONLY,
    Scope.RESULT_READONLY,
    Scope.SCORE,
    Scope.NRPS,
)
DEFAULT_PORTS = {"http": 80, "https": 443}
#: Longest platform answer quoted on the failure page.
ANSWER_EXCERPT_LENGTH = 200


class Failure(enum.StrEnum):
    """Why a registration did not happen; each has a translated explanation and a status."""

    MISSING_PARAMETERS = "missing_parameters"
    BAD_CONFIGURATION_URL = "bad_configuration_url"
    PLATFORM_UNREACHABLE = "platform_unreachable"
    BAD_CONFIGURATION = "bad_configuration"
    ISSUER_MISMATCH = "issuer_mismatch"
    TOKEN_REFUSED = "token_refused"  # noqa: S105 - a failure reason, not a secret
    REGISTRATION_REFUSED = "registration_refused"
    BAD_ANSWER = "bad_answer"
    PLATFORM_NOT_ALLOWED = "platform_not_allowed"


FAILURE_MESSAGES = {
    Failure.MISSING_PARAMETERS: _l(
        "This page is opened by your learning platform during dynamic registration, with the "
        "address of its configuration and a registration token. One of them is missing: start "
        "the registration again from your platform's tool management page."
    ),
    Failure.BAD_CONFIGURATION_URL: _l(
        "The address of your platform's configuration is not a web address the tool can read."
    ),
    Failure.PLATFORM_UNREACHABLE: _l(
        "The tool could not reach your platform. Try again in a moment; if it keeps failing, "
        "check that the platform can be reached from the tool's server."
    ),
    Failure.BAD_CONFIGURATION: _l(
        "Your platform's configuration is not an LTI 1.3 platform configuration the tool can use."
    ),
    Failure.ISSUER_MISMATCH: _l(
        "Your platform's configuration names an issuer on another site than the one it was read "
        "from, so the tool does not trust it."
    ),
    Failure.TOKEN_REFUSED: _l(
        "Your platform refused the registration token: it was used already or has expired. "
        "Start the registration again from your platform to get a new one."
    ),
    Failure.REGISTRATION_REFUSED: _l("Your platform refused the tool's registration."),
    Failure.BAD_ANSWER: _l(
        "Your platform's answer to the registration could not be read: it gave the tool no "
        "client id."
    ),
}

FAILURE_MESSAGES[Failure.PLATFORM_NOT_ALLOWED] = _l(
    "The tool's administrator has not allowed this platform to register. Ask them to add the "
    "platform's address to registration_allowed_platforms in the tool's configuration."
)

#: How the registration page names what an update changed.
CHANGE_LABELS = {
    "auth_login_url": _l("authorization endpoint"),
    "auth_token_url": _l("token endpoint"),
    "keyset_url": _l("platform key set (JWKS) address"),
    "auth_audience": _l("token audience"),
    "product_family_code": _l("platform product"),
}

FAILURE_STATUS = {
    Failure.PLATFORM_NOT_ALLOWED: 403,
    Failure.MISSING_PARAMETERS: 400,
    Failure.BAD_CONFIGURATION_URL: 400,
    Failure.PLATFORM_UNREACHABLE: 502,
    Failure.BAD_CONFIGURATION: 502,
    Failure.ISSUER_MISMATCH: 400,
    Failure.TOKEN_REFUSED: 400,
    Failure.REGISTRATION_REFUSED: 502,
    Failure.BAD_ANSWER: 502,
}


class RegistrationFailed(Exception):
    """A registration the tool could not complete; nothing of it is stored."""

    def __init__(self, failure: Failure, detail: str = "", page_detail: str = "") -> None:
        super().__init__(f"{failure}: {detail}" if detail else str(failure))
        self.failure = failure
        #: For the log: what was called and what came back.
        self.detail = detail
        #: For the administrator on the page: the platform's error, or what is missing.
        self.page_detail = page_detail


@dataclass(frozen=True)
class PlatformConfiguration:
    """What the tool keeps of a platform's OpenID configuration (LTI-DR §3.4)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    authorization_server: str | None = None
    product_family_code: str | None = None
    #: Message types the platform lists, or None when it lists none (assume all).
    messages_supported: frozenset[str] | None = None

    @property
    def supports_deep_linking(self) -> bool:
        """Tell whether the platform accepts deep-linking requests (unknown counts as yes)."""
        return (
            self.messages_supported is None
            or MessageType.DEEP_LINKING_REQUEST in self.messages_supported
        )

    @property
    def display_name(self) -> str:
        """Name the registration after the product family and the platform's host."""
        host = urlsplit(self.issuer).netloc
        family = (self.product_family_code or "").strip().capitalize()
        return (f"{family} ({host})" if family else host)[:200]


def handle_registration_request() -> Any:
    """Register the tool with the platform that opened this page."""
    configuration_url = request.args.get("openid_configuration", "").strip()
    registration_token = request.args.get("registration_token", "").strip()
    try:
        if not configuration_url or not registration_token:
            raise RegistrationFailed(Failure.MISSING_PARAMETERS)
        platform = fetch_platform_configuration(configuration_url)
        answer = post_registration(platform, registration_token, build_tool_registration(platform))
        # The platform has stored the tool's configuration now: from here on the tool records
        # it too, as a new registration or as an update of the one it has ("Update" in Moodle).
        registration, changes = register_platform(platform, answer)
        others = other_registrations(registration)
        db.session.commit()
    except RegistrationFailed as error:
        db.session.rollback()
        current_app.logger.warning("Dynamic registration refused: %s", error)
        return _no_store(
            render_template(
                "lti/registration_failed.html",
                message=FAILURE_MESSAGES[error.failure],
                page_detail=error.page_detail,
            ),
            FAILURE_STATUS[error.failure],
        )
    current_app.logger.info(
        "Dynamic registration of %s (client id %s): %s",
        registration.issuer,
        registration.client_id,
        "new" if changes is None else "updated " + (", ".join(changes) or "nothing"),
    )
    return _no_store(
        render_template(
            "lti/registration_complete.html",
            registration=registration,
            deployment=_answered_deployment(registration, answer),
            is_update=changes is not None,
            changes=[_change_label(change) for change in changes or []],
            other_registrations=others,
        ),
        200,
    )


def fetch_platform_configuration(url: str) -> PlatformConfiguration:
    """Read and check the platform's OpenID configuration at url."""
    if not _is_web_url(url):
        raise RegistrationFailed(Failure.BAD_CONFIGURATION_URL, url)
    if not is_allowed_platform(url):
        raise RegistrationFailed(Failure.PLATFORM_NOT_ALLOWED, url, _display_origin(url))
    try:
        response = http.session().get(url, headers={"Accept": "application/json"})
    except requests.RequestException as error:
        raise RegistrationFailed(Failure.PLATFORM_UNREACHABLE, f"{url}: {error}") from error
    if not response.ok:
        raise RegistrationFailed(
            Failure.PLATFORM_UNREACHABLE,
            f"{url} answered {response.status_code}",
            _answer_excerpt(response),
        )
    document = _json_object(response)
    if document is None:
        raise RegistrationFailed(Failure.BAD_CONFIGURATION, f"{url} did not answer a JSON object")
    missing = [name for name in REQUIRED_PLATFORM_FIELDS if not _is_web_url(document.get(name))]
    if missing:
        raise RegistrationFailed(
            Failure.BAD_CONFIGURATION,
            f"{url} lacks {', '.join(missing)}",
            _("Missing or not a web address: %(fields)s", fields=", ".join(missing)),
        )
    if _origin(document["issuer"]) != _origin(url):
        raise RegistrationFailed(
            Failure.ISSUER_MISMATCH, f"issuer {document['issuer']} read from {url}"
        )
    lti = document.get(PLATFORM_CONFIGURATION)
    if not isinstance(lti, Mapping):
        lti = {}
    return PlatformConfiguration(
        issuer=document["issuer"],
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        registration_endpoint=document["registration_endpoint"],
        authorization_server=_text_or_none(document.get("authorization_server")),
        product_family_code=_text_or_none(lti.get("product_family_code")),
        messages_supported=_message_types(lti.get("messages_supported")),
    )


def build_tool_registration(platform: PlatformConfiguration) -> dict[str, Any]:
    """Return the tool's client registration request for the platform (LTI-DR §3.5)."""
    tool_name = current_app.config["TOOL_NAME"]
    launch_url = public_url("lti.launch")
    messages = []
    if platform.supports_deep_linking:
        messages.append(
            {
                "type": MessageType.DEEP_LINKING_REQUEST.value,
                "target_link_uri": launch_url,
                "label": tool_name,
            }
        )
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": public_url("lti.login"),
        "redirect_uris": [launch_url],
        "client_name": tool_name,
        "jwks_uri": public_url("lti.jwks"),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scope.value for scope in REQUESTED_SCOPES),
        TOOL_CONFIGURATION: {
            "domain": tool_domain(),
            "target_link_uri": launch_url,
            "custom_parameters": {},
            "claims": list(REQUESTED_CLAIMS),
            "messages": messages,
            "description": _(
                "Mentoring inside the course: find a mentor, prepare contacts and reflect on "
                "the mentorship."
            ),
        },
    }


def tool_domain() -> str:
    """Return the tool's host as Moodle compares it: with the port unless it is the default."""
    parts = urlsplit(str(current_app.config["PUBLIC_BASE_URL"]))
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address keeps its brackets beside a port
        host = f"[{host}]"
    if parts.port and parts.port != DEFAULT_PORTS.get(parts.scheme):
        return f"{host}:{parts.port}"
    return host


def post_registration(
    platform: PlatformConfiguration, registration_token: str, tool_registration: dict[str, Any]
) -> dict[str, Any]:
    """Send the tool's registration with the platform's token; return the platform's answer."""
    try:
        response = http.session().post(
            platform.registration_endpoint,
            json=tool_registration,
            headers={
                "Authorization": f"Bearer {registration_token}",
                "Accept": "application/json",
            },
        )
    except requests.RequestException as error:
        raise RegistrationFailed(
            Failure.PLATFORM_UNREACHABLE, f"{platform.registration_endpoint}: {error}"
        ) from error
    if response.status_code in (401, 403):
        raise RegistrationFailed(
            Failure.TOKEN_REFUSED,
            f"{platform.registration_endpoint} answered {response.status_code}",
            _answer_excerpt(response),
        )
    if not response.ok:
        raise RegistrationFailed(
            Failure.REGISTRATION_REFUSED,
            f"{platform.registration_endpoint} answered {response.status_code}",
            _answer_excerpt(response),
        )
    answer = _json_object(response)
    if answer is None or not _text_or_none(answer.get("client_id")):
        raise RegistrationFailed(
            Failure.BAD_ANSWER,
            f"{platform.registration_endpoint} answered no client id",
            _answer_excerpt(response),
        )
    return answer


def register_platform(
    platform: PlatformConfiguration, answer: Mapping[str, Any]
) -> tuple[Registration, list[str] | None]:
    """Store the registration the platform granted, its deployment trusted at once.

    When the tool already has the issuer and client id (Moodle's "Update" of a tool type
    answers with the same client id), that registration takes the new endpoints, keys and
    deployment: the returned list names what changed. For a new registration it is None.
    """
    deployment_id = _deployment_id_of(answer)
    client_id = str(answer["client_id"]).strip()
    existing = db.session.scalar(
        select(Registration).filter_by(issuer=platform.issuer, client_id=client_id)
    )
    if existing is not None:
        changes = operations.update_registration(
            existing,
            auth_login_url=platform.authorization_endpoint,
            auth_token_url=platform.token_endpoint,
            keyset_url=platform.jwks_uri,
            auth_audience=platform.authorization_server,
            deployment_ids=[deployment_id] if deployment_id else [],
            product_family_code=platform.product_family_code,
        )
        return existing, changes
    registration = operations.add_registration(
        issuer=platform.issuer,
        client_id=client_id,
        auth_login_url=platform.authorization_endpoint,
        auth_token_url=platform.token_endpoint,
        keyset_url=platform.jwks_uri,
        auth_audience=platform.authorization_server,
        deployment_ids=[deployment_id] if deployment_id else [],
        product_family_code=platform.product_family_code,
        name=platform.display_name,
    )
    return registration, None


def other_registrations(registration: Registration) -> list[Registration]:
    """Return the tool's other registrations of the same issuer (earlier client ids)."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.issuer == registration.issuer, Registration.id != registration.id)
            .order_by(Registration.id)
        )
    )


def _change_label(change: str) -> str:
    kind, _sep, deployment_id = change.partition(":")
    if kind == "deployment":
        return _("deployment %(id)s, now trusted", id=deployment_id)
    return str(CHANGE_LABELS.get(change, change))


def _deployment_id_of(answer: Mapping[str, Any]) -> str | None:
    tool_configuration = answer.get(TOOL_CONFIGURATION)
    if not isinstance(tool_configuration, Mapping):
        return None
    return _text_or_none(tool_configuration.get("deployment_id"))


def _answered_deployment(registration: Registration, answer: Mapping[str, Any]) -> Any:
    """Return the deployment the platform's answer named, if any."""
    deployment_id = _deployment_id_of(answer)
    return next((d for d in registration.deployments if d.deployment_id == deployment_id), None)


def is_allowed_platform(url: str) -> bool:
    """Tell whether the configuration names the site of url as one that may register.

    Checked before any request, so that the registration page cannot be used to make the tool
    fetch addresses of the administrator's choosing.
    """
    allowed = current_app.config["REGISTRATION_ALLOWED_PLATFORMS"]
    return "*" in allowed or any(
        _is_web_url(entry) and _origin(entry) == _origin(url) for entry in allowed
    )


def _display_origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _message_types(messages: object) -> frozenset[str] | None:
    """Read messages_supported: objects with a type (Moodle 4) or plain names (Moodle 3.10)."""
    if not isinstance(messages, list):
        return None
    types = set()
    for message in messages:
        kind = message.get("type") if isinstance(message, Mapping) else message
        if isinstance(kind, str):
            types.add(kind)
    return frozenset(types)


def _is_web_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return parts.scheme in DEFAULT_PORTS and bool(parts.hostname)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme)


def _json_object(response: requests.Response) -> dict[str, Any] | None:
    try:
        document = response.json()
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _answer_excerpt(response: requests.Response) -> str:
    """Quote the platform's error: the ``error`` of a JSON answer, else the start of its text."""
    document = _json_object(response)
    if document is not None:
        parts = [
            str(document[key])
            for key in ("error", "error_description", "reason")
            if document.get(key)
        ]
        if parts:
            return " — ".join(parts)[:ANSWER_EXCERPT_LENGTH]
    return response.text.strip()[:ANSWER_EXCERPT_LENGTH]


def _text_or_none(value: object) -> str | None:
    """Return a non-empty string (numbers as text, since ids may come as numbers), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def _no_store(body: str, status: int) -> Any:
    """Keep the page and its single-use token out of caches and Referer headers."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
