"""Rate limits at the LTI doors and on course forms, shared through Redis (issue 13, 3)."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest
import redis
from flask import g
from lti_consumer.data import Lti1p3LaunchData

from lti_tool import create_app, http
from lti_tool.extensions import db
from tests.conftest import _test_config
from tests.support import moodle, openedx
from tests.support.html import input_values
from tests.support.moodle import MoodleState
from tests.support.wsgi_transport import WSGITransport

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def make_app(app, database_url, openedx_platform):
    """Build another instance of the tool on the same database, with its own limits."""

    def _make_app(instance, **limits):
        config = _test_config(database_url, instance)
        config.update(limits)
        limited = create_app(config)
        # Test requests share one app context: forget the CSRF token Flask-WTF keeps on g.
        limited.before_request(lambda: g.pop("csrf_token", None) and None)
        with limited.app_context():
            http.session().mount(openedx.PLATFORM_HOST, openedx_platform)
        return limited

    return _make_app


def _login(client, consumer, user_id="hammer"):
    """Start a login the way Open edX does; return the tool's answer."""
    preflight = urlsplit(
        consumer.prepare_preflight_url(
            Lti1p3LaunchData(
                user_id=user_id,
                user_role="student",
                config_id=str(uuid.uuid4()),
                resource_link_id="link-1",
                context_id="course-1",
            )
        )
    )
    return client.get(preflight.path + "?" + preflight.query + "&lti1p3_new_window=1")


def test_hammering_login_from_one_address_gets_429_after_the_configured_count(
    make_app, tmp_path, openedx_consumer
):
    limited = make_app(tmp_path, RATE_LIMIT_LOGIN="3 per minute")
    with limited.app_context():
        client = limited.test_client()
        answers = [_login(client, openedx_consumer).status_code for _ in range(4)]
        elsewhere = limited.test_client().get(
            "/lti/login?iss=x", environ_base={"REMOTE_ADDR": "10.9.9.9"}
        )
        refused = _login(client, openedx_consumer)

    assert answers == [302, 302, 302, 429]
    assert elsewhere.status_code != 429  # another address has a count of its own
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "Too many requests" in refused.get_data(as_text=True)


def test_hammering_launch_gets_429_with_a_translated_page(make_app, tmp_path, openedx_consumer):
    limited = make_app(tmp_path, RATE_LIMIT_LAUNCH="2 per minute")
    with limited.app_context():
        client = limited.test_client()
        statuses = [
            openedx.login_and_launch(client, openedx_consumer, user_id="lena").status_code
            for _ in range(2)
        ]
        third = client.post(
            "/lti/launch", data={"state": "x", "id_token": "y"}, headers={"Accept-Language": "it"}
        )

    assert statuses == [303, 303]
    assert third.status_code == 429
    assert "Troppe richieste" in third.get_data(as_text=True)
    assert int(third.headers["Retry-After"]) >= 1


def test_form_posts_are_limited_per_signed_in_person(make_app, tmp_path, openedx_consumer):
    limited = make_app(tmp_path, RATE_LIMIT_FORMS="2 per minute")
    with limited.app_context():
        first, second = limited.test_client(), limited.test_client()
        landed = [
            openedx.login_and_launch(browser, openedx_consumer, user_id=name, role="instructor")
            for browser, name in ((first, "ines"), (second, "ivan"))
        ]
        course = landed[0].headers["Location"].split("/")[2]
        settings = f"/course/{course}/programme/settings"

        def post(browser):
            page = browser.get(settings).get_data(as_text=True)
            return browser.post(settings, data=input_values(page)).status_code

        assert [post(first), post(first), post(first)] == [302, 302, 429]
        assert post(second) == 302  # another person keeps a count of their own


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the shared Redis; its keys are removed afterwards."""
    prefix = f"test-limits-{uuid.uuid4().hex}"
    yield prefix
    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"*{prefix}*"):
        connection.delete(key)


def test_two_app_instances_over_one_redis_share_the_count(
    make_app, tmp_path, openedx_consumer, redis_prefix
):
    settings = {
        "RATE_LIMIT_LOGIN": "4 per minute",
        "RATE_LIMIT_STORAGE_URL": REDIS_URL,
        "RATE_LIMIT_KEY_PREFIX": redis_prefix,
    }
    host_a = make_app(tmp_path / "a", **settings)
    host_b = make_app(tmp_path / "b", **settings)
    answers = []
    for host in (host_a, host_b, host_a, host_b, host_a, host_b):
        with host.app_context():
            answers.append(_login(host.test_client(), openedx_consumer).status_code)
            db.session.remove()

    assert answers == [302, 302, 302, 302, 429, 429]
    assert list(redis.Redis.from_url(REDIS_URL).scan_iter(f"*{redis_prefix}*"))


def test_with_redis_unreachable_limits_fall_back_to_memory(make_app, tmp_path, openedx_consumer):
    limited = make_app(
        tmp_path,
        RATE_LIMIT_LOGIN="2 per minute",
        RATE_LIMIT_STORAGE_URL="redis://127.0.0.1:1/0",
    )
    with limited.app_context():
        client = limited.test_client()
        answers = [_login(client, openedx_consumer).status_code for _ in range(3)]

    assert answers == [302, 302, 429]


def test_dynamic_registration_is_limited_per_address_and_per_token(make_app, tmp_path):
    limited = make_app(
        tmp_path, RATE_LIMIT_REGISTRATION="3 per hour", RATE_LIMIT_REGISTRATION_TOKEN="2 per hour"
    )
    url = "/lti/register?openid_configuration=https://moodle.test/conf&registration_token="
    with limited.app_context():
        # Moodle answers at once (unreachable, each registration would wait for its retries)
        platform = WSGITransport(moodle.make_platform_app(MoodleState()))
        http.session().mount(moodle.PLATFORM_HOST, platform)
        browser = limited.test_client()

        def register(token, address):
            return browser.get(url + token, environ_base={"REMOTE_ADDR": address}).status_code

        same_token = [register("token-1", address) for address in ("10.0.0.1", "10.0.0.2")]
        third_use = register("token-1", "10.0.0.3")
        other_tokens = [register(f"token-{n}", "10.0.0.9") for n in (2, 3, 4, 5)]

    assert 429 not in same_token
    assert third_use == 429  # the same token from yet another address
    assert 429 not in other_tokens[:3] and other_tokens[3] == 429  # the 4th from one address
