"""The platforms' key sets (JWKS), cached per process as their Cache-Control says."""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass
from typing import Any

import requests
from flask import current_app
from jwt.algorithms import RSAAlgorithm
from werkzeug.http import parse_cache_control_header

from .. import http
from .login import LaunchRefused, Refusal

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


def public_key_of(jwk: dict[str, Any]) -> Any:
    """The public key object of a JWK, loaded once per process (PyJWT takes it as it is)."""
    return _load_public_key(json.dumps(jwk, sort_keys=True))


@functools.lru_cache(maxsize=64)
def _load_public_key(jwk_json: str) -> Any:
    return RSAAlgorithm.from_jwk(jwk_json)


def _max_age(response: requests.Response) -> int:
    """Seconds the platform lets its key set be cached, else the configured default."""
    default = int(current_app.config["PLATFORM_JWKS_CACHE_SECONDS"])
    control = parse_cache_control_header(response.headers.get("Cache-Control"))
    if control.no_store or control.no_cache:
        return 1
    if control.max_age is not None:
        return min(control.max_age, default) or 1
    return default
