"""The demo LMS's LTI Advantage services: tokens, Names and Roles, Assignment and Grade Services.

Like a real platform: the tool asks the token endpoint for an access token with a client
assertion signed by its key (checked against the tool's JWKS), then reads the course roster
(every person of the course, including those who never launched) and creates line items and
posts scores, which the demo's gradebook page shows. Tokens, line items and scores live in the
shared cache, never in process memory.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import requests

from .. import http
from ..extensions import cache
from ..models_base import utcnow
from ..platforms.claims import Claim, Scope
from ..urls import public_url
from .roster import COURSE, PEOPLE

TOKEN_LIFETIME = 3600
CLOCK_LEEWAY = 30
MAX_SCORES = 500
#: What the demo LMS grants: the roster, line items (read and create) and scores.
GRANTED = (str(Scope.NRPS), str(Scope.LINEITEM), str(Scope.LINEITEM_READONLY), str(Scope.SCORE))
#: The activities a demo link is graded for (those the tool places with a line item).
GRADED_SCOPES = [str(Scope.LINEITEM), str(Scope.SCORE)]

_ACCESS_KEY = "demo-lms:access:"
_LINE_ITEMS_KEY = "demo-lms:line-items"
_SCORES_KEY = "demo-lms:scores"


class ServiceRefusal(Exception):
    """A service request the demo LMS refuses, answered as JSON with an HTTP status."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


# --- Claims of a launch ---------------------------------------------------------------------


#: Builds the public URL of a demo LMS page (``platform.platform_url``: the LMS may be served on
#: another site than the tool).
PlatformUrl = Callable[..., str]


def service_claims(link: dict[str, Any] | None, platform_url: PlatformUrl) -> dict[str, Any]:
    """Return the Names and Roles claim, and for a course link the AGS endpoint claim."""
    claims: dict[str, Any] = {
        Claim.NRPS: {
            "context_memberships_url": platform_url("demo.memberships"),
            "service_versions": ["2.0"],
        }
    }
    if link is not None:
        claims[Claim.AGS] = {
            "scope": GRADED_SCOPES,
            "lineitems": platform_url("demo.line_items"),
        }
    return claims


# --- Tokens ---------------------------------------------------------------------------------


def issue_token(form: Any, *, client_id: str, issuer: str, token_url: str) -> dict[str, Any]:
    """Check a client-credentials request with the tool's signed assertion; return a token.

    ``client_id`` is the tool's client id at the demo LMS, ``issuer`` the LMS's own issuer,
    ``token_url`` this endpoint's URL as registered with the tool (the assertion's audience).
    """
    if form.get("grant_type") != "client_credentials":
        raise ServiceRefusal(400, "unsupported_grant_type", "Use client_credentials.")
    if form.get("client_assertion_type") != (
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    ):
        raise ServiceRefusal(400, "invalid_request", "A JWT client assertion is required.")
    _verify_assertion(
        form.get("client_assertion"), client_id=client_id, audience=[token_url, issuer]
    )
    asked = [scope for scope in str(form.get("scope") or "").split() if scope]
    if not asked or any(scope not in GRANTED for scope in asked):
        raise ServiceRefusal(400, "invalid_scope", "The demo LMS grants: " + " ".join(GRANTED))
    token = secrets.token_urlsafe(32)
    cache.set(_ACCESS_KEY + token, asked, timeout=TOKEN_LIFETIME)
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME,
        "scope": " ".join(asked),
    }


def _verify_assertion(assertion: str | None, *, client_id: str, audience: list[str]) -> None:
    """Check the assertion's signature with the tool's published key, its issuer and audience."""
    try:
        kid = jwt.get_unverified_header(assertion or "").get("kid")
        response = http.session().get(public_url("lti.jwks"))
        response.raise_for_status()
        key_set = jwt.PyJWKSet.from_dict(response.json())
        key = next((item for item in key_set.keys if item.key_id == kid), None)
        if key is None:
            raise ServiceRefusal(401, "invalid_client", "The assertion's key is not published.")
        jwt.decode(
            assertion or "",
            key,
            algorithms=["RS256"],
            audience=audience,
            issuer=client_id,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=CLOCK_LEEWAY,
        )
    except (requests.RequestException, ValueError, jwt.PyJWTError) as error:
        raise ServiceRefusal(401, "invalid_client", "The client assertion failed.") from error


