"""OIDC login and launch validation on pylti1p3: every login bound to the browser that started it.

A login issues a state and a nonce and keeps, server-side, what the login was for (issuer, client
id, deployment, nonce, target link). The launch must come back to the same browser, proven by one
of two means:

- the login cookie (first-party in a new window; ``SameSite=None; Secure; Partitioned`` inside the
  LMS frame where the browser keeps partitioned cookies), which holds the few most recent states;
- the platform's storage (IMS "LTI OIDC Login with LTI Client Side postMessages"): the login page
  puts state and nonce into the platform's frame, and at launch a page of the tool reads them back
  there and posts the answer to the tool from the tool's own origin.

A launch proving neither is refused. State and nonce are spent on first use, so a replayed
id_token is refused too. The id_token is size-capped and every claim the tool reads is type-checked.
"""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import json
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from flask import Response, current_app, request
from jwcrypto.jwk import JWK
from pylti1p3.contrib.flask import FlaskCookieService, FlaskMessageLaunch, FlaskRequest
from pylti1p3.exception import LtiException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.session import SessionService

from .. import http
from ..core.session import cookie_attributes
from ..core.urls import public_url
from ..extensions import cache
from ..soft_cache import CACHE_ERRORS
from .claims import Claim, MessageType
from .tool_conf import DatabaseToolConf

ACCEPTED_ALGORITHMS = ("RS256", "RS384", "RS512")
#: Seconds of clock difference tolerated between platform and tool (Moodle tokens live 60 s).
CLOCK_LEEWAY = 30
#: How long the state and nonce of a login wait for the launch that completes it.
LOGIN_LIFETIME = 600
#: The largest id_token accepted (a real launch is a few kilobytes).
MAX_ID_TOKEN_BYTES = 64 * 1024
#: The longest login parameter accepted (Moodle's ``lti_message_hint`` is a short JSON string).
MAX_LOGIN_PARAMETER = 2048
#: The cookie holding the states of this browser's most recent logins.
LOGIN_COOKIE = "lti_tool_login"
#: How many pending logins one browser keeps (the cookie stays a few hundred bytes).
MAX_PENDING_LOGINS = 6
#: Form field naming the platform's storage frame (IMS lti-cs-oidc).
STORAGE_TARGET = "lti_storage_target"
_STATE_KEY = "lti-login:"
_NONCE_KEY = "lti-nonce:"
_LAUNCH_KEY = "lti-launch:"
#: Claims kept with a deep-linking launch until its response is sent (nothing else is read).
_KEPT_CLAIMS = (
    "iss",
    "aud",
    "azp",
    "sub",
    Claim.DEPLOYMENT_ID,
    Claim.MESSAGE_TYPE,
    Claim.VERSION,
    Claim.CONTEXT,
    Claim.ROLES,
    Claim.DEEP_LINKING_SETTINGS,
)


class Refusal(enum.StrEnum):
    """Why a login or launch was refused; each has a translated explanation in the views."""

    MISSING_PARAMETERS = "missing_parameters"
    UNKNOWN_PLATFORM = "unknown_platform"
    STATE = "state"
    BROWSER = "browser"
    NONCE = "nonce"
    MISMATCH = "mismatch"
    TARGET_LINK = "target_link"
    MALFORMED = "malformed"
    CLAIMS = "claims"
    TOO_LARGE = "too_large"
    SIGNATURE = "signature"
    EXPIRED = "expired"
    AUDIENCE = "audience"
    MESSAGE = "message"
    PLATFORM_KEYS = "platform_keys"
    NO_CONTEXT = "no_context"
    UNAVAILABLE = "unavailable"


