"""The README's production server (gunicorn) never turns a forwarded scheme into cookie flags.

gunicorn believes ``X-Forwarded-Proto`` from loopback by default (``forwarded_allow_ips``) and
hands the application an https request; the tool's cookies must follow its configuration only.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from lti_tool import create_app
from lti_tool.extensions import db
from lti_tool.lti import operations
from lti_tool.lti.login import LOGIN_COOKIE

ISSUER = "https://lms.gunicorn.test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """gunicorn serving the tool (http public URL, trusted_proxies = 0) on a free port."""
    folder = tmp_path_factory.mktemp("gunicorn")
    port = _free_port()
    environment = {
        **os.environ,
        "LTI_TOOL_SECRET_KEY": "gunicorn-test",
        "LTI_TOOL_DATABASE_URL": "sqlite:///" + str(folder / "tool.sqlite3"),
        "LTI_TOOL_CACHE_TYPE": "FileSystemCache",
        "LTI_TOOL_CACHE_DIR": str(folder / "cache"),
        "LTI_TOOL_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "LTI_TOOL_TRUSTED_PROXIES": "0",
    }
    environment.pop("LTI_TOOL_CONFIG", None)
    app = create_app(
        {
            "DATABASE_URL": environment["LTI_TOOL_DATABASE_URL"],
            "PUBLIC_BASE_URL": environment["LTI_TOOL_PUBLIC_BASE_URL"],
        }
    )
    with app.app_context():
        db.create_all()
        operations.add_registration(
            issuer=ISSUER,
            client_id="client",
            auth_login_url=ISSUER + "/auth",
            auth_token_url=ISSUER + "/token",
            keyset_url=ISSUER + "/jwks",
            deployment_ids=["1"],
        )
        db.session.commit()
        db.engine.dispose()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "-w", "1", "-b", f"127.0.0.1:{port}", "lti_tool:create_app()"],
        env=environment,
        cwd=str(folder),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(base + "/lti/jwks.json", timeout=5)
                break
            except requests.RequestException:
                if process.poll() is not None:
                    pytest.fail(process.stderr.read().decode() if process.stderr else "died")
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_forwarded_https_never_makes_the_login_cookie_secure(server):
    query = urlencode(
        {
            "iss": ISSUER,
            "client_id": "client",
            "login_hint": "x",
            "target_link_uri": server + "/lti/launch",
            "lti1p3_new_window": "1",
        }
    )

    response = requests.get(
        server + "/lti/login?" + query,
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
        timeout=10,
    )

    assert response.status_code == 302
    header = response.headers["Set-Cookie"]
    assert header.startswith(LOGIN_COOKIE + "=")
    assert "Secure" not in header and "Partitioned" not in header
