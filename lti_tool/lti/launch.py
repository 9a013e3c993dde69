"""OIDC login and launch validation on pylti1p3, with state, nonces and launches in the cache.

pylti1p3 keeps state in a cookie and never spends a nonce. Here the state issued at login is kept
server-side (so launches survive blocked third-party cookies) and both state and nonce are spent
on first use, so a replayed id_token is refused.
"""

from __future__ import annotations

import enum
import hashlib
import time
from typing import Any

import jwt
import requests
from flask import current_app, request
from jwcrypto.jwk import JWK
from pylti1p3.contrib.flask import (
    FlaskCookieService,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.session import SessionService

from .. import http
from ..extensions import cache
from .claims import Claim, MessageType
from .tool_conf import DatabaseToolConf

ACCEPTED_ALGORITHMS = ("RS256", "RS384", "RS512")
#: Seconds of clock difference tolerated between platform and tool (Moodle tokens live 60 s).
CLOCK_LEEWAY = 30
#: How long the state and nonce of a login wait for the launch that completes it.
LOGIN_LIFETIME = 600


class Refusal(enum.StrEnum):
    """Why a login or launch was refused; each has a translated explanation in the views."""

    MISSING_PARAMETERS = "missing_parameters"
    UNKNOWN_PLATFORM = "unknown_platform"
    STATE = "state"
    NONCE = "nonce"
    MALFORMED = "malformed"
    SIGNATURE = "signature"
    EXPIRED = "expired"
    AUDIENCE = "audience"
    MESSAGE = "message"
    PLATFORM_KEYS = "platform_keys"
    NO_CONTEXT = "no_context"


class LaunchRefused(Exception):
    """A login or launch the tool will not accept."""

    def __init__(self, reason: Refusal, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


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
        return cache.get(self._prepare_key(key))

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        """Store a value for ``exp`` seconds."""
        cache.set(self._prepare_key(key), value, timeout=exp or 0)

    def check_value(self, key: str) -> bool:
        """Tell whether a value is stored."""
        return cache.get(self._prepare_key(key)) is not None

    def spend(self, key: str) -> bool:
        """Delete a value; True only for the one caller that actually removed it."""
        return bool(cache.delete(self._prepare_key(key)))


class SingleUseSessionService(SessionService):
    """Launch data in the cache; states and nonces that can be used once only."""

    def __init__(self, flask_request: FlaskRequest) -> None:
        super().__init__(flask_request)
        self.storage = CacheLaunchStorage()
        self.storage.set_request(flask_request)
        self.set_data_storage(self.storage)
        self._launch_data_lifetime = current_app.config["LAUNCH_DATA_LIFETIME"]

    def save_nonce(self, nonce: str) -> None:
        """Remember a nonce issued at login for a short while."""
        self.storage.set_value(self._get_key("nonce", nonce), True, LOGIN_LIFETIME)

    def check_nonce(self, nonce: str) -> bool:
        """Spend the nonce: True the first time only."""
        return self.storage.spend(self._get_key("nonce", nonce))

    def save_state_params(self, state: str, params: dict[str, object]) -> None:
        """Remember the state issued at login for a short while."""
        self.storage.set_value(self._get_key(state), params, LOGIN_LIFETIME)

    def spend_state(self, state: str) -> bool:
        """Spend the state: True the first time only."""
        return self.storage.spend(self._get_key(state))


def _flask_request() -> FlaskRequest:
    return FlaskRequest(request_is_secure=request.is_secure)


class ToolOIDCLogin(FlaskOIDCLogin):
    """Third-party initiated login: remember state and nonce server-side, then redirect."""

    def __init__(self) -> None:
        flask_request = _flask_request()
        super().__init__(
            flask_request,
            DatabaseToolConf(),
            session_service=SingleUseSessionService(flask_request),
            cookie_service=FlaskCookieService(flask_request),
        )

    def redirect_url(self, launch_url: str) -> tuple[str, FlaskCookieService]:
        """Return the platform's authorization URL, or raise LaunchRefused."""
        # The state record must exist even without custom params: pass one.
        self.pass_params_to_launch({"issued_at": int(time.time())})
        try:
            url = self._prepare_redirect_url(launch_url)
        except OIDCException as error:
            reason = (
                Refusal.UNKNOWN_PLATFORM
                if "registration" in str(error).lower()
                else Refusal.MISSING_PARAMETERS
            )
            raise LaunchRefused(reason, str(error)) from error
        return url, self._cookie_service

    def cookie_check_params(self) -> tuple[str, dict[str, str]]:
        """Parameters for the cookie check page that re-opens the login in a new window."""
        protocol, params = self.get_cookies_allowed_js_check_params()
        return protocol, dict(params)


class ToolMessageLaunch(FlaskMessageLaunch):
    """Launch validation with single-use state and nonce, strict algorithms and audience."""

    def __init__(self, flask_request: FlaskRequest | None = None) -> None:
        flask_request = flask_request or _flask_request()
        super().__init__(
            flask_request,
            DatabaseToolConf(),
            session_service=SingleUseSessionService(flask_request),
            cookie_service=FlaskCookieService(flask_request),
            requests_session=http.session(),
        )

    @classmethod
    def restore(cls, launch_id: str) -> ToolMessageLaunch:
        """Reload a validated launch kept in the cache (for deep-linking responses)."""
        launch = cls()
        body = launch._session_service.get_launch_data(launch_id)
        if not body:
            raise LaunchRefused(Refusal.STATE, "launch data expired or unknown")
        launch.set_launch_id(launch_id).set_auto_validation(enable=False)
        launch.set_jwt({"body": body}).set_restored()
        launch.validate_registration()
        return launch

    def validate(self) -> ToolMessageLaunch:
        """Validate every aspect of the launch, translating library errors into refusals."""
        try:
            super().validate()
        except LaunchRefused:
            raise
        except LtiException as error:
            raise LaunchRefused(Refusal.MALFORMED, str(error)) from error
        return self

    def validate_state(self) -> ToolMessageLaunch:
        """Require a state issued by this tool's login and spend it."""
        state = self._get_request_param("state")
        if not state:
            raise LaunchRefused(Refusal.STATE, "missing state")
        session_service: SingleUseSessionService = self._session_service
        if not session_service.spend_state(state):
            raise LaunchRefused(Refusal.STATE, "unknown, expired or spent state")
        return self

    def validate_jwt_format(self) -> ToolMessageLaunch:
        """Require three parts, a JSON header and body, and an accepted RSA algorithm."""
        try:
            super().validate_jwt_format()
        except LtiException as error:
            raise LaunchRefused(Refusal.MALFORMED, str(error)) from error
        if self._jwt.get("header", {}).get("alg") not in ACCEPTED_ALGORITHMS:
            raise LaunchRefused(Refusal.SIGNATURE, "algorithm not accepted")
        return self

    def validate_nonce(self) -> ToolMessageLaunch:
        """Require a nonce this tool issued, and spend it."""
        nonce = self._get_jwt_body().get("nonce")
        if not nonce or not self._session_service.check_nonce(nonce):
            raise LaunchRefused(Refusal.NONCE, "unknown, expired or spent nonce")
        return self

    def validate_registration(self) -> ToolMessageLaunch:
        """Find the registration of issuer and audience; check ``azp`` when there are several."""
        body = self._get_jwt_body()
        aud = body.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if not audiences or not all(isinstance(item, str) and item for item in audiences):
            raise LaunchRefused(Refusal.AUDIENCE, "no audience")
        if len(audiences) > 1 and body.get("azp") not in audiences:
            raise LaunchRefused(Refusal.AUDIENCE, "several audiences without a matching azp")
        client_id = body.get("azp") if len(audiences) > 1 else audiences[0]
        registration = self._tool_config.find_registration_by_params(body.get("iss", ""), client_id)
        if registration is None:
            raise LaunchRefused(Refusal.UNKNOWN_PLATFORM, "no registration for issuer and client")
        self._registration = registration
        return self

    def get_client_id(self) -> str:
        """Return the client id the launch is addressed to (``azp`` when ``aud`` is a list)."""
        body = self._get_jwt_body()
        aud = body.get("aud")
        if isinstance(aud, list):
            return str(body.get("azp") or aud[0])
        return str(aud)

    def get_public_key(self) -> tuple[str, str]:
        """Find the platform key of the token's kid, re-fetching the JWKS once if it is unknown."""
        assert self._registration is not None
        header = self._jwt.get("header", {})
        kid, alg = header.get("kid"), header.get("alg")
        url = self._registration.get_key_set_url() or ""
        for refresh in (False, True):
            for key in fetch_platform_jwks(url, refresh=refresh).get("keys", []):
                if key.get("kid") == kid and key.get("alg", "RS256") == alg:
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
        if not (body.get(Claim.CONTEXT) or {}).get("id"):
            raise LaunchRefused(Refusal.NO_CONTEXT, "no course context")
        return self

    def save_launch_data(self) -> ToolMessageLaunch:
        """Keep the validated claims in the cache under the launch id."""
        self._session_service.save_launch_data(self._launch_id, self._jwt["body"])
        return self

    @property
    def registration(self) -> Any:
        """pylti1p3's registration of this launch."""
        return self._registration


def fetch_platform_jwks(url: str, *, refresh: bool = False) -> dict[str, Any]:
    """Return a platform's key set, cached as its Cache-Control says (or the configured time)."""
    cache_key = "platform-jwks:" + hashlib.sha256(url.encode()).hexdigest()
    if not refresh:
        cached = cache.get(cache_key)
        if cached is not None:
            return cached
    try:
        response = http.session().get(url)
        response.raise_for_status()
        key_set = response.json()
    except (requests.RequestException, ValueError) as error:
        raise LaunchRefused(Refusal.PLATFORM_KEYS, f"{url}: {error}") from error
    if not isinstance(key_set, dict) or not isinstance(key_set.get("keys"), list):
        raise LaunchRefused(Refusal.PLATFORM_KEYS, f"{url}: not a JSON Web Key Set")
    cache.set(cache_key, key_set, timeout=_max_age(response))
    return key_set


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
