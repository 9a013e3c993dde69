"""Print how fast the hot paths run in-process: ``make benchmark`` (figures, not pass/fail).

Launches go through Open edX's own consumer code, as in the tests; compare with PERF-FACTS.md.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask_migrate import upgrade

from lti_tool import create_app
from lti_tool.extensions import db
from lti_tool.lti.keys import public_jwk
from lti_tool.lti.models import ToolKey
from tests.support import keys, openedx


def _rate(name: str, action: Callable[[int], object], count: int) -> None:
    action(0)  # warm caches (platform JWKS, templates)
    started = time.perf_counter()
    for index in range(1, count + 1):
        action(index)
    elapsed = time.perf_counter() - started
    print(f"{name:<38} {count / elapsed:8.0f} /s   {1000 * elapsed / count:7.2f} ms each")


def main() -> None:
    """Run each measurement and print its rate."""
    folder = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "SECRET_KEY": "benchmark",
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "CACHE_TYPE": "SimpleCache",
            "PUBLIC_BASE_URL": "http://tool.test",
        }
    )
    with app.app_context():
        upgrade()
        pem = keys.private_pem("tool")
        db.session.add(
            ToolKey(kid="bench", private_key_pem=pem, public_jwk=public_jwk(pem, "bench"))
        )
        db.session.commit()
        consumer = openedx.make_consumer("http://tool.test", keys.public_pem("tool"))
        openedx.install(consumer, openedx.PlatformState())
        client = app.test_client()

        def launch(index: int) -> object:
            response = openedx.login_and_launch(client, consumer, user_id=f"learner-{index % 50}")
            assert response.status_code == 303, response.status_code
            return response

        location = launch(0).headers["Location"]
        print(f"In-process figures ({app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}):")
        _rate("login + launch (Open edX consumer)", launch, 200)
        _rate("home page of a launched learner", lambda _: client.get(location), 500)
        _rate("JWKS", lambda _: client.get("/lti/jwks.json"), 1000)
        _rate("health check", lambda _: client.get("/health"), 1000)


if __name__ == "__main__":
    main()
