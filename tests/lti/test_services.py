"""NRPS and AGS clients against endpoints guarded by Open edX's ``access_token``/``check_token``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jwt
import pytest
import requests
from flask import Flask, Response, current_app
from requests.adapters import BaseAdapter
from sqlalchemy import select

from lti_tool import http
from lti_tool.extensions import cache, db
from lti_tool.lti import keys as tool_keys
from lti_tool.lti import operations
from lti_tool.lti.services import (
    SCORE_MEDIA_TYPE,
    Problem,
    ServiceClient,
    ServiceError,
    fetch_members,
    find_or_create_line_item,
    next_page_url,
    post_score,
    scores_url,
)
from lti_tool.people.models import Course
from lti_tool.platforms.claims import Scope
from lti_tool.platforms.models import ResourceLink
from tests.support import keys, openedx
from tests.support.wsgi_transport import WSGITransport

RESOURCE_LINK_ID = "block-v1:Org+Mentoring+2026+type@lti_consumer+block@home"
LINE_ITEM = {"resourceLinkId": RESOURCE_LINK_ID, "resourceId": "home", "tag": "completion"}
FIXED_TIME = datetime(2026, 3, 2, 11, 30, 15, 987654, tzinfo=timezone(timedelta(hours=1)))

MEMBERS = [
    {
        "status": "Active",
        "user_id": "u-1",
        "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
        "name": "Giulia Rossi",
        "email": "giulia@example.org",
    },
    {"status": "Active", "user_id": "u-2", "roles": ["Learner"]},  # no name, no email
    {
        "status": "Active",
        "user_id": "u-3",
        "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        "name": "Marco Bianchi",
    },
    {"status": "Inactive", "user_id": "u-4", "roles": ["Learner", "Mentor"]},
    {"user_id": "u-5", "roles": []},
]


@pytest.fixture
def service_client(openedx_platform: Any) -> ServiceClient:
    """A client for the Open edX registration, calls routed to the in-process platform."""
    return ServiceClient.for_registration(
        operations.find_registration(openedx.ISSUER, openedx.CLIENT_ID)
    )


def hint_of(error: ServiceError) -> str:
    """Render the staff hint as a page would."""
    with current_app.test_request_context():
        return str(error.hint)


def calls_to(transport: WSGITransport, path_part: str) -> list[requests.PreparedRequest]:
    """Return the requests the tool sent to URLs containing ``path_part``."""
    return [call for call in transport.calls if path_part in (call.url or "")]


def launched_link(launch: Any, *, programmatic: bool, lineitem_url: str | None = None) -> Any:
    """Launch a teacher with Open edX's AGS and NRPS claims; return the stored placement."""
    claims = {
        **openedx.ags_claim(programmatic=programmatic, lineitem_url=lineitem_url),
        **openedx.nrps_claim(),
    }
    response = launch(user_id="staff-1", role="instructor", extra_claims=claims)
    assert response.status_code == 303
    return db.session.scalar(select(ResourceLink))


# --- Names and Roles -----------------------------------------------------------------------


def test_members_come_from_every_page_as_sent(launch, openedx_state, openedx_platform):
    openedx_state.members = MEMBERS
    openedx_state.members_page_size = 2
    launched_link(launch, programmatic=True)
    course = db.session.scalar(select(Course))
    client = ServiceClient.for_registration(course.deployment.registration)

    members = fetch_members(client, course.nrps_url)

    assert members == MEMBERS
    assert len(calls_to(openedx_platform, "/memberships")) == 3
    assert openedx_platform.calls[-1].headers["Accept"] == openedx.NRPS_MEDIA_TYPE


