"""The demo LMS as an LTI 1.3 platform: its key, login initiation, id_tokens, deep-link returns.

It behaves like Moodle where the tool can tell (LMS-FACTS.md): 60-second id_tokens with a ``kid``,
``CourseSection`` contexts, ``launch_presentation`` with locale and return URL, deep-linking
settings without ``data``, and deep-linking responses checked against the tool's JWKS. Pending
logins and placed activities live in the shared cache, never in process memory.
"""

from __future__ import annotations

import functools
import os
import secrets
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from jwcrypto.jwk import JWK

from .. import http
from ..extensions import cache
from ..lti import keys
from ..lti.activities import ACTIVITIES, activity_for
from ..platforms.claims import DEEP_LINKING_CONTENT_TYPE, LTI_VERSION, Claim, MessageType
from ..urls import public_url
from .roster import COURSE, DemoPerson, find_person
from .services import service_claims

#: The demo LMS's issuer: fixed, so the same people and course survive a change of port.
ISSUER = "https://demo-lms.invalid"
CLIENT_ID = "demo-lms-client"
DEPLOYMENT_ID = "1"
PLATFORM_NAME = "Demo LMS"
PRODUCT_FAMILY_CODE = "demo"
KEY_FILE = "demo_lms_key.pem"
KEY_SIZE = 2048
#: Moodle's id_tokens live 60 seconds.
ID_TOKEN_LIFETIME = 60
#: How long a login initiation waits for the tool's authorization request.
LOGIN_LIFETIME = 600
#: Seconds of clock difference tolerated in the tool's deep-linking response.
CLOCK_LEEWAY = 30
MAX_PLACEMENTS = 30

_LOGIN_KEY = "demo-lms:login:"
_PLACEMENTS_KEY = "demo-lms:placements"


class DemoRefusal(Exception):
    """A request the demo LMS refuses; ``message`` explains it to the visitor."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


# --- The platform key -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformKey:
    """The demo LMS's signing key, loaded once per process."""

    private_key: rsa.RSAPrivateKey
    kid: str
    public_jwk: dict[str, Any]


def platform_key() -> PlatformKey:
    """Return the demo LMS's key from the instance folder, creating it on first use."""
    return _load_key(str(Path(current_app.instance_path) / KEY_FILE))


@functools.lru_cache(maxsize=4)
def _load_key(path: str) -> PlatformKey:
    """Read (or create) and load the key once per process: PEM loading is slow."""
    pem = _read_or_create_pem(Path(path))
    kid = JWK.from_pem(pem.encode()).thumbprint()
    return PlatformKey(keys.load_private_key(pem), kid, keys.public_jwk(pem, kid))


def _read_or_create_pem(path: Path) -> str:
    """Return the PEM in ``path``; write a new key there (owner-only) if there is none."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = keys.generate_private_key_pem(KEY_SIZE)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process wrote it first: use theirs
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(pem)
    return path.read_text()


def jwks() -> dict[str, Any]:
    """Return the demo LMS's public key set."""
    return {"keys": [platform_key().public_jwk]}


# --- Course links: the activities of the demo course -------------------------------------------


@dataclass(frozen=True)
class CourseLink:
    """An activity of the demo course that launches the tool (a resource link)."""

    id: str
    activity: str
    title: str = ""
    text: str = ""
    url: str = ""
    is_placed: bool = False

    @property
    def display_title(self) -> str:
        """The title the course shows: the placed title, else the activity's own."""
        return self.title or str(ACTIVITIES[self.activity].title)


def builtin_links() -> list[CourseLink]:
    """One resource link per activity, as if the course had all of them from the start."""
    return [CourseLink(id=f"demo-link-{key}", activity=key) for key in ACTIVITIES]


def placed_links() -> list[CourseLink]:
    """The activities staff placed through deep linking, oldest first."""
    return [CourseLink(**item) for item in cache.get(_PLACEMENTS_KEY) or []]


def course_links() -> list[CourseLink]:
    """Every resource link of the demo course."""
    return builtin_links() + placed_links()


def find_link(link_id: str | None) -> CourseLink | None:
    """Return the course link with this id, if any."""
    return next((link for link in course_links() if link.id == link_id), None)


