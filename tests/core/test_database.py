"""SQLite connections run in WAL mode with synchronous=NORMAL (a documented trade-off);
PostgreSQL connections are checked before use only after a rest (lti_tool/database.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, text

from lti_tool import create_app, database
from lti_tool.extensions import db
from tests.conftest import _test_config


def test_sqlite_runs_in_wal_mode_without_waiting_for_the_disk_on_commit(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as connection:
            mode = connection.execute(text("PRAGMA journal_mode")).scalar()
            synchronous = connection.execute(text("PRAGMA synchronous")).scalar()
    assert (mode, synchronous) == ("wal", 1)  # 1 = NORMAL


def test_a_rested_postgresql_connection_is_checked_and_replaced_but_a_busy_one_is_not(
    database_url, tmp_path, monkeypatch
):
    """Under load a connection goes from one request to the next without a round trip of its
    own; one that rested is checked first, and one the server ended is replaced, not failed."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: set LTI_TOOL_DATABASE_URL")
    pings: list[Any] = []
    real_ping = database.ping
    monkeypatch.setattr(database, "ping", lambda raw: (pings.append(raw), real_ping(raw)))
    tool = create_app(_test_config(database_url, tmp_path))
    with tool.app_context():
        engine = db.engine
        try:
            with engine.connect() as connection:
                pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with engine.connect() as connection:  # the next request, at once
                assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() == pid
            assert pings == []

            other = create_engine(engine.url)  # the server ends the resting connection
            with other.connect() as connection:
                connection.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
            other.dispose()
            monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)  # it rested too long
            with engine.connect() as connection:
                new_pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        finally:
            engine.dispose()

    assert len(pings) >= 2  # the dead one, then its replacement
    assert new_pid != pid
