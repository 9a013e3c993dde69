"""A platform for the benchmark: keys, a JWKS endpoint, logins harvested and tokens pre-signed.

Tokens are signed before the load starts, so that the platform's signing is never counted
inside a launch; each carries the nonce of one login, since both apps spend nonces.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
import requests

from lti_tool.lti.keys import generate_private_key_pem, load_private_key, public_jwk

ISSUER = "https://lms.benchmark.test"
CLIENT_ID = "benchmark-client"
DEPLOYMENT_ID = "1"
AUTH_LOGIN_URL = "https://lms.benchmark.test/auth"
AUTH_TOKEN_URL = "https://lms.benchmark.test/token"
KID = "benchmark-platform"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


class Platform:
    """The platform's key pair and its key set served over HTTP on loopback."""

    def __init__(self) -> None:
        self.private_pem = generate_private_key_pem(2048)
        self.key = load_private_key(self.private_pem)
        self.jwks = {"keys": [public_jwk(self.private_pem, KID)]}
        body = json.dumps(self.jwks).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "max-age=3600")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.jwks_url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def id_token(
        self, nonce: str, *, user: str, context_id: str, target: str, staff: bool = False
    ) -> str:
        """Sign the id_token of a resource-link launch of a learner (or of staff)."""
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": user,
            "iat": now,
            "exp": now + 3600,
            "nonce": nonce,
            "name": f"Learner {user}",
            "email": f"{user}@example.org",
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": DEPLOYMENT_ID,
            LTI + "target_link_uri": target,
            LTI + "resource_link": {"id": f"{context_id}-home", "title": "Mentoring"},
            LTI + "roles": [INSTRUCTOR if staff else LEARNER],
            LTI + "context": {
                "id": context_id,
                "title": f"Benchmark {context_id}",
                "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            },
            LTI + "launch_presentation": {"document_target": "iframe"},
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})

    def login_query(self, user: str, target: str) -> str:
        """The third-party initiated login's query (new-window form: no cookie check page)."""
        return urlencode(
            {
                "iss": ISSUER,
                "client_id": CLIENT_ID,
                "login_hint": user,
                "lti_message_hint": "bench",
                "target_link_uri": target,
                "lti_deployment_id": DEPLOYMENT_ID,
                "lti1p3_new_window": "1",
            }
        )

    def launches(
        self,
        base_url: str,
        login_path: str,
        launch_path: str,
        count: int,
        *,
        users: Iterable[str],
        context_id: str,
        out: Path,
        staff: bool = False,
    ) -> Path:
        """Log in ``count`` times, sign one token per login; write the launch POSTs to a file."""
        http = requests.Session()
        users = list(users)
        target = base_url + launch_path
        lines = []
        for index in range(count):
            user = users[index % len(users)]
            response = http.get(
                base_url + login_path + "?" + self.login_query(user, target),
                allow_redirects=False,
            )
            if response.status_code not in (302, 303):
                raise RuntimeError(f"login answered {response.status_code}: {response.text[:300]}")
            query = dict(parse_qsl(urlsplit(response.headers["Location"]).query))
            token = self.id_token(
                query["nonce"], user=user, context_id=context_id, target=target, staff=staff
            )
            cookie = "; ".join(f"{c.name}={c.value}" for c in response.cookies)
            body = urlencode({"id_token": token, "state": query["state"]})
            lines.append("\t".join(("POST", launch_path, cookie, body)))
            http.cookies.clear()
        out.write_text("\n".join(lines) + "\n")
        return out

    def launch_once(
        self, base_url: str, *, user: str, context_id: str, staff: bool = False
    ) -> requests.Response:
        """Log in and launch one learner; return the tool's answer (its session cookie)."""
        path = Path(f"/tmp/bench-launch-{uuid.uuid4().hex}.txt")
        try:
            self.launches(
                base_url,
                "/lti/login",
                "/lti/launch",
                1,
                users=[user],
                context_id=context_id,
                out=path,
                staff=staff,
            )
            _method, target, cookie, body = path.read_text().rstrip("\n").split("\t", 3)
        finally:
            path.unlink(missing_ok=True)
        return requests.post(
            base_url + target,
            data=body,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            allow_redirects=False,
        )
