"""Launch validation on pylti1p3: every launch bound to the login that started it (:mod:`.login`).

A launch proving neither the login cookie nor the platform's storage is refused. State and nonce
are spent on first use, so a replayed id_token is refused too. The id_token is size-capped and
every claim the tool reads is type-checked (:mod:`.claim_checks`); the platform's keys are cached
per process (:mod:`.platform_keys`).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import jwt
from flask import current_app, request
from pylti1p3.contrib.flask import FlaskCookieService, FlaskMessageLaunch, FlaskRequest
from pylti1p3.exception import LtiException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.session import SessionService

from .. import http
from ..platforms.claims import LTI_VERSION, Claim, MessageType
from ..urls import public_url
from .claim_checks import claim_type_problem
from .login import (
    STATE_KEY,
    STORAGE_TARGET,
    LaunchRefused,
    PendingLogin,
    Refusal,
    StorageCheckNeeded,
    call_cache,
    cookie_states,
    launch_urls,
    origin_of,
    pending_login,
)
from .platform_keys import fetch_platform_jwks, public_key_of
from .tool_conf import DatabaseToolConf

ACCEPTED_ALGORITHMS = ("RS256", "RS384", "RS512")
#: Seconds of clock difference tolerated between platform and tool (Moodle tokens live 60 s).
CLOCK_LEEWAY = 30
#: The largest id_token accepted (a real launch is a few kilobytes).
MAX_ID_TOKEN_BYTES = 64 * 1024
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
        return call_cache("get", self._prepare_key(key))

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        """Store a value for ``exp`` seconds."""
        call_cache("set", self._prepare_key(key), value, timeout=exp or 0)

    def check_value(self, key: str) -> bool:
        """Tell whether a value is stored."""
        return call_cache("get", self._prepare_key(key)) is not None


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
    _spent = False

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
        body = call_cache("get", _LAUNCH_KEY + launch_id) if len(launch_id) <= 100 else None
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
        # With the login cookie the launch spends the login as it reads it (one round trip);
        # a launch through the platform's storage may first need the check page, and spends
        # it in validate_nonce.
        in_cookie = state in cookie_states()
        pending = pending_login(state, spend=in_cookie)
        if pending is None:
            raise LaunchRefused(Refusal.STATE, "unknown, expired or spent state")
        self._pending, self._spent = pending, in_cookie
        if in_cookie:
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
        # With the deployment and the launch's user, course, membership and link: one statement.
        row = self._tool_config.registration_row(issuer, client_id, launch=body)
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

    def get_public_key(self) -> tuple[Any, str]:
        """Find the platform key of the token's kid, re-fetching the JWKS once if it is unknown;
        the key object is loaded once per process."""
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
                    try:
                        return public_key_of(key), alg
                    except (jwt.InvalidKeyError, ValueError, KeyError, TypeError) as error:
                        raise LaunchRefused(
                            Refusal.PLATFORM_KEYS, f"unusable key: {error}"
                        ) from error
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
        """Spend the login (its state and its nonce together): the nonce must be the one this
        login issued. A nonce belongs to one state only, and a state is deleted once."""
        pending = self.pending
        if not self._spent and not call_cache("delete", STATE_KEY + pending.state):
            raise LaunchRefused(Refusal.STATE, "state spent by a concurrent launch")
        if self._get_jwt_body().get("nonce") != pending.nonce:
            raise LaunchRefused(Refusal.NONCE, "nonce of another login")
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
        if body.get(Claim.VERSION) != LTI_VERSION:
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
            call_cache("set", _LAUNCH_KEY + self._launch_id, kept, timeout=lifetime)
        return self

    @property
    def launch_rows(self) -> Any:
        """The launch's user, course, membership and resource link as they were before it
        (``people.operations.with_launch_rows``), read with the registration."""
        return self._tool_config.registration_row(self._get_jwt_body()["iss"], self.get_client_id())

    @property
    def registration(self) -> Any:
        """pylti1p3's registration of this launch."""
        return self._registration