class LaunchRefused(Exception):
    """A login or launch the tool will not accept."""

    def __init__(self, reason: Refusal, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class StorageCheckNeeded(Exception):
    """The launch has no login cookie but the platform offers storage: check the state there."""

    def __init__(self, pending: PendingLogin) -> None:
        super().__init__(pending.state)
        self.pending = pending


# --- The shared cache, refusing with "try again" when it is unreachable --------------------------


def _cache(operation: str, *args: Any, **kwargs: Any) -> Any:
    """Call the cache; an unreachable Redis refuses the launch with a 503 instead of a 500.

    Launch state is never written to the database instead: a login must not write there, and a
    launch cannot be checked against a state another store never saw.
    """
    try:
        return getattr(cache, operation)(*args, **kwargs)
    except CACHE_ERRORS as error:
        raise LaunchRefused(Refusal.UNAVAILABLE, f"cache {operation}: {error!r}") from error


# --- Login ---------------------------------------------------------------------------------------


def launch_urls() -> frozenset[str]:
    """The tool's own launch URLs: the only accepted ``target_link_uri`` values."""
    return frozenset({public_url("lti.launch")})


@dataclass(frozen=True)
class PendingLogin:
    """What a login was for, kept under its state until the launch that completes it."""

    state: str
    nonce: str
    issuer: str
    client_id: str
    deployment_id: str | None
    target_link_uri: str
    platform_origin: str
    auth_url: str


def _login_parameter(values: Any, name: str, *, required: bool = False) -> str | None:
    value = values.get(name)
    if value is None or value == "":
        if required:
            raise LaunchRefused(Refusal.MISSING_PARAMETERS, f"login without {name}")
        return None
    if not isinstance(value, str) or len(value) > MAX_LOGIN_PARAMETER:
        raise LaunchRefused(Refusal.MISSING_PARAMETERS, f"login parameter {name} too long")
    return value


def start_login(values: Any, *, redirect_uri: str) -> PendingLogin:
    """Check a third-party initiated login, remember it under a new state; return it.

    Reads the registration once and writes nothing to the database.
    """
    issuer = _login_parameter(values, "iss", required=True)
    login_hint = _login_parameter(values, "login_hint", required=True)
    target_link_uri = _login_parameter(values, "target_link_uri", required=True)
    client_id = _login_parameter(values, "client_id")
    deployment_id = _login_parameter(values, "lti_deployment_id")
    message_hint = _login_parameter(values, "lti_message_hint")
    assert issuer and login_hint and target_link_uri
    if target_link_uri not in launch_urls():
        raise LaunchRefused(Refusal.TARGET_LINK, f"login target_link_uri {target_link_uri!r}")
    row = DatabaseToolConf().registration_row(issuer, client_id)
    if row is None:
        raise LaunchRefused(Refusal.UNKNOWN_PLATFORM, "no registration for issuer and client")
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    auth_params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": row.client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "nonce": nonce,
        "login_hint": login_hint,
    }
    if message_hint:
        auth_params["lti_message_hint"] = message_hint
    separator = "&" if "?" in row.auth_login_url else "?"
    pending = PendingLogin(
        state=state,
        nonce=nonce,
        issuer=row.issuer,
        client_id=row.client_id,
        deployment_id=deployment_id,
        target_link_uri=target_link_uri,
        platform_origin=origin_of(row.auth_login_url),
        auth_url=row.auth_login_url + separator + urlencode(auth_params),
    )
    _cache("set", _STATE_KEY + state, asdict(pending), timeout=LOGIN_LIFETIME)
    _cache("set", _NONCE_KEY + nonce, state, timeout=LOGIN_LIFETIME)
    return pending


def origin_of(url: str) -> str:
    """Return ``scheme://host[:port]`` of a URL: the origin postMessage checks."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def remember_login(response: Response, state: str) -> None:
    """Add the state to this browser's login cookie, keeping only the most recent few."""
    states = [item for item in _cookie_states() if item != state][-(MAX_PENDING_LOGINS - 1) :]
    _set_login_cookie(response, [*states, state])


def forget_login(response: Response, state: str) -> None:
    """Take a validated state out of the login cookie; delete the cookie when none is left."""
    _set_login_cookie(response, [item for item in _cookie_states() if item != state])


def _cookie_states() -> list[str]:
    return [item for item in request.cookies.get(LOGIN_COOKIE, "").split(".") if item]


def _set_login_cookie(response: Response, states: list[str]) -> None:
    attributes = cookie_attributes()
    if states:
        response.set_cookie(
            LOGIN_COOKIE,
            ".".join(states),
            max_age=LOGIN_LIFETIME,
            path="/lti/",
            httponly=True,
            **attributes,
        )
    else:
        response.delete_cookie(LOGIN_COOKIE, path="/lti/", httponly=True, **attributes)


def pending_login(state: str) -> PendingLogin | None:
    """Return the unspent login of a state, if any."""
    record = _cache("get", _STATE_KEY + state)
    return PendingLogin(**record) if isinstance(record, dict) else None


# --- Launch --------------------------------------------------------------------------------------


class CacheSessionService(SessionService):
    """pylti1p3's session service: launch data in the shared cache, never in a cookie."""

    def __init__(self, flask_request: FlaskRequest) -> None:
        super().__init__(flask_request)
        self.storage = CacheLaunchStorage()
        self.storage.set_request(flask_request)
        self.set_data_storage(self.storage)
        self._launch_data_lifetime = current_app.config["LAUNCH_DATA_LIFETIME"]


