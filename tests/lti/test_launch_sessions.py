"""Shared computers, bounded cookies, cookie flags and an unreachable Redis (issue 8)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from redis import Redis

from lti_tool.extensions import cache
from lti_tool.lti.login import LOGIN_COOKIE
from lti_tool.people.models import Course, Membership, User
from tests.conftest import TOOL_BASE_URL, count_rows
from tests.mentors.factories import enter
from tests.support import openedx

COURSE_1 = "course-v1:Org+One+2026"
COURSE_2 = "course-v1:Org+Two+2026"
#: The header size most servers accept (gunicorn's limit_request_field_size is 8190).
COOKIE_BUDGET = 8 * 1024
REDIS_URL = "redis://127.0.0.1:6379/0"


def _course_of(response: Any) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return int(response.headers["Location"].split("/course/")[1].split("/")[0])


def _cookie_bytes(client: Any) -> int:
    """What the browser would send in its Cookie header, at most (all its cookies)."""
    return sum(len(cookie.key) + len(cookie.value) + 2 for cookie in client._cookies.values())


def test_a_different_person_signs_everyone_else_out_of_the_browser(launch, client):
    course_1 = _course_of(launch(user_id="person-a", name="Anna", context_id=COURSE_1))
    assert client.get(f"/course/{course_1}/privacy/my-data.json").status_code == 200

    course_2 = _course_of(launch(user_id="person-b", name="Bruno", context_id=COURSE_2))

    assert client.get(f"/course/{course_2}/").status_code == 200
    assert client.get(f"/course/{course_1}/").status_code == 401
    export = client.get(f"/course/{course_1}/privacy/my-data.json")
    assert export.status_code == 401
    assert b"Anna" not in export.get_data()


def test_the_same_person_keeps_their_other_courses(launch, client):
    course_1 = _course_of(launch(user_id="person-a", context_id=COURSE_1))
    course_2 = _course_of(launch(user_id="person-a", context_id=COURSE_2))

    assert client.get(f"/course/{course_1}/").status_code == 200
    assert client.get(f"/course/{course_2}/").status_code == 200


def test_the_login_cookie_is_removed_once_the_launch_is_validated(launch, client):
    captured: dict[str, Any] = {}

    def peek(payload: dict[str, str], auth: dict[str, str]) -> dict[str, str]:
        captured["during"] = client.get_cookie(LOGIN_COOKIE, path="/lti/")
        return payload

    launch(user_id="person-a", tamper=peek)

    assert captured["during"] is not None  # the login set it ...
    assert client.get_cookie(LOGIN_COOKIE, path="/lti/") is None  # ... the launch removed it


def test_a_hundred_launches_in_one_browser_stay_within_8_kb_of_cookies(
    launch, client, openedx_consumer
):
    largest = 0
    for number in range(100):
        person = f"person-{number % 3}"  # shared computer: three people take turns
        response = launch(user_id=person, context_id=f"course-v1:Org+C{number % 40}+2026")
        assert response.status_code == 303
        if number % 10 == 0:  # and some logins are abandoned half-way
            openedx.start_login(
                client,
                openedx_consumer,
                user_id=person,
                role="student",
                resource_link_id="link",
                context_id="course",
            )
        largest = max(largest, _cookie_bytes(client))

    assert largest <= COOKIE_BUDGET
    assert count_rows(User)["user_account"] == 3


def _login(client: Any, **environ: Any) -> Any:
    query = urlencode(
        {
            "iss": openedx.ISSUER,
            "client_id": openedx.CLIENT_ID,
            "login_hint": "x",
            "target_link_uri": TOOL_BASE_URL + "/lti/launch",
            "lti1p3_new_window": "1",
        }
    )
    return client.get(
        "/lti/login?" + query,
        headers={"X-Forwarded-Proto": "https"},
        environ_overrides=environ,
    )


def _login_cookie_header(response: Any) -> str:
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(LOGIN_COOKIE)]
    return header


def test_cookie_flags_never_follow_an_unverified_forwarded_scheme(app, client, openedx_platform):
    # gunicorn believes X-Forwarded-Proto from loopback and reports https to the app.
    response = _login(client, **{"wsgi.url_scheme": "https"})

    header = _login_cookie_header(response)
    assert "Secure" not in header
    assert "Partitioned" not in header
    assert "HttpOnly" in header


def test_cookie_flags_follow_the_configuration(app, client, openedx_platform):
    app.config.update(
        SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="None", SESSION_COOKIE_PARTITIONED=True
    )

    header = _login_cookie_header(_login(client))

    assert "Secure" in header and "SameSite=None" in header and "Partitioned" in header


@contextmanager
def redis_cache(app: Flask, url: str, prefix: str) -> Iterator[None]:
    """Point the shared cache at the Redis of ``url`` for a while."""
    saved = app.extensions["cache"][cache]
    cache.init_app(
        app,
        config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url, "CACHE_KEY_PREFIX": prefix},
    )
    try:
        yield
    finally:
        app.extensions["cache"][cache] = saved


def redis_unreachable(app: Flask) -> Any:
    """Point the shared cache at a Redis that is not there (a closed port)."""
    return redis_cache(app, "redis://127.0.0.1:1/0", "unreachable:")


def test_on_redis_a_launch_spends_its_login_once_even_when_posted_twice_at_once(
    app, launch, client
):
    """The login record is read and deleted in one step: of two launches posting the same
    state at the same moment, exactly one gets in, and nothing of the login is left behind."""
    captured: dict[str, Any] = {}

    def keep(payload: dict[str, str], auth: dict[str, str]) -> dict[str, str]:
        captured.update(payload)
        return {"state": "not-posted"}

    prefix = f"test-{uuid.uuid4().hex}:"
    redis = Redis.from_url(REDIS_URL)
    with redis_cache(app, REDIS_URL, prefix):
        launch(user_id="person-a", tamper=keep)
        assert redis.keys(prefix + "*"), "the login is kept in Redis"
        barrier = threading.Barrier(2)

        def post(_: int) -> int:
            browser = app.test_client()
            browser.set_cookie(LOGIN_COOKIE, captured["state"], path="/lti/")
            barrier.wait()
            return browser.post("/lti/launch", data=captured).status_code

        with ThreadPoolExecutor(2) as pool:
            statuses = sorted(pool.map(post, range(2)))
        left = redis.keys(prefix + "*")
    assert statuses == [303, 400]  # the second: "unknown, expired or spent state"
    assert left == []
    assert count_rows(Membership)["membership"] == 1


def test_redis_unreachable_refuses_logins_and_launches_with_a_503_page(app, launch, client):
    captured: dict[str, Any] = {}

    def keep(payload: dict[str, str], auth: dict[str, str]) -> dict[str, str]:
        captured.update(payload)
        return {"state": "not-posted"}

    launch(user_id="person-a", tamper=keep)
    before = count_rows(User, Course, Membership)

    with redis_unreachable(app):
        login = _login(client)
        launched = client.post("/lti/launch", data=captured)

    for response in (login, launched):
        assert response.status_code == 503
        assert "Try again in a moment" in response.get_data(as_text=True)
    assert count_rows(User, Course, Membership) == before
    # Back up: the login still completes.
    assert client.post("/lti/launch", data=captured).status_code == 303


def test_redis_unreachable_mentor_search_still_works(app, launch):
    browser, course_id = enter(app, launch, user_id="searcher", name="Sara")

    with redis_unreachable(app):
        page = browser.get(f"/course/{course_id}/mentors")

    assert page.status_code == 200