def test_typographic_quotes_in_link_header_are_followed(
    service_client, openedx_state, openedx_platform
):
    openedx_state.members = MEMBERS[:2]
    openedx_state.members_page_size = 1
    openedx_state.link_quotes = ("“", "”")

    assert fetch_members(service_client, openedx.MEMBERSHIPS_URL) == MEMBERS[:2]
    assert len(calls_to(openedx_platform, "/memberships")) == 2


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('<https://lms.test/m?page=2>; rel="next"', "https://lms.test/m?page=2"),
        ("<https://lms.test/m?page=2>; rel=“next”", "https://lms.test/m?page=2"),
        ("<https://lms.test/m?page=2>; rel=next", "https://lms.test/m?page=2"),
        ("<https://lms.test/m?page=2>;rel='next'", "https://lms.test/m?page=2"),
        ('<https://lms.test/m?p=1>; rel="prev", <https://lms.test/m?p=3>; rel="next"', "https://lms.test/m?p=3"),
        ('<https://lms.test/m?p=1>; rel="first",\n <https://lms.test/m?p=3>; REL="Next"', "https://lms.test/m?p=3"),
        ('<https://lms.test/m?p=9>; rel="next last"', "https://lms.test/m?p=9"),
        ('</api/m?page=2>; rel="next"', "https://lms.test/api/m?page=2"),
        ('<https://lms.test/m?since=1>; rel="differences"', None),
        ("", None),
        (None, None),
    ],
)  # fmt: skip
def test_next_page_url_reads_link_headers(header, expected):
    assert next_page_url(header, "https://lms.test/api/m") == expected


def test_endless_paging_is_an_error(service_client, app):
    looping = Flask("looping-platform")

    @looping.get("/members")
    def members() -> Response:
        return Response(
            '{"members": [{"user_id": "u-1", "roles": []}]}',
            content_type=openedx.NRPS_MEDIA_TYPE,
            headers={"Link": '<https://loop.test/members>; rel="next"'},
        )

    http.session().mount("https://loop.test", WSGITransport(looping))

    with pytest.raises(ServiceError) as caught:
        fetch_members(service_client, "https://loop.test/members")
    assert caught.value.problem is Problem.INVALID_REPLY


# --- Access tokens -------------------------------------------------------------------------


def test_access_token_is_fetched_once_and_reused(service_client, openedx_state, openedx_platform):
    openedx_state.members = MEMBERS

    fetch_members(service_client, openedx.MEMBERSHIPS_URL)
    fetch_members(service_client, openedx.MEMBERSHIPS_URL)
    another_client = ServiceClient.for_registration(
        operations.find_registration(openedx.ISSUER, openedx.CLIENT_ID)
    )
    fetch_members(another_client, openedx.MEMBERSHIPS_URL)

    assert len(openedx_state.token_requests) == 1
    assert len(calls_to(openedx_platform, "/memberships")) == 3


def test_client_assertion_is_signed_with_the_tool_key_and_its_kid(service_client, openedx_state):
    fetch_members(service_client, openedx.MEMBERSHIPS_URL)

    form = openedx_state.token_requests[0]
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == (
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    )
    assert form["scope"] == Scope.NRPS
    assert jwt.get_unverified_header(form["client_assertion"])["kid"] == "tool-key-1"
    claims = jwt.decode(
        form["client_assertion"],
        tool_keys.load_private_key(keys.private_pem("tool")).public_key(),
        algorithms=["RS256"],
        audience=openedx.TOKEN_URL,
    )
    assert claims["iss"] == claims["sub"] == openedx.CLIENT_ID


def test_token_reply_sent_as_html_is_read_as_json(service_client, openedx_state):
    openedx_state.token_content_type = "text/html; charset=utf-8"  # as Moodle's token.php
    openedx_state.members = MEMBERS[:1]

    assert fetch_members(service_client, openedx.MEMBERSHIPS_URL) == MEMBERS[:1]


def test_cached_token_the_platform_refuses_is_replaced_once(
    service_client, openedx_state, openedx_platform
):
    openedx_state.members = MEMBERS[:1]
    cache.set(service_client._scope_key([Scope.NRPS]), "token-from-before-a-key-rotation")

    assert fetch_members(service_client, openedx.MEMBERSHIPS_URL) == MEMBERS[:1]
    assert len(openedx_state.token_requests) == 1
    assert len(calls_to(openedx_platform, "/memberships")) == 2


def test_platform_refusing_the_tool_key_is_a_token_error(service_client, openedx_state):
    # Open edX configured with the tool's public key, the tool signing with another key.
    service_client._registration.set_tool_private_key(
        tool_keys.load_private_key(keys.private_pem("not-the-registered-key"))
    )

    with pytest.raises(ServiceError) as caught:
        fetch_members(service_client, openedx.MEMBERSHIPS_URL)
    assert caught.value.problem is Problem.CREDENTIALS_REFUSED
    assert caught.value.status == 400
    assert "keyset URL" in hint_of(caught.value)