def _place(items: list[dict[str, Any]]) -> list[CourseLink]:
    """Add the tool's ``ltiResourceLink`` items to the course; return the new links."""
    new = [
        CourseLink(
            id=f"demo-placed-{uuid.uuid4().hex[:12]}",
            activity=activity_for((item.get("custom") or {}).get("activity")).key,
            title=str(item.get("title") or "")[:200],
            text=str(item.get("text") or "")[:500],
            url=str(item.get("url") or ""),
            is_placed=True,
        )
        for item in items
        if item.get("type") == DEEP_LINKING_CONTENT_TYPE
    ]
    stored = [asdict(link) for link in placed_links() + new][-MAX_PLACEMENTS:]
    cache.set(_PLACEMENTS_KEY, stored, timeout=0)
    return new


# --- Login initiation and authorization ---------------------------------------------------------

#: The frame the tool messages for the platform's storage: the demo page holding the tool's frame.
STORAGE_TARGET = "_parent"


def platform_url(endpoint: str, **values: Any) -> str:
    """The public URL of a demo LMS page: on ``demo_platform_url`` when set (another site).

    Serving the demo LMS on another site than the tool (``127.0.0.1`` against ``localhost``)
    makes the tool's frame third-party, as in a real LMS.
    """
    base = current_app.config.get("DEMO_PLATFORM_URL")
    url = public_url(endpoint, **values)
    if not base:
        return url
    return (
        str(base).rstrip("/") + url[len(str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")) :]
    )


def tool_launch_url() -> str:
    """The tool's launch URL, the only redirect URI registered for it."""
    return public_url("lti.launch")


def start_login(
    person: DemoPerson,
    *,
    link: CourseLink | None,
    locale: str,
    is_deep_link: bool,
    offer_storage: bool = False,
) -> tuple[str, dict[str, str]]:
    """Remember a pending launch; return the tool's login URL and the fields to POST there.

    With ``offer_storage`` the login and the launch name the frame that keeps the tool's state
    and nonce (``lti_storage_target``, IMS LTI Client Side postMessages); the demo page answers
    ``lti.capabilities``, ``lti.put_data`` and ``lti.get_data`` from there.
    """
    if is_deep_link and not person.is_staff:
        raise DemoRefusal(_l("Only course staff can add activities to the course."))
    if not is_deep_link and link is None:
        raise DemoRefusal(_l("Choose an activity of the course."))
    hint = secrets.token_urlsafe(24)
    pending = {
        "subject": person.subject,
        "message_type": str(
            MessageType.DEEP_LINKING_REQUEST if is_deep_link else MessageType.RESOURCE_LINK
        ),
        "link": None if is_deep_link or link is None else asdict(link),
        "locale": locale,
        "offer_storage": offer_storage,
    }
    cache.set(_LOGIN_KEY + hint, pending, timeout=LOGIN_LIFETIME)
    target = (link.url if link and not is_deep_link else "") or tool_launch_url()
    fields = {
        "iss": ISSUER,
        "login_hint": person.subject,
        "target_link_uri": target,
        "lti_message_hint": hint,
        "client_id": CLIENT_ID,
        "lti_deployment_id": DEPLOYMENT_ID,
    }
    if offer_storage:
        fields["lti_storage_target"] = STORAGE_TARGET
    return public_url("lti.login"), fields


def authorize(params: Any) -> tuple[str, dict[str, str]]:
    """Check the tool's authorization request; return where to POST the id_token and state.

    The pending login is spent here: an authorization request can be answered once only.
    """
    _require("openid" in params.get("scope", "").split(), _l("The scope is not openid."))
    _require(params.get("response_type") == "id_token", _l("The response type is not id_token."))
    _require(params.get("response_mode") == "form_post", _l("The response mode is not form_post."))
    _require(params.get("client_id") == CLIENT_ID, _l("The client id is not the tool's."))
    redirect_uri = params.get("redirect_uri", "")
    _require(redirect_uri == tool_launch_url(), _l("The redirect URI is not registered."))
    _require(bool(params.get("nonce")), _l("The nonce is missing."))
    _require(bool(params.get("state")), _l("The state is missing."))
    key = _LOGIN_KEY + params.get("lti_message_hint", "")
    pending = cache.get(key)
    _require(
        pending is not None and bool(cache.delete(key)),
        _l("This login is unknown, expired or used already. Launch again from the course."),
    )
    person = find_person(pending["subject"])
    _require(
        person is not None and params.get("login_hint") == person.subject,
        _l("The login hint does not match the person who launched."),
    )
    assert person is not None
    id_token = sign(id_token_claims(person, pending, nonce=params["nonce"]))
    fields = {"id_token": id_token, "state": params["state"]}
    if pending.get("offer_storage"):
        fields["lti_storage_target"] = STORAGE_TARGET
    return redirect_uri, fields


def _require(condition: bool, message: Any) -> None:
    if not condition:
        raise DemoRefusal(message)


def id_token_claims(person: DemoPerson, pending: dict[str, Any], *, nonce: str) -> dict[str, Any]:
    """Return the claims of a launch of ``person``, as Moodle would send them."""
    now = int(time.time())
    locale = pending["locale"]
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": person.subject,
        "iat": now,
        "exp": now + ID_TOKEN_LIFETIME,
        "nonce": nonce,
        **person.profile,
        Claim.VERSION: LTI_VERSION,
        Claim.MESSAGE_TYPE: pending["message_type"],
        Claim.DEPLOYMENT_ID: DEPLOYMENT_ID,
        Claim.TARGET_LINK_URI: tool_launch_url(),
        Claim.ROLES: person.lti_roles,
        Claim.CONTEXT: dict(COURSE),
        Claim.LAUNCH_PRESENTATION: {
            "document_target": "iframe",
            "locale": locale,
            "return_url": platform_url("demo.returned"),
        },
        Claim.TOOL_PLATFORM: {
            "guid": ISSUER,
            "name": PLATFORM_NAME,
            "product_family_code": PRODUCT_FAMILY_CODE,
            "version": "1.0",
        },
    }
    claims.update(
        service_claims(pending["link"], platform_url)
    )  # Names and Roles, AGS (demo/services.py)
    if pending["message_type"] == MessageType.DEEP_LINKING_REQUEST:
        claims[Claim.DEEP_LINKING_SETTINGS] = {
            "deep_link_return_url": platform_url("demo.deep_link_return"),
            "accept_types": [DEEP_LINKING_CONTENT_TYPE],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "auto_create": False,
        }
        return claims
    link = CourseLink(**pending["link"])
    if link.url:
        claims[Claim.TARGET_LINK_URI] = link.url
    with force_locale(locale):  # the course shows titles in the visitor's language
        title = link.display_title
    claims[Claim.RESOURCE_LINK] = {"id": link.id, "title": title, "description": link.text}
    claims[Claim.CUSTOM] = {"activity": link.activity}
    return claims


def sign(claims: dict[str, Any]) -> str:
    """Sign claims with the demo LMS's key, naming the key in the header."""
    key = platform_key()
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})


