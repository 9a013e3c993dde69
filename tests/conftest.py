"""Fixtures: the app on SQLite (or PostgreSQL when LTI_TOOL_DATABASE_URL is set), clients,
Open edX's consumer as the platform, and helpers that count rows."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, g
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, make_url, select, text

from lti_tool import create_app, ratelimits
from lti_tool.extensions import cache, db
from lti_tool.lti import keys as tool_keys
from lti_tool.platforms.models import ToolKey
from tests.support import keys, openedx
from tests.support.database import empty_the_tables
from tests.support.snapshots import Snapshots

TOOL_BASE_URL = "http://tool.test"
DATABASE_URL_VARIABLE = "LTI_TOOL_DATABASE_URL"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> str:
    """PostgreSQL when the environment names one, else a fresh SQLite file.

    Under pytest-xdist each worker gets a database of its own: ``<name>_<worker>`` beside the
    named PostgreSQL database (created when missing), or its own SQLite file.
    """
    url = os.environ.get(DATABASE_URL_VARIABLE)
    # ``workerinput`` exists only under pytest-xdist, so ``-p no:xdist`` works too.
    worker_id = getattr(request.config, "workerinput", {}).get("workerid", "master")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "tool.sqlite3")
    if worker_id != "master":
        url = _worker_database(url, worker_id)
    return _without_waiting_for_the_disk(url)


def _without_waiting_for_the_disk(url: str) -> str:
    """The tests' PostgreSQL sessions commit without waiting for the WAL to reach the disk
    (``synchronous_commit=off``: ~1.5 ms less per commit here). Only a crash of the server
    could lose the last commits, and no test crashes it; locks, isolation and constraints are
    the same. In the URL, so the processes a test starts (gunicorn, job workers) do the same."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql") or "options" in parsed.query:
        return url
    options = {"options": "-c synchronous_commit=off"}
    return parsed.update_query_dict(options).render_as_string(hide_password=False)


def _worker_database(url: str, worker_id: str) -> str:
    """Create (once) and return the PostgreSQL database of one xdist worker."""
    base = make_url(url)
    name = f"{base.database}_{worker_id}"
    engine = create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Build the schema once per session through the migrations, from an empty database."""
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade(revision="heads")


def _test_config(database_url: str, instance: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "CACHE_TYPE": "SimpleCache",
        "CACHE_DIR": str(instance),
        "PUBLIC_BASE_URL": TOOL_BASE_URL,
        "REGISTRATION_ALLOWED_PLATFORMS": ["https://moodle.test"],
        # Written with each launch: a test reads it at once (tests/people/test_last_launches.py
        # covers the batches).
        "LAST_LAUNCH_WRITE_SECONDS": 0,
    }


@pytest.fixture(scope="session")
def _tool_key_jwk() -> dict[str, Any]:
    """The public JWK of the tool's test key (computing it from PEM costs tens of ms)."""
    return tool_keys.public_jwk(keys.private_pem("tool"), "tool-key-1")


@pytest.fixture(scope="session")
def _session_app(
    database_url: str, _migrated: None, tmp_path_factory: pytest.TempPathFactory
) -> Flask:
    """One application for the whole session: building one costs ~0.1 s (URL rules)."""
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("app")))
    # Test requests run inside the test's application context and would share ``g`` with each
    # other (one browser's CSRF token rendered into the next browser's page). In production
    # each request has a fresh ``g``: start every test request with one too.
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    return app


def _fresh_g() -> None:
    """Forget what the previous request of the test left on ``g``."""
    g.__dict__.clear()


@pytest.fixture
def app(_session_app: Flask, _tool_key_jwk: dict[str, Any]) -> Iterator[Flask]:
    """The tool with an empty database (one known signing key), an empty cache and the
    configuration a test may change restored afterwards."""
    app = _session_app
    saved_config = copy.deepcopy(dict(app.config))
    with app.app_context():
        db.session.add(
            ToolKey(
                kid="tool-key-1",
                private_key_pem=keys.private_pem("tool"),
                public_jwk=_tool_key_jwk,
            )
        )
        db.session.commit()
        cache.clear()
        ratelimits.limiter_of(app).reset()  # the session's one app counts from zero per test
        try:
            yield app
        finally:
            db.session.rollback()
            empty_the_tables()
            db.session.commit()
            db.session.remove()
            app.config.clear()
            app.config.update(saved_config)


@pytest.fixture(scope="session")
def snapshots() -> Snapshots:
    """Rows a fixture builds once per process, restored for each test that uses them
    (``snapshots.once(key, build)``, see tests/support/snapshots.py)."""
    return Snapshots()


@pytest.fixture
def client(app: Flask) -> Any:
    """A browser on the tool."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    """The ``flask`` command line of the tool."""
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def openedx_consumer() -> Any:
    """Open edX's LtiAdvantageConsumer, configured for the tool (built once: key parsing)."""
    return openedx.make_consumer(TOOL_BASE_URL, keys.public_pem("tool"))


@pytest.fixture
def openedx_state() -> openedx.PlatformState:
    """What the test Open edX serves and records."""
    return openedx.PlatformState()


@pytest.fixture
def openedx_platform(app: Flask, openedx_consumer: Any, openedx_state: Any) -> Any:
    """Open edX registered in the tool, its endpoints reachable through the tool's HTTP session."""
    return openedx.install(openedx_consumer, openedx_state)


@pytest.fixture
def launch(client: Any, openedx_consumer: Any, openedx_platform: Any) -> Any:
    """Launch a person from Open edX into the tool; keyword arguments as in login_and_launch."""

    def _launch(browser: Any = None, **kwargs: Any) -> Any:
        return openedx.login_and_launch(browser or client, openedx_consumer, **kwargs)

    return _launch


def count_rows(*models: Any) -> dict[str, int]:
    """Return the number of rows of each model."""
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in models
    }
