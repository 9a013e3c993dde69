"""Clients of the platform's LTI Advantage services: the roster (NRPS) and the gradebook (AGS).

Calls go through pylti1p3's ``ServiceConnector`` (client-credentials assertion, scopes), but over
the application's one HTTP session, with access tokens in the shared cache and every failure
turned into a :class:`ServiceError` that staff pages can explain. Platform quirks handled here
are listed in LMS-FACTS.md ("Services", "Open edX").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Generator, Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from pylti1p3.exception import LtiServiceException
from pylti1p3.registration import Registration as LtiRegistration
from pylti1p3.service_connector import ServiceConnector, TServiceConnectorResponse

from .. import http
from ..extensions import cache
from ..platforms.claims import Scope
from ..platforms.models import Registration
from .tool_conf import DatabaseToolConf

NRPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LINEITEM_CONTAINER_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"

#: Seconds before the platform's ``expires_in`` at which a cached access token is dropped.
TOKEN_EXPIRY_MARGIN = 60
#: Pages followed at most in one listing: a platform that never stops paging is an error.
MAX_PAGES = 1000
#: Characters Open edX stores in a line item label (longer labels are answered with 400).
LABEL_MAX_LENGTH = 100

_CACHE_PREFIX = "lti-access-token:"
# Moodle's line-item paging writes rel=“next”; pylti1p3's regex only knows straight quotes.
_QUOTES = str.maketrans(dict.fromkeys("“”„‟″‘’'", '"'))


class ActivityProgress(StrEnum):
    """How far the learner got with the activity (AGS ``activityProgress``)."""

    INITIALIZED = "Initialized"
    STARTED = "Started"
    IN_PROGRESS = "InProgress"
    SUBMITTED = "Submitted"
    COMPLETED = "Completed"


class GradingProgress(StrEnum):
    """Whether the score is final (AGS ``gradingProgress``); only ``FullyGraded`` counts."""

    FULLY_GRADED = "FullyGraded"
    PENDING = "Pending"
    PENDING_MANUAL = "PendingManual"
    FAILED = "Failed"
    NOT_READY = "NotReady"


class Problem(StrEnum):
    """Why a service call failed; each has a hint for staff."""

    NOT_ENABLED = "not_enabled"
    CREDENTIALS_REFUSED = "credentials_refused"
    STALE_TIMESTAMP = "stale_timestamp"
    UNAVAILABLE = "unavailable"
    READ_ONLY = "read_only"
    NOT_GRANTED = "not_granted"
    REFUSED = "refused"
    INVALID_REPLY = "invalid_reply"


HINTS: dict[Problem, LazyString] = {
    Problem.NOT_ENABLED: _l(
        "The LMS admin has not enabled this service (names and roles, or grades) for the tool."
    ),
    Problem.CREDENTIALS_REFUSED: _l(
        "The LMS refused the tool's credentials: check the client id, the token URL and the "
        "tool's keyset URL of this registration."
    ),
    Problem.STALE_TIMESTAMP: _l(
        "Stale timestamp: the LMS already holds a score at least as recent as this one."
    ),
    Problem.UNAVAILABLE: _l("The platform is unavailable; retry later."),
    Problem.READ_ONLY: _l(
        "The LMS lets the tool read line items but not create them (declarative grading): "
        "scores go to the line item the launch names."
    ),
    Problem.NOT_GRANTED: _l("The launch did not grant the access this call needs."),
    Problem.REFUSED: _l("The platform refused the request."),
    Problem.INVALID_REPLY: _l("The platform sent a reply the tool cannot read."),
}


class ServiceError(Exception):
    """A service call that failed: the problem, HTTP status, the platform's message and a hint."""

    def __init__(
        self, problem: Problem, *, status: int | None = None, detail: str = "", url: str = ""
    ) -> None:
        shown_status = f"HTTP {status}" if status is not None else "no HTTP status"
        super().__init__(f"{problem} ({shown_status}) {url}: {detail}".strip())
        self.problem = problem
        self.status = status
        self.detail = detail
        self.url = url

    @property
    def hint(self) -> LazyString:
        """Return the explanation for staff, translated when rendered in a request."""
        return HINTS[self.problem]

    @property
    def is_retryable(self) -> bool:
        """Tell whether the same call may succeed later without anyone changing anything."""
        return self.problem is Problem.UNAVAILABLE

    @classmethod
    def from_response(
        cls, response: requests.Response, *, token_request: bool = False
    ) -> ServiceError:
        """Classify a platform's error reply (``token_request``: from the token endpoint)."""
        body = _json_or_none(response)
        return cls(
            _problem_of(response.status_code, body, token_request=token_request),
            status=response.status_code,
            detail=_platform_message(response, body),
            url=response.url or "",
        )


