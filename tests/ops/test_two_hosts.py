"""Two gunicorn app hosts over one PostgreSQL and one Redis: a person logs in on one and goes
on on the other without noticing (issue 13, acceptance 6; README "Running in production")."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import redis
import requests
from lti_consumer.data import Lti1p3LaunchData
from sqlalchemy import make_url

from lti_tool.extensions import db
from lti_tool.lti import operations
from tests.support import openedx
from tests.support.serving import serving

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
#: The public address both hosts share (the consumer's redirect URI); a proxy would serve it.
PUBLIC_BASE_URL = "http://tool.test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def platform_server(openedx_consumer, openedx_state):
    """Open edX's endpoints (JWKS, token, services) on a real HTTP port."""
    with serving(openedx.make_platform_app(openedx_consumer, openedx_state)) as url:
        yield url


@pytest.fixture
def shared_prefix():
    """Redis keys of this test only; removed afterwards."""
    prefix = f"test-hosts-{uuid.uuid4().hex}:"
    yield prefix
    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"*{prefix}*"):
        connection.delete(key)


def _start_host(database_url: str, prefix: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    environment = {
        **os.environ,
        "LTI_TOOL_ENVIRONMENT": "production",
        "LTI_TOOL_SECRET_KEY": "one-secret-for-every-host",
        "LTI_TOOL_DATABASE_URL": database_url,
        "LTI_TOOL_CACHE_TYPE": "RedisCache",
        "LTI_TOOL_CACHE_REDIS_URL": REDIS_URL,
        "LTI_TOOL_CACHE_KEY_PREFIX": prefix,
        "LTI_TOOL_RATE_LIMIT_KEY_PREFIX": prefix + "limits",
        "LTI_TOOL_PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
    }
    environment.pop("LTI_TOOL_CONFIG", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "lti_tool:create_app()",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return process, f"http://127.0.0.1:{port}"


def _wait_ready(process: subprocess.Popen, base: str, log: Path) -> None:
    """Wait until the host answers /ready (starting gunicorn takes a moment)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{log.read_text()}")
        try:
            if requests.get(base + "/ready", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet, or still importing
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not become ready:\n{log.read_text()}")


@pytest.fixture
def two_hosts(app, database_url, shared_prefix, tmp_path):
    """Two gunicorn processes (two workers each) on two ports, same database and Redis."""
    if not make_url(database_url).drivername.startswith("postgresql"):
        pytest.skip("two app hosts share PostgreSQL: set LTI_TOOL_DATABASE_URL")
    hosts = [
        _start_host(database_url, shared_prefix, tmp_path / f"host{number}.log")
        for number in (1, 2)
    ]
    try:
        for number, (process, base) in enumerate(hosts, start=1):
            _wait_ready(process, base, tmp_path / f"host{number}.log")
        yield [base for _, base in hosts]
    finally:
        for process, _ in hosts:
            process.terminate()
        for process, _ in hosts:
            process.wait(timeout=30)


def test_a_person_logs_in_on_one_host_and_goes_on_on_the_other(
    app, two_hosts, platform_server, openedx_consumer
):
    host_a, host_b = two_hosts
    operations.add_registration(
        issuer=openedx.ISSUER,
        client_id=openedx.CLIENT_ID,
        auth_login_url=openedx.AUTH_URL,
        auth_token_url=platform_server + "/api/lti_consumer/v1/token/1",
        keyset_url=platform_server + "/api/lti_consumer/v1/public_keysets/1",
        deployment_ids=[openedx.DEPLOYMENT_ID],
    )
    db.session.commit()
    browser = requests.Session()  # one browser: cookies for 127.0.0.1 go to both ports

    # The OIDC login lands on host A ...
    preflight = urlsplit(
        openedx_consumer.prepare_preflight_url(
            Lti1p3LaunchData(
                user_id="lena",
                user_role="student",
                config_id=str(uuid.uuid4()),
                resource_link_id="block-home",
                context_id="course-v1:Org+Mentoring+2026",
            )
        )
    )
    login = browser.get(
        f"{host_a}/lti/login?{preflight.query}&lti1p3_new_window=1", allow_redirects=False
    )
    assert login.status_code == 302, login.text
    authorization = dict(parse_qsl(urlsplit(login.headers["Location"]).query))

    # ... the platform posts the launch to host B (the load balancer chose it) ...
    payload = openedx.platform_launch_payload(
        openedx_consumer,
        authorization,
        user_id="lena",
        name="Lena Learner",
        context_id="course-v1:Org+Mentoring+2026",
        context_title="Mentoring for adult learners",
        resource_link_id="block-home",
        resource_link_title="Mentoring programme",
    )
    launched = browser.post(f"{host_b}/lti/launch", data=payload, allow_redirects=False)
    assert launched.status_code == 303, launched.text
    course_page = launched.headers["Location"]

    # ... and every later page is served by whichever host, signed in as the same person.
    for host in (host_a, host_b, host_a, host_b):
        page = browser.get(host + urlsplit(course_page).path, allow_redirects=True)
        assert page.status_code == 200, page.text
        assert "Lena Learner" in page.text
        assert "Mentoring for adult learners" in page.text