class CacheLaunchStorage(LaunchDataStorage[Any]):
    """pylti1p3's key-value storage on the shared cache, independent of browser cookies."""

    def get_session_cookie_name(self) -> None:
        """Keys are not tied to a browser session: cookies may be blocked in the LMS iframe."""
        return None

    def can_set_keys_expiration(self) -> bool:
        """The cache expires keys by itself."""
        return True

    def get_value(self, key: str) -> Any:
        """Return the stored value or None."""
        return _cache("get", self._prepare_key(key))

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        """Store a value for ``exp`` seconds."""
        _cache("set", self._prepare_key(key), value, timeout=exp or 0)

    def check_value(self, key: str) -> bool:
        """Tell whether a value is stored."""
        return _cache("get", self._prepare_key(key)) is not None


def _flask_request() -> FlaskRequest:
    # Cookie flags follow the configuration, never the request's (possibly forwarded) scheme.
    return FlaskRequest(request_is_secure=bool(current_app.config["SESSION_COOKIE_SECURE"]))


def _is_same_origin_post() -> bool:
    """True for a POST sent by a page of the tool itself (the storage check page)."""
    origin = request.headers.get("Origin")
    if origin:
        return origin == origin_of(public_url("lti.launch"))
    return request.headers.get("Sec-Fetch-Site") == "same-origin"