# --- Deep-linking responses ------------------------------------------------------------------


def receive_deep_link_response(token: str | None) -> list[CourseLink]:
    """Verify the tool's deep-linking response against its JWKS; place and return its items."""
    body = _verify_tool_jwt(token)
    _require(
        body.get(Claim.MESSAGE_TYPE) == MessageType.DEEP_LINKING_RESPONSE
        and body.get(Claim.VERSION) == LTI_VERSION,
        _l("The tool's answer is not a deep-linking response."),
    )
    _require(
        body.get(Claim.DEPLOYMENT_ID) == DEPLOYMENT_ID,
        _l("The tool's answer names another deployment."),
    )
    items = body.get(Claim.CONTENT_ITEMS) or []
    _require(isinstance(items, list), _l("The tool's answer has no list of activities."))
    return _place([item for item in items if isinstance(item, dict)])


def _verify_tool_jwt(token: str | None) -> dict[str, Any]:
    """Check signature (key by ``kid``, as Moodle does), issuer, audience and expiry."""
    try:
        kid = jwt.get_unverified_header(token or "").get("kid")
    except jwt.InvalidTokenError as error:
        raise DemoRefusal(_l("The tool's answer is not a signed token.")) from error
    _require(bool(kid), _l("The tool's answer does not name its key (kid)."))
    try:
        response = http.session().get(public_url("lti.jwks"))
        response.raise_for_status()
        key_set = jwt.PyJWKSet.from_dict(response.json())
    except (requests.RequestException, ValueError, jwt.PyJWTError) as error:
        raise DemoRefusal(_l("The tool's public keys could not be fetched.")) from error
    key = next((item for item in key_set.keys if item.key_id == kid), None)
    _require(key is not None, _l("The tool's answer is signed with a key it does not publish."))
    assert key is not None
    try:
        return jwt.decode(
            token or "",
            key,
            algorithms=["RS256"],
            audience=ISSUER,
            issuer=CLIENT_ID,
            options={"require": ["exp", "iat", "iss", "aud"]},
            leeway=CLOCK_LEEWAY,
        )
    except jwt.InvalidTokenError as error:
        raise DemoRefusal(_l("The tool's answer failed verification.")) from error