def _problem_of(status: int, body: Any, *, token_request: bool) -> Problem:
    """Return the problem an HTTP status and error body stand for."""
    if 200 <= status < 300:
        return Problem.INVALID_REPLY
    if status >= 500 or status == 429:
        return Problem.UNAVAILABLE
    if token_request:
        error = body.get("error") if isinstance(body, dict) else None
        return Problem.NOT_ENABLED if error == "invalid_scope" else Problem.CREDENTIALS_REFUSED
    if status in (401, 403):
        return Problem.NOT_ENABLED
    # Moodle answers 409; Open edX 400 with its serializer's error on the timestamp field.
    if status == 409 or (status == 400 and isinstance(body, dict) and "timestamp" in body):
        return Problem.STALE_TIMESTAMP
    return Problem.REFUSED


def _json_or_none(response: requests.Response) -> Any:
    """Return the reply's JSON, or None when it is empty or not JSON."""
    try:
        return response.json() if response.content else None
    except ValueError:
        return None


def _platform_message(response: requests.Response, body: Any) -> str:
    """Return the platform's own words about an error, shortened."""
    if isinstance(body, dict):
        for name in ("error_description", "detail", "message", "reason", "error", "explanation"):
            message = body.get(name)
            if isinstance(message, str):
                return message[:500]
        return json.dumps(body)[:500]
    return response.text[:500]


def next_page_url(link_header: str | None, base_url: str) -> str | None:
    """Return the ``rel="next"`` target of a Link header (straight or typographic quotes)."""
    if not link_header:
        return None
    header = " ".join(link_header.translate(_QUOTES).split())  # one line, straight quotes
    for link in requests.utils.parse_header_links(header):
        rel = next((value for key, value in link.items() if key.lower() == "rel"), "")
        if "next" in rel.lower().split():
            return urljoin(base_url, link["url"].strip())
    return None


