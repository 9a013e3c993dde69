"""OIDC login initiation, bound to the browser that starts it.

A login issues a state and a nonce and keeps, server-side, what the login was for (issuer, client
id, deployment, nonce, target link). The launch (:mod:`.launch`) must come back to the same
browser, proven by one of two means:

- the login cookie (first-party in a new window; ``SameSite=None; Secure; Partitioned`` inside the
  LMS frame where the browser keeps partitioned cookies), which holds the few most recent states;
- the platform's storage (IMS "LTI OIDC Login with LTI Client Side postMessages"): the login page
  puts state and nonce into the platform's frame, and at launch a page of the tool reads them back
  there and posts the answer to the tool from the tool's own origin.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Response, request

from ..core.session import cookie_attributes
from ..extensions import cache
from ..soft_cache import CACHE_ERRORS
from ..urls import public_url
from .tool_conf import DatabaseToolConf

#: How long the state and nonce of a login wait for the launch that completes it.
LOGIN_LIFETIME = 600
#: The longest login parameter accepted (Moodle's ``lti_message_hint`` is a short JSON string).
MAX_LOGIN_PARAMETER = 2048
#: The cookie holding the states of this browser's most recent logins.
LOGIN_COOKIE = "lti_tool_login"
#: How many pending logins one browser keeps (the cookie stays a few hundred bytes).
MAX_PENDING_LOGINS = 6
#: Form field naming the platform's storage frame (IMS lti-cs-oidc).
STORAGE_TARGET = "lti_storage_target"
STATE_KEY = "lti-login:"


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


def call_cache(operation: str, *args: Any, **kwargs: Any) -> Any:
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
    # One record holds state and nonce: spending the state spends its nonce (one cache write
    # per login, one read and one delete per launch).
    call_cache("set", STATE_KEY + state, asdict(pending), timeout=LOGIN_LIFETIME)
    return pending


def origin_of(url: str) -> str:
    """Return ``scheme://host[:port]`` of a URL: the origin postMessage checks."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def remember_login(response: Response, state: str) -> None:
    """Add the state to this browser's login cookie, keeping only the most recent few."""
    states = [item for item in cookie_states() if item != state][-(MAX_PENDING_LOGINS - 1) :]
    _set_login_cookie(response, [*states, state])


def forget_login(response: Response, state: str) -> None:
    """Take a validated state out of the login cookie; delete the cookie when none is left."""
    _set_login_cookie(response, [item for item in cookie_states() if item != state])


def cookie_states() -> list[str]:
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


def pending_login(state: str, *, spend: bool = False) -> PendingLogin | None:
    """Return the unspent login of a state, if any; with ``spend``, spend it at once.

    Spending reads and deletes the record in one step (Redis ``GETDEL``): of two launches with
    the same state only one gets it, and a launch costs one round trip to the cache.
    """
    key = STATE_KEY + state
    record = _take(key) if spend else call_cache("get", key)
    return PendingLogin(**record) if isinstance(record, dict) else None


def _take(key: str) -> Any:
    """Read and delete a cache entry; None when it is missing or another request took it."""
    backend = cache.cache
    client = getattr(backend, "_write_client", None)
    if hasattr(client, "getdel") and hasattr(backend, "_get_prefix"):
        # cachelib's Redis backends: the key with its prefix, the value in its serializer.
        try:
            raw = client.getdel(backend._get_prefix() + key)
        except CACHE_ERRORS as error:
            raise LaunchRefused(Refusal.UNAVAILABLE, f"cache getdel: {error!r}") from error
        return backend.serializer.loads(raw)
    value = call_cache("get", key)
    return value if value is not None and call_cache("delete", key) else None