# --- Line items ----------------------------------------------------------------------------


def test_existing_line_item_is_found_on_a_later_page(launch, openedx_state, openedx_platform):
    link = launched_link(launch, programmatic=True)
    openedx_state.line_items_page_size = 2
    openedx_state.link_quotes = ("“", "”")  # Moodle's line-item paging
    openedx_state.add_line_item(label="Other activity", scoreMaximum=10, resourceId="other")
    openedx_state.add_line_item(label="Same link, other tag", scoreMaximum=1, **LINE_ITEM)
    openedx_state.line_items[-1]["tag"] = "attendance"
    openedx_state.add_line_item(label="Quiz", scoreMaximum=5, tag="quiz", resourceId="q")
    wanted = openedx_state.add_line_item(label="Mentoring", scoreMaximum=1, **LINE_ITEM)

    item = find_or_create_line_item(
        ServiceClient.for_registration(link.course.deployment.registration),
        link.lineitems_url,
        scopes=link.ags_scopes,
        resource_link_id=link.resource_link_id,
        resource_id="home",
        tag="completion",
        label="Mentoring",
        score_maximum=1,
    )

    assert item == wanted
    assert len(openedx_state.line_items) == 4
    assert [call.method for call in calls_to(openedx_platform, "/lti-ags")] == ["GET", "GET"]


def test_missing_line_item_is_created_once_with_its_resource_ids(
    service_client, openedx_state, openedx_platform
):
    scopes = openedx.ags_claim(programmatic=True)[
        "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
    ]["scope"]
    arguments = {
        "scopes": scopes,
        "resource_link_id": RESOURCE_LINK_ID,
        "resource_id": "home",
        "tag": "completion",
        "label": "Mentoring – “completamento” ✓",
        "score_maximum": 10,
    }

    created = find_or_create_line_item(service_client, openedx.LINEITEMS_URL, **arguments)
    found = find_or_create_line_item(service_client, openedx.LINEITEMS_URL, **arguments)

    assert created == found == openedx_state.line_items[0]
    assert created == {
        "id": openedx.LINEITEMS_URL + "/1",
        "label": "Mentoring – “completamento” ✓",
        "scoreMaximum": 10,
        **LINE_ITEM,
    }
    posts = [call for call in calls_to(openedx_platform, "/lti-ags") if call.method == "POST"]
    assert len(posts) == 1
    assert posts[0].headers["Content-Type"] == "application/vnd.ims.lis.v2.lineitem+json"
    assert len(openedx_state.token_requests) == 1


def test_platform_refuses_line_items_without_resource_ids(service_client):
    # The test platform behaves as Open edX: the client must send resourceId/resourceLinkId.
    with pytest.raises(ServiceError) as caught:
        service_client.make_service_request(
            [Scope.LINEITEM],
            openedx.LINEITEMS_URL,
            is_post=True,
            data='{"label": "Mentoring", "scoreMaximum": 1}',
            content_type="application/vnd.ims.lis.v2.lineitem+json",
            accept="application/vnd.ims.lis.v2.lineitem+json",
        )
    assert caught.value.status == 400
    assert caught.value.problem is Problem.REFUSED
    assert "resource_id or resource_link_id" in caught.value.detail


def test_read_only_line_items_refuse_creation_and_scores_go_to_the_given_line_item(
    launch, openedx_state, openedx_platform
):
    given = openedx_state.add_line_item(label="Declared", scoreMaximum=1, **LINE_ITEM)
    link = launched_link(launch, programmatic=False, lineitem_url=given["id"])
    client = ServiceClient.for_registration(link.course.deployment.registration)

    with pytest.raises(ServiceError) as caught:
        find_or_create_line_item(
            client,
            link.lineitems_url,
            scopes=link.ags_scopes,
            resource_link_id=link.resource_link_id,
            resource_id="home",
            tag="completion",
            label="Mentoring",
            score_maximum=1,
        )
    assert caught.value.problem is Problem.READ_ONLY
    assert "declarative grading" in hint_of(caught.value)
    assert calls_to(openedx_platform, "/lti-ags") == []

    post_score(
        client, link.lineitem_url, user_id="u-1", score_given=1, score_maximum=1,
        scopes=link.ags_scopes,
    )  # fmt: skip
    assert openedx_state.scores[0]["line_item"] == given["id"]