class ServiceClient(ServiceConnector):
    """pylti1p3's service connector over the shared session, with tokens in the shared cache."""

    def __init__(
        self, registration: LtiRegistration, requests_session: requests.Session | None = None
    ) -> None:
        super().__init__(registration, requests_session or http.session())

    @classmethod
    def for_registration(cls, registration: Registration) -> ServiceClient:
        """Return a client for a registration row, signing with the tool's loaded newest key."""
        return cls(DatabaseToolConf.to_lti_registration(registration))

    def _scope_key(self, scopes: Iterable[str]) -> str:
        """Key a token by issuer, client id and sorted scopes (pylti1p3 omits the client id)."""
        parts = [
            self._registration.get_issuer() or "",
            self._registration.get_client_id() or "",
            *sorted(set(scopes)),
        ]
        return _CACHE_PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def _get_cached_access_token(self, scope_key: str) -> str | None:
        """Return the cached token of a scope key, if any."""
        return cast(str | None, cache.get(scope_key))

    def _cache_access_token(self, scope_key: str, access_token: str, expires_in: float) -> None:
        """Keep a token until shortly before it expires; never one without a known lifetime."""
        try:
            lifetime = int(float(expires_in)) - TOKEN_EXPIRY_MARGIN
        except (TypeError, ValueError):
            return
        if isinstance(access_token, str) and access_token and lifetime > 0:
            cache.set(scope_key, access_token, timeout=lifetime)

    def get_access_token(self, scopes: Sequence[str]) -> str:
        """Return an access token for the scopes, cached or fetched with a signed assertion."""
        token_url = self._registration.get_auth_token_url() or ""
        try:
            # requests parses the JSON whatever the content type (Moodle answers text/html).
            token = super().get_access_token(scopes)
        except LtiServiceException as error:
            raise ServiceError.from_response(error.response, token_request=True) from error
        except requests.RequestException as error:
            raise ServiceError(Problem.UNAVAILABLE, detail=str(error), url=token_url) from error
        except (KeyError, TypeError) as error:
            raise ServiceError(
                Problem.INVALID_REPLY, detail="no access_token in the reply", url=token_url
            ) from error
        if not isinstance(token, str) or not token:
            raise ServiceError(Problem.INVALID_REPLY, detail="empty access_token", url=token_url)
        return token

    def forget_access_token(self, scopes: Sequence[str]) -> None:
        """Drop the cached token of these scopes, so that the next call fetches a new one."""
        cache.delete(self._scope_key(scopes))

    def make_service_request(
        self,
        scopes: Sequence[str],
        url: str,
        *,
        is_post: bool = False,
        data: str | None = None,
        content_type: str = "application/json",
        accept: str = "application/json",
        case_insensitive_headers: bool = False,
    ) -> TServiceConnectorResponse:
        """Call a service endpoint and return headers, JSON body and next page; raise ServiceError.

        A cached token the platform no longer accepts (401) is replaced once: platforms forget
        tokens when they rotate keys or restart.
        """
        response, token_was_cached = self._send(scopes, url, is_post, data, content_type, accept)
        if response.status_code == 401 and token_was_cached:
            self.forget_access_token(scopes)
            response, _ = self._send(scopes, url, is_post, data, content_type, accept)
        if not response.ok:
            raise ServiceError.from_response(response)
        try:
            body = response.json() if response.content else None
        except ValueError as error:
            raise ServiceError(
                Problem.INVALID_REPLY, status=response.status_code, detail="not JSON", url=url
            ) from error
        return {
            "headers": response.headers if case_insensitive_headers else dict(response.headers),
            "body": body,
            "next_page_url": next_page_url(response.headers.get("Link"), url),
        }

    def _send(
        self,
        scopes: Sequence[str],
        url: str,
        is_post: bool,
        data: str | None,
        content_type: str,
        accept: str,
    ) -> tuple[requests.Response, bool]:
        """Send one request with a token; tell whether the token came from the cache."""
        token = self._get_cached_access_token(self._scope_key(scopes))
        token_was_cached = token is not None
        headers = {
            "Authorization": "Bearer " + (token or self.get_access_token(scopes)),
            "Accept": accept,
        }
        try:
            if is_post:
                headers["Content-Type"] = content_type
                # Bytes, not str: requests would encode a str body as Latin-1.
                body = data.encode() if data else None
                response = self._requests_session.post(url, data=body, headers=headers)
            else:
                response = self._requests_session.get(url, headers=headers)
        except requests.RequestException as error:
            raise ServiceError(Problem.UNAVAILABLE, detail=str(error), url=url) from error
        return response, token_was_cached

    def get_paginated_data(
        self, scopes: Sequence[str], url: str | None, *args: Any, **kwargs: Any
    ) -> Generator[TServiceConnectorResponse, None, None]:
        """Yield every page of a listing, following ``rel="next"`` up to MAX_PAGES pages."""
        seen: set[str] = set()
        while url:
            if url in seen or len(seen) >= MAX_PAGES:
                raise ServiceError(
                    Problem.INVALID_REPLY,
                    detail=f"paging does not end (page {len(seen) + 1}, {url})",
                    url=url,
                )
            seen.add(url)
            page = self.make_service_request(scopes, url, *args, **kwargs)
            yield page
            url = page["next_page_url"]


def fetch_members(client: ServiceClient, context_memberships_url: str) -> list[dict[str, Any]]:
    """Return every member of the context, across all pages, as the platform sent them.

    Each member has ``user_id``, ``roles`` (URIs, or short names such as ``Learner`` from
    Moodle) and usually ``status``; ``name``, ``email`` and the like only when privacy allows.
    """
    members: list[dict[str, Any]] = []
    for page in client.get_paginated_data(
        [Scope.NRPS], context_memberships_url, accept=NRPS_MEDIA_TYPE
    ):
        body = page["body"]
        page_members = body.get("members") if isinstance(body, dict) else None
        if not isinstance(page_members, list):
            raise ServiceError(
                Problem.INVALID_REPLY,
                detail="not a membership container",
                url=context_memberships_url,
            )
        members.extend(member for member in page_members if isinstance(member, dict))
    return members