def _b64_json(part: str) -> Any:
    padded = part + "=" * (-len(part) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


class ToolMessageLaunch(FlaskMessageLaunch):
    """Launch validation bound to the login: browser, issuer, client, deployment, nonce, link."""

    _pending: PendingLogin | None = None

    def __init__(self, flask_request: FlaskRequest | None = None) -> None:
        flask_request = flask_request or _flask_request()
        super().__init__(
            flask_request,
            DatabaseToolConf(),
            session_service=CacheSessionService(flask_request),
            cookie_service=FlaskCookieService(flask_request),
            requests_session=http.session(),
        )

    @classmethod
    def restore(cls, launch_id: str) -> ToolMessageLaunch:
        """Reload a validated deep-linking launch kept in the cache."""
        launch = cls()
        body = _cache("get", _LAUNCH_KEY + launch_id) if len(launch_id) <= 100 else None
        if not body:
            raise LaunchRefused(Refusal.STATE, "launch data expired or unknown")
        launch.set_launch_id(launch_id).set_auto_validation(enable=False)
        launch.set_jwt({"body": body}).set_restored()
        launch.validate_registration()
        return launch

    @property
    def pending(self) -> PendingLogin:
        """The login this launch completes (after ``validate_state``)."""
        assert self._pending is not None
        return self._pending

    @property
    def tool_conf(self) -> DatabaseToolConf:
        """The configuration that read this launch's registration and deployment."""
        return self._tool_config

    def validate(self) -> ToolMessageLaunch:
        """Validate every aspect of the launch, translating library errors into refusals."""
        if self._restored:
            raise LaunchRefused(Refusal.STATE, "a restored launch cannot be validated")
        self._validated = True
        try:
            self.validate_jwt_format()
            self.validate_state()
            self.validate_registration()
            self.validate_claim_types()
            self.validate_jwt_signature()
            self.validate_nonce()
            self.validate_login_match()
            self.validate_deployment()
            self.validate_message()
            self.save_launch_data()
        except LtiException as error:
            self._validated = False
            raise LaunchRefused(Refusal.MALFORMED, str(error)) from error
        except BaseException:
            self._validated = False
            raise
        return self

    def validate_jwt_format(self) -> ToolMessageLaunch:
        """Require a bounded token of three parts, JSON objects as header and body, RSA."""
        id_token = self._get_request_param("id_token") or ""
        if len(id_token) > MAX_ID_TOKEN_BYTES:
            raise LaunchRefused(Refusal.TOO_LARGE, f"id_token of {len(id_token)} characters")
        parts = id_token.split(".")
        if len(parts) != 3:
            raise LaunchRefused(Refusal.MALFORMED, "id_token is not three parts")
        try:
            header, body = _b64_json(parts[0]), _b64_json(parts[1])
        except (ValueError, UnicodeError, binascii.Error, RecursionError) as error:
            raise LaunchRefused(Refusal.MALFORMED, "id_token is not base64 JSON") from error
        if not isinstance(header, dict) or not isinstance(body, dict):
            raise LaunchRefused(Refusal.MALFORMED, "id_token header or body is not a JSON object")
        self._jwt = {"header": header, "body": body}
        if header.get("alg") not in ACCEPTED_ALGORITHMS:
            raise LaunchRefused(Refusal.SIGNATURE, "algorithm not accepted")
        return self

    def validate_state(self) -> ToolMessageLaunch:
        """Require a pending login of this tool, started by this very browser."""
        state = self._get_request_param("state")
        if not state or len(state) > 100:
            raise LaunchRefused(Refusal.STATE, "missing state")
        pending = pending_login(state)
        if pending is None:
            raise LaunchRefused(Refusal.STATE, "unknown, expired or spent state")
        self._pending = pending
        if state in _cookie_states():
            return self
        if request.form.get("lti_storage_checked"):
            if not _is_same_origin_post():
                raise LaunchRefused(Refusal.BROWSER, "storage answer not posted by the tool")
            if (
                request.form.get("lti_storage_state") != state
                or request.form.get("lti_storage_nonce") != pending.nonce
            ):
                raise LaunchRefused(Refusal.BROWSER, "platform storage holds another login")
            return self
        if request.form.get(STORAGE_TARGET):
            raise StorageCheckNeeded(pending)
        raise LaunchRefused(Refusal.BROWSER, "no login cookie and no platform storage")

    def validate_registration(self) -> ToolMessageLaunch:
        """Find the registration of issuer and audience; a present ``azp`` must be the client."""
        body = self._get_jwt_body()
        aud = body.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if not audiences or not all(isinstance(item, str) and item for item in audiences):
            raise LaunchRefused(Refusal.AUDIENCE, "no audience")
        azp = body.get("azp")
        if azp is not None and (not isinstance(azp, str) or azp not in audiences):
            raise LaunchRefused(Refusal.AUDIENCE, "azp is not one of the audiences")
        if len(audiences) > 1 and azp is None:
            raise LaunchRefused(Refusal.AUDIENCE, "several audiences without azp")
        issuer = body.get("iss")
        if not isinstance(issuer, str):
            raise LaunchRefused(Refusal.CLAIMS, "claim iss is not a string")
        client_id = azp or audiences[0]
        deployment_id = body.get(Claim.DEPLOYMENT_ID)
        row = self._tool_config.registration_row(
            issuer,
            client_id,
            deployment_id=deployment_id if isinstance(deployment_id, str) else None,
        )
        registration = self._tool_config.to_lti_registration(row) if row else None
        if registration is None:
            raise LaunchRefused(Refusal.UNKNOWN_PLATFORM, "no registration for issuer and client")
        self._registration = registration
        return self

    def get_client_id(self) -> str:
        """Return the client id the launch is addressed to (``azp`` when given)."""
        body = self._get_jwt_body()
        aud = body.get("aud")
        if body.get("azp"):
            return str(body["azp"])
        return str(aud[0] if isinstance(aud, list) else aud)

    def get_public_key(self) -> tuple[str, str]:
        """Find the platform key of the token's kid, re-fetching the JWKS once if it is unknown."""
        assert self._registration is not None
        header = self._jwt.get("header", {})
        kid, alg = header.get("kid"), header.get("alg")
        url = self._registration.get_key_set_url() or ""
        for refresh in (False, True):
            for key in fetch_platform_jwks(url, refresh=refresh).get("keys", []):
                if (
                    isinstance(key, dict)
                    and key.get("kid") == kid
                    and key.get("alg", "RS256") == alg
                ):
                    return JWK(**key).export_to_pem().decode(), alg
        raise LaunchRefused(Refusal.SIGNATURE, "no platform key with the token's kid")

    def validate_jwt_signature(self) -> ToolMessageLaunch:
        """Verify signature, expiry and issue time with a little clock leeway."""
        public_key, alg = self.get_public_key()
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[alg],
                options={"verify_aud": False, "require": ["exp", "iat"]},
                leeway=CLOCK_LEEWAY,
            )
        except jwt.ExpiredSignatureError as error:
            raise LaunchRefused(Refusal.EXPIRED, str(error)) from error
        except jwt.InvalidTokenError as error:
            raise LaunchRefused(Refusal.SIGNATURE, str(error)) from error
        return self

    def validate_claim_types(self) -> ToolMessageLaunch:
        """Refuse claims of the wrong JSON type, naming the claim in the log."""
        problem = claim_type_problem(self._get_jwt_body())
        if problem:
            raise LaunchRefused(Refusal.CLAIMS, problem)
        return self

    def validate_nonce(self) -> ToolMessageLaunch:
        """Spend state and nonce: the nonce must be the one this login issued."""
        pending = self.pending
        if not _cache("delete", _STATE_KEY + pending.state):
            raise LaunchRefused(Refusal.STATE, "state spent by a concurrent launch")
        nonce = self._get_jwt_body().get("nonce")
        if nonce != pending.nonce or not _cache("delete", _NONCE_KEY + pending.nonce):
            raise LaunchRefused(Refusal.NONCE, "nonce of another login, expired or spent")
        return self

    def validate_login_match(self) -> ToolMessageLaunch:
        """Require the token to be for what the login was for: platform, deployment, link."""
        body, pending = self._get_jwt_body(), self.pending
        if body["iss"] != pending.issuer or self.get_client_id() != pending.client_id:
            raise LaunchRefused(Refusal.MISMATCH, "issuer or client id differ from the login's")
        deployment_id = body[Claim.DEPLOYMENT_ID]
        if pending.deployment_id is not None and deployment_id != pending.deployment_id:
            raise LaunchRefused(Refusal.MISMATCH, "deployment differs from the login's")
        target = body.get(Claim.TARGET_LINK_URI)
        if target not in launch_urls() or target != pending.target_link_uri:
            raise LaunchRefused(Refusal.TARGET_LINK, f"token target_link_uri {target!r}")
        return self

    def validate_message(self) -> ToolMessageLaunch:
        """Require the version and a message type the tool handles."""
        body = self._get_jwt_body()
        if body.get(Claim.VERSION) != "1.3.0":
            raise LaunchRefused(Refusal.MESSAGE, "missing or unsupported LTI version")
        if body.get(Claim.MESSAGE_TYPE) not in (
            MessageType.RESOURCE_LINK,
            MessageType.DEEP_LINKING_REQUEST,
        ):
            raise LaunchRefused(Refusal.MESSAGE, "missing or unsupported message type")
        try:
            super().validate_message()
        except LtiException as error:
            raise LaunchRefused(Refusal.MESSAGE, str(error)) from error
        if not body.get(Claim.CONTEXT):
            raise LaunchRefused(Refusal.NO_CONTEXT, "no course context")
        return self

    def save_launch_data(self) -> ToolMessageLaunch:
        """Keep a deep-linking launch's few needed claims until its response is sent."""
        body = self._get_jwt_body()
        if body.get(Claim.MESSAGE_TYPE) == MessageType.DEEP_LINKING_REQUEST:
            kept = {name: body[name] for name in _KEPT_CLAIMS if name in body}
            lifetime = current_app.config["LAUNCH_DATA_LIFETIME"]
            _cache("set", _LAUNCH_KEY + self._launch_id, kept, timeout=lifetime)
        return self

    @property
    def registration(self) -> Any:
        """pylti1p3's registration of this launch."""
        return self._registration


