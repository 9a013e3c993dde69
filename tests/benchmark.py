"""Print how fast the hot paths run in-process: ``make benchmark`` (figures, not pass/fail).

Launches go through Open edX's own consumer code, as in the tests; compare with PERF-FACTS.md.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask_migrate import upgrade

from lti_tool import create_app
from lti_tool.extensions import db
from lti_tool.lti.keys import public_jwk
from lti_tool.lti.models import ToolKey
from lti_tool.mentors.search import search_mentors
from tests.mentors.factories import make_course, seed_mentors
from tests.mentors.test_search import _spec
from tests.support import keys, openedx

#: Mentors in the search measurement (PERF-FACTS.md measured layouts at 100k).
SEARCH_POOL = int(os.environ.get("BENCHMARK_MENTORS", "20000"))
SEARCHES = {
    "no criteria": {},
    "topic + language": {"topics": ["Leadership"], "languages": ["it"]},
    "topic + language + mode + word": {
        "topics": ["Career change"],
        "languages": ["en"],
        "modes": ["video"],
        "text": "grow",
    },
    "rare word": {"text": "Mentor 01234"},
}


def _rate(name: str, action: Callable[[int], object], count: int) -> None:
    action(0)  # warm caches (platform JWKS, templates)
    started = time.perf_counter()
    for index in range(1, count + 1):
        action(index)
    elapsed = time.perf_counter() - started
    print(f"{name:<38} {count / elapsed:8.0f} /s   {1000 * elapsed / count:7.2f} ms each")


def _latency(name: str, action: Callable[[], object], count: int) -> None:
    action()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        action()
        times.append(1000 * (time.perf_counter() - started))
    times.sort()
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
    print(f"  {name:<36} p50 {statistics.median(times):6.2f} ms   p99 {p99:6.2f} ms")


def search_figures(database_url: str) -> None:
    """Seed a large mentor pool and time the search's hot queries (top 20 by relevance)."""
    app = create_app(
        {"SECRET_KEY": "benchmark", "DATABASE_URL": database_url, "CACHE_TYPE": "SimpleCache"}
    )
    with app.app_context():
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
        course = make_course()
        for start in range(0, SEARCH_POOL, 5000):
            seed_mentors(course, [_spec(i) for i in range(start, min(start + 5000, SEARCH_POOL))])
        db.session.commit()
        dialect = db.engine.dialect.name
        print(f"Mentor search, {SEARCH_POOL} mentors ({dialect}):")
        for name, criteria in SEARCHES.items():
            _latency(name, lambda c=criteria: search_mentors(course.id, per_page=20, **c), 100)
        db.session.remove()


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
    search_figures(os.environ.get("LTI_TOOL_DATABASE_URL") or f"sqlite:///{folder / 's.db'}")


if __name__ == "__main__":
    main()