def require_scope(authorization: str | None, scope: str) -> None:
    """Refuse a service call without a valid bearer token for ``scope``."""
    token = (authorization or "").removeprefix("Bearer ").strip()
    granted = cache.get(_ACCESS_KEY + token) if token else None
    if not granted:
        raise ServiceRefusal(401, "invalid_token", "A valid bearer token is required.")
    if scope not in granted:
        raise ServiceRefusal(403, "insufficient_scope", f"The token lacks {scope}.")


# --- Names and Roles ------------------------------------------------------------------------


def membership_container(platform_url: PlatformUrl) -> dict[str, Any]:
    """Return the demo course's roster: every person, whether they launched or not."""
    return {
        "id": platform_url("demo.memberships"),
        "context": {"id": COURSE["id"], "label": COURSE["label"], "title": COURSE["title"]},
        "members": [
            {
                "status": "Active",
                "user_id": person.subject,
                "roles": person.lti_roles,
                **person.profile,
            }
            for person in PEOPLE
        ],
    }


# --- Assignment and Grade Services ---------------------------------------------------------


def line_items(**filters: str | None) -> list[dict[str, Any]]:
    """Return the course's line items, filtered as AGS allows (resource link, resource, tag)."""
    wanted = {key: value for key, value in filters.items() if value}
    return [
        item
        for item in cache.get(_LINE_ITEMS_KEY) or []
        if all(item.get(key) == value for key, value in wanted.items())
    ]


def find_line_item(item_id: str) -> dict[str, Any] | None:
    """Return one line item by its id (its URL's last part)."""
    return next((item for item in line_items() if item["key"] == item_id), None)


def create_line_item(body: Any, platform_url: PlatformUrl) -> dict[str, Any]:
    """Create a line item from the tool's JSON; return it with its id (URL)."""
    if not isinstance(body, dict) or not body.get("label"):
        raise ServiceRefusal(400, "invalid_request", "A line item needs a label.")
    try:
        maximum = float(body.get("scoreMaximum"))
    except (TypeError, ValueError):
        maximum = 0
    if maximum <= 0:
        raise ServiceRefusal(400, "invalid_request", "scoreMaximum must be positive.")
    key = uuid.uuid4().hex[:12]
    item = {
        "key": key,
        "id": platform_url("demo.line_item", item_id=key),
        "label": str(body["label"])[:200],
        "scoreMaximum": maximum,
        "resourceLinkId": body.get("resourceLinkId"),
        "resourceId": body.get("resourceId"),
        "tag": body.get("tag"),
    }
    cache.set(_LINE_ITEMS_KEY, [*line_items(), item], timeout=0)
    return item


def public_line_item(item: dict[str, Any]) -> dict[str, Any]:
    """Return a line item as AGS shows it (without the demo's own key)."""
    return {key: value for key, value in item.items() if key != "key" and value is not None}


def receive_score(item: dict[str, Any], body: Any) -> dict[str, Any]:
    """Keep a score posted to a line item (the latest per person is the grade)."""
    if not isinstance(body, dict) or not body.get("userId") or not body.get("timestamp"):
        raise ServiceRefusal(400, "invalid_request", "A score needs userId and timestamp.")
    score = {
        "line_item": item["key"],
        "userId": str(body["userId"]),
        "scoreGiven": body.get("scoreGiven"),
        "scoreMaximum": body.get("scoreMaximum"),
        "activityProgress": body.get("activityProgress"),
        "gradingProgress": body.get("gradingProgress"),
        "timestamp": str(body["timestamp"]),
        "received_at": utcnow().isoformat(timespec="seconds"),
    }
    cache.set(_SCORES_KEY, [*scores(), score][-MAX_SCORES:], timeout=0)
    return score


def scores() -> list[dict[str, Any]]:
    """Return every score received, oldest first."""
    return list(cache.get(_SCORES_KEY) or [])


def gradebook() -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Return each line item with the latest score of each person, for the gradebook page."""
    received = scores()
    rows = []
    for item in line_items():
        latest: dict[str, dict[str, Any]] = {}
        for score in received:
            if score["line_item"] == item["key"]:
                latest[score["userId"]] = score
        rows.append((item, list(latest.values())))
    return rows