def can_create_line_items(scopes: Sequence[str]) -> bool:
    """Tell whether the launch's AGS scopes allow creating line items."""
    return Scope.LINEITEM in scopes


def find_or_create_line_item(
    client: ServiceClient,
    lineitems_url: str,
    *,
    scopes: Sequence[str],
    resource_link_id: str,
    resource_id: str,
    tag: str,
    label: str,
    score_maximum: float,
) -> dict[str, Any]:
    """Return the line item with this resource link, resource id and tag, creating it if absent.

    ``scopes`` are the launch's AGS scopes. With read-only line items (Open edX declarative
    grading) this raises ``ServiceError(Problem.READ_ONLY)``: Open edX would still create an
    item, but not the one its gradebook reads; post scores to the launch's ``lineitem`` instead.
    """
    if not can_create_line_items(scopes):
        problem = Problem.READ_ONLY if Scope.LINEITEM_READONLY in scopes else Problem.NOT_GRANTED
        raise ServiceError(problem, detail="no line item scope to create", url=lineitems_url)
    wanted = {"resourceLinkId": resource_link_id, "resourceId": resource_id, "tag": tag}
    for page in client.get_paginated_data(
        scopes, lineitems_url, accept=LINEITEM_CONTAINER_MEDIA_TYPE
    ):
        if not isinstance(page["body"], list):
            raise ServiceError(
                Problem.INVALID_REPLY, detail="not a line item container", url=lineitems_url
            )
        for item in page["body"]:
            if isinstance(item, dict) and all(item.get(k) == v for k, v in wanted.items()):
                return item
    # Open edX refuses line items without resourceId or resourceLinkId, so both are sent.
    new_item = {**wanted, "label": label[:LABEL_MAX_LENGTH], "scoreMaximum": score_maximum}
    created = client.make_service_request(
        scopes,
        lineitems_url,
        is_post=True,
        data=json.dumps(new_item),
        content_type=LINEITEM_MEDIA_TYPE,
        accept=LINEITEM_MEDIA_TYPE,
    )["body"]
    if not isinstance(created, dict) or not isinstance(created.get("id"), str):
        raise ServiceError(Problem.INVALID_REPLY, detail="line item without id", url=lineitems_url)
    return created


def scores_url(lineitem_url: str) -> str:
    """Return the scores endpoint of a line item, keeping its query (Moodle's ``?type_id=N``)."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores", fragment=""))


def post_score(
    client: ServiceClient,
    lineitem_url: str,
    *,
    user_id: str,
    score_given: float | None,
    score_maximum: float | None,
    activity_progress: str = ActivityProgress.COMPLETED,
    grading_progress: str = GradingProgress.FULLY_GRADED,
    timestamp: datetime | None = None,
    comment: str | None = None,
    scopes: Sequence[str] = (Scope.SCORE,),
) -> dict[str, Any]:
    """Post one learner's score to a line item and return the score sent.

    ``timestamp`` (default: now) must be timezone-aware and is sent in whole seconds, which is
    what Moodle compares: a score not newer than the stored one is refused (STALE_TIMESTAMP).
    ``scopes`` may be the launch's AGS scopes, so that one token serves every AGS call.
    """
    if Scope.SCORE not in scopes:
        raise ServiceError(Problem.NOT_GRANTED, detail="no score scope", url=lineitem_url)
    moment = timestamp or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("A score timestamp needs a timezone.")
    score: dict[str, Any] = {
        "userId": user_id,
        "timestamp": moment.astimezone(UTC).isoformat(timespec="seconds"),
        "activityProgress": str(ActivityProgress(activity_progress)),
        "gradingProgress": str(GradingProgress(grading_progress)),
    }
    if score_given is not None:
        if score_maximum is None or score_maximum <= 0 or score_given < 0:
            raise ValueError("A score needs 0 <= score_given and a positive score_maximum.")
        score["scoreGiven"] = score_given
        score["scoreMaximum"] = score_maximum
    if comment:
        score["comment"] = comment
    client.make_service_request(
        scopes,
        scores_url(lineitem_url),
        is_post=True,
        data=json.dumps(score),
        content_type=SCORE_MEDIA_TYPE,
    )
    return score