#: Claims that must be JSON objects when present, and those objects' required string ids.
_OBJECT_CLAIMS = {
    Claim.CONTEXT: "id",
    Claim.RESOURCE_LINK: "id",
    Claim.CUSTOM: None,
    Claim.LAUNCH_PRESENTATION: None,
    Claim.TOOL_PLATFORM: None,
    Claim.NRPS: None,
    Claim.AGS: None,
    Claim.DEEP_LINKING_SETTINGS: "deep_link_return_url",
}
_STRING_CLAIMS = ("sub", "nonce", "name", "given_name", "family_name", "email", "locale")
#: Longest id the tool stores (its columns' size).
MAX_ID_LENGTH = 255


#: Service URLs the tool stores, per claim (their columns hold 1000 characters).
_URL_FIELDS = {
    Claim.AGS: ("lineitem", "lineitems"),
    Claim.NRPS: ("context_memberships_url",),
}
MAX_URL_LENGTH = 1000


#: Deepest nesting of claims accepted (real launches nest three or four levels).
MAX_CLAIM_DEPTH = 20


def _nul_path(value: Any, path: str, depth: int = 0) -> str | None:
    """Return where a NUL character hides in a JSON value (databases refuse it), if anywhere.

    Values nested deeper than any launch needs are refused as well.
    """
    if depth > MAX_CLAIM_DEPTH:
        return path.split(".", 1)[0] + " (nested too deeply)"
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return path or "names"
        name = str(key).rsplit("/", 1)[-1]
        found = _nul_path(item, f"{path}.{name}" if path else name, depth + 1)
        if found:
            return found
    return None