# --- Scores --------------------------------------------------------------------------------


def test_score_reaches_the_line_item_as_the_spec_and_moodle_want(
    launch, openedx_state, openedx_platform
):
    link = launched_link(launch, programmatic=True)
    client = ServiceClient.for_registration(link.course.deployment.registration)
    item = find_or_create_line_item(
        client,
        link.lineitems_url,
        scopes=link.ags_scopes,
        resource_link_id=link.resource_link_id,
        resource_id="home",
        tag="completion",
        label="Mentoring",
        score_maximum=1,
    )

    sent = post_score(
        client,
        item["id"],
        user_id="u-1",
        score_given=1,
        score_maximum=1,
        timestamp=FIXED_TIME,
        comment="Completed all mentoring sessions",
        scopes=link.ags_scopes,
    )

    expected = {
        "userId": "u-1",
        "timestamp": "2026-03-02T10:30:15+00:00",
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "scoreGiven": 1,
        "scoreMaximum": 1,
        "comment": "Completed all mentoring sessions",
    }
    assert sent == expected
    assert openedx_state.scores == [
        {"line_item": item["id"], "content_type": SCORE_MEDIA_TYPE, "score": expected}
    ]
    assert calls_to(openedx_platform, "/scores")[0].url == item["id"] + "/scores"
    assert len(openedx_state.token_requests) == 1  # one token for every AGS call


def test_progress_without_a_score_sends_no_score_fields(service_client, openedx_state):
    item = openedx_state.add_line_item(label="Mentoring", scoreMaximum=1, **LINE_ITEM)

    post_score(
        service_client, item["id"], user_id="u-2", score_given=None, score_maximum=1,
        activity_progress="InProgress", grading_progress="Pending",
    )  # fmt: skip

    score = openedx_state.scores[0]["score"]
    assert set(score) == {"userId", "timestamp", "activityProgress", "gradingProgress"}
    assert datetime.fromisoformat(score["timestamp"]).tzinfo is not None
    assert (score["activityProgress"], score["gradingProgress"]) == ("InProgress", "Pending")


@pytest.mark.parametrize(
    ("lineitem_url", "expected"),
    [
        ("https://lms.test/lineitems/7", "https://lms.test/lineitems/7/scores"),
        ("https://lms.test/lineitems/7/", "https://lms.test/lineitems/7/scores"),
        (
            "https://moodle.test/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3",
            "https://moodle.test/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3",
        ),
    ],
)
def test_scores_url_goes_before_the_query(lineitem_url, expected):
    assert scores_url(lineitem_url) == expected


def test_score_to_a_line_item_with_a_query_string(service_client, openedx_state, openedx_platform):
    item = openedx_state.add_line_item(label="Mentoring", scoreMaximum=1, **LINE_ITEM)

    post_score(
        service_client, item["id"] + "?type_id=3", user_id="u-1", score_given=0.5,
        score_maximum=1,
    )  # fmt: skip

    assert calls_to(openedx_platform, "/scores")[0].url == item["id"] + "/scores?type_id=3"
    assert openedx_state.scores[0]["score"]["scoreGiven"] == 0.5


@pytest.mark.parametrize(
    "arguments",
    [
        {"score_given": 1, "score_maximum": None},
        {"score_given": 1, "score_maximum": 0},
        {"score_given": -1, "score_maximum": 1},
        {"score_given": 1, "score_maximum": 1, "timestamp": datetime(2026, 1, 1)},
        {"score_given": 1, "score_maximum": 1, "activity_progress": "Finished"},
    ],
)
def test_invalid_scores_are_refused_before_any_call(service_client, openedx_platform, arguments):
    with pytest.raises(ValueError):
        post_score(service_client, openedx.LINEITEMS_URL + "/1", user_id="u-1", **arguments)
    assert openedx_platform.calls == []


# --- Errors staff will see -----------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])  # Moodle, Open edX
def test_service_not_enabled_explains_it_to_staff(service_client, openedx_state, status):
    openedx_state.disabled_services = {"nrps", "ags"}
    openedx_state.disabled_status = status
    item = openedx_state.add_line_item(label="Mentoring", scoreMaximum=1, **LINE_ITEM)

    for call in (
        lambda: fetch_members(service_client, openedx.MEMBERSHIPS_URL),
        lambda: post_score(
            service_client, item["id"], user_id="u-1", score_given=1, score_maximum=1
        ),
    ):
        with pytest.raises(ServiceError) as caught:
            call()
        assert caught.value.status == status
        assert caught.value.problem is Problem.NOT_ENABLED
        assert "LMS admin has not enabled" in hint_of(caught.value)
        assert caught.value.detail == "Service not enabled."
        assert not caught.value.is_retryable


@pytest.mark.parametrize("status", [409, 400])  # Moodle, Open edX
def test_score_not_newer_than_the_stored_one_is_stale(service_client, openedx_state, status):
    openedx_state.stale_score_status = status
    item = openedx_state.add_line_item(label="Mentoring", scoreMaximum=1, **LINE_ITEM)
    score = {"user_id": "u-1", "score_given": 1, "score_maximum": 1}
    post_score(service_client, item["id"], timestamp=FIXED_TIME, **score)

    with pytest.raises(ServiceError) as caught:
        post_score(
            service_client, item["id"], timestamp=FIXED_TIME + timedelta(microseconds=1), **score
        )
    assert caught.value.problem is Problem.STALE_TIMESTAMP
    assert caught.value.status == status
    assert "Stale timestamp" in hint_of(caught.value)

    post_score(service_client, item["id"], timestamp=FIXED_TIME + timedelta(seconds=1), **score)
    assert len(openedx_state.scores) == 2


class _Unreachable(BaseAdapter):
    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        raise requests.ConnectionError("connection refused")

    def close(self) -> None:
        """Nothing to release."""


def _platform_answering(status: int) -> Flask:
    app = Flask("failing-platform")

    @app.get("/members")
    def members() -> Response:
        return Response("<h1>Bad gateway</h1>", status=status, content_type="text/html")

    return app


@pytest.mark.parametrize("answer", ["unreachable", 502, 503])
def test_unavailable_platform_is_retryable(service_client, answer):
    if answer == "unreachable":
        http.session().mount("https://down.test", _Unreachable())
    else:
        http.session().mount("https://down.test", WSGITransport(_platform_answering(answer)))

    with pytest.raises(ServiceError) as caught:
        fetch_members(service_client, "https://down.test/members")
    assert caught.value.problem is Problem.UNAVAILABLE
    assert caught.value.is_retryable
    assert "retry later" in hint_of(caught.value)


def test_unreachable_token_endpoint_is_retryable(service_client, app):
    http.session().mount(openedx.PLATFORM_HOST, _Unreachable())

    with pytest.raises(ServiceError) as caught:
        fetch_members(service_client, openedx.MEMBERSHIPS_URL)
    assert caught.value.problem is Problem.UNAVAILABLE
    assert caught.value.url == openedx.TOKEN_URL


def test_scores_without_the_score_scope_are_refused(service_client, openedx_platform):
    with pytest.raises(ServiceError) as caught:
        post_score(
            service_client, openedx.LINEITEMS_URL + "/1", user_id="u-1", score_given=1,
            score_maximum=1, scopes=[Scope.LINEITEM_READONLY],
        )  # fmt: skip
    assert caught.value.problem is Problem.NOT_GRANTED
    assert openedx_platform.calls == []


def test_timestamps_are_utc_whole_seconds(service_client, openedx_state):
    item = openedx_state.add_line_item(label="Mentoring", scoreMaximum=1, **LINE_ITEM)
    before = datetime.now(UTC).replace(microsecond=0)

    sent = post_score(service_client, item["id"], user_id="u-1", score_given=1, score_maximum=1)

    moment = datetime.fromisoformat(sent["timestamp"])
    assert sent["timestamp"].endswith("+00:00")
    assert before <= moment <= datetime.now(UTC)