def claim_type_problem(body: dict[str, Any]) -> str | None:
    """Return which claim has the wrong type or size, or None when every claim is usable."""
    nul = _nul_path(body, "")
    if nul:
        return f"claim {nul} contains a NUL character or is nested too deeply"
    for name in _STRING_CLAIMS:
        if name in body and not isinstance(body[name], str):
            return f"claim {name} is not a string"
    sub = body.get("sub")
    if not sub or len(sub) > MAX_ID_LENGTH:
        return "claim sub is missing or too long"
    deployment_id = body.get(Claim.DEPLOYMENT_ID)
    if not isinstance(deployment_id, str) or not deployment_id.strip():
        return "claim deployment_id is not a non-empty string"
    if len(deployment_id) > MAX_ID_LENGTH:
        return "claim deployment_id is too long"
    roles = body.get(Claim.ROLES, [])
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        return "claim roles is not an array of strings"
    for name, required_key in _OBJECT_CLAIMS.items():
        if name not in body:
            continue
        value, short = body[name], name.rsplit("/", 1)[-1]
        if not isinstance(value, dict):
            return f"claim {short} is not an object"
        if required_key:
            key = value.get(required_key)
            if not isinstance(key, str) or not key or len(key) > MAX_ID_LENGTH * 4:
                return f"claim {short} has no string {required_key}"
            if required_key == "id" and len(key) > MAX_ID_LENGTH:
                return f"claim {short} id is too long"
    for name, fields in _URL_FIELDS.items():
        service = body.get(name) or {}
        for field in fields:
            url = service.get(field)
            if url is not None and (not isinstance(url, str) or len(url) > MAX_URL_LENGTH):
                return f"claim {name.rsplit('/', 1)[-1]} has no usable {field}"
    scopes = (body.get(Claim.AGS) or {}).get("scope", [])
    if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        return "claim endpoint scope is not an array of strings"
    if (
        body.get(Claim.MESSAGE_TYPE) == MessageType.RESOURCE_LINK
        and Claim.RESOURCE_LINK not in body
    ):
        return "claim resource_link is missing"
    return None


#: Shortest time between two fetches of one key set for an unknown kid (no fetch storms).
MIN_REFETCH_SECONDS = 5
_JWKS_EXTENSION = "lti_tool.platform_jwks"


@dataclass
class _CachedKeySet:
    key_set: dict[str, Any]
    fetched_at: float
    expires_at: float


def fetch_platform_jwks(url: str, *, refresh: bool = False) -> dict[str, Any]:
    """Return a platform's key set, cached in this process as its Cache-Control says.

    ``refresh`` (a token names an unknown kid: the platform may have rotated) fetches again,
    at most once every few seconds per key set.
    """
    cached: dict[str, _CachedKeySet] = current_app.extensions.setdefault(_JWKS_EXTENSION, {})
    now = time.monotonic()
    entry = cached.get(url)
    if entry is not None:
        if not refresh and now < entry.expires_at:
            return entry.key_set
        if refresh and now - entry.fetched_at < MIN_REFETCH_SECONDS:
            return entry.key_set
    try:
        response = http.session().get(url)
        response.raise_for_status()
        key_set = response.json()
    except (requests.RequestException, ValueError) as error:
        raise LaunchRefused(Refusal.PLATFORM_KEYS, f"{url}: {error}") from error
    if not isinstance(key_set, dict) or not isinstance(key_set.get("keys"), list):
        raise LaunchRefused(Refusal.PLATFORM_KEYS, f"{url}: not a JSON Web Key Set")
    cached[url] = _CachedKeySet(key_set, now, now + _max_age(response))
    return key_set


@functools.lru_cache(maxsize=64)
def _pem_of(jwk_json: str) -> str:
    """The PEM of a public JWK, converted once per process."""
    return JWK(**json.loads(jwk_json)).export_to_pem().decode()


def _max_age(response: requests.Response) -> int:
    """Seconds the platform lets its key set be cached, else the configured default."""
    default = int(current_app.config["PLATFORM_JWKS_CACHE_SECONDS"])
    for directive in response.headers.get("Cache-Control", "").split(","):
        name, _, value = directive.strip().partition("=")
        if name.lower() in {"no-store", "no-cache"}:
            return 1
        if name.lower() == "max-age" and value.isdigit():
            return min(int(value), default) or 1
    return default
