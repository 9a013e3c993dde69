"""SQLite connections run in WAL mode with synchronous=NORMAL (a documented trade-off);
PostgreSQL connections are checked before use only after a rest, and run reads outside a
transaction until the first write (lti_tool/database.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import bindparam, create_engine, select, text, update
from sqlalchemy.exc import NotSupportedError, OperationalError

from lti_tool import create_app, database
from lti_tool.extensions import db
from lti_tool.platforms.models import ToolKey
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


def _on_postgresql(app) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL: set LTI_TOOL_DATABASE_URL")


def _status(connection: Any) -> TransactionStatus:
    return connection.connection.dbapi_connection.info.transaction_status


def test_on_postgresql_reads_run_without_a_transaction_and_the_first_write_opens_one(app):
    """A page that only reads sends no BEGIN and no COMMIT; from the first write on, what the
    request writes is one transaction again: invisible to others until the commit, undone
    whole by a rollback."""
    _on_postgresql(app)
    with app.app_context():
        other = create_engine(db.engine.url)
        try:
            assert db.session.scalar(select(ToolKey.kid)) == "tool-key-1"
            assert _status(db.session.connection()) == TransactionStatus.IDLE  # no BEGIN sent
            db.session.execute(update(ToolKey).values(kid="renamed"))
            db.session.execute(update(ToolKey).values(retire_at=datetime(2030, 1, 1, tzinfo=UTC)))
            assert _status(db.session.connection()) == TransactionStatus.INTRANS
            with other.connect() as outside:  # not committed: nobody else sees it
                assert outside.execute(select(ToolKey.kid, ToolKey.retire_at)).one() == (
                    "tool-key-1",
                    None,
                )
            db.session.rollback()
            assert db.session.execute(select(ToolKey.kid, ToolKey.retire_at)).one() == (
                "tool-key-1",
                None,
            )
        finally:
            other.dispose()


def test_on_postgresql_a_locking_read_keeps_its_lock_until_the_commit(app):
    _on_postgresql(app)
    with app.app_context():
        other = create_engine(db.engine.url)
        try:
            db.session.scalar(select(ToolKey).with_for_update())
            assert _status(db.session.connection()) == TransactionStatus.INTRANS
            with other.connect() as outside, pytest.raises(OperationalError, match="lock"):
                outside.execute(select(ToolKey.kid).with_for_update(nowait=True))
            db.session.commit()
            with other.connect() as outside:  # released by the commit
                assert outside.execute(select(ToolKey.kid).with_for_update(nowait=True)).all()
        finally:
            other.dispose()


def test_on_postgresql_a_connection_asked_for_in_autocommit_stays_so(app):
    """What must run outside a transaction block (VACUUM here) still can."""
    _on_postgresql(app)
    autocommit = {"isolation_level": "AUTOCOMMIT"}
    with app.app_context(), db.engine.connect().execution_options(**autocommit) as connection:
        connection.exec_driver_sql("VACUUM tool_key")
        assert _status(connection) == TransactionStatus.IDLE


def test_on_postgresql_a_table_changed_under_a_prepared_read_fails_one_request_only(app):
    """A migration run elsewhere changes a column's type under a statement psycopg prepared:
    the next read fails once (as it did inside a transaction), then the statement is prepared
    again, on the same connection, instead of failing on every request until a restart."""
    _on_postgresql(app)
    with app.app_context():
        other = create_engine(db.engine.url)
        try:
            with other.begin() as outside:
                outside.exec_driver_sql("CREATE TABLE stale_plan_probe (a integer)")
                outside.exec_driver_sql("INSERT INTO stale_plan_probe VALUES (1)")
            read = text("SELECT a FROM stale_plan_probe")
            # One connection throughout (a pool hands its connections out in turn).
            with db.engine.connect() as connection:
                for _ in range(8):  # psycopg prepares a statement from its sixth execution
                    assert connection.scalar(read) == 1
                    connection.commit()
                pid = connection.scalar(text("SELECT pg_backend_pid()"))
                with other.begin() as outside:
                    outside.exec_driver_sql("ALTER TABLE stale_plan_probe ALTER a TYPE text")
                with pytest.raises(NotSupportedError, match="cached plan"):
                    connection.scalar(read)
                connection.rollback()
                assert connection.scalar(read) == "1"
                assert connection.scalar(text("SELECT pg_backend_pid()")) == pid  # not reconnected
                connection.commit()
        finally:
            db.session.rollback()
            with other.begin() as outside:
                outside.exec_driver_sql("DROP TABLE IF EXISTS stale_plan_probe")
            other.dispose()


def test_a_launch_copy_commits_by_itself_unless_the_request_already_wrote(app):
    """A launch's copy of the platform's claims (``write_launch_copy``) needs no transaction of
    the request: written while the request holds none, it is committed at once on the engine of
    launch copies (on PostgreSQL without waiting for the disk; on SQLite holding the write lock
    for the statement only); written after the request's own write, it joins that transaction
    (it cannot wait for a lock the request holds) and is undone with it.
    """
    rename = update(ToolKey).where(ToolKey.kid == bindparam("old")).values(kid=bindparam("new"))
    with app.app_context():
        other = create_engine(db.engine.url)
        copies = app.extensions[database.LAUNCH_COPIES]
        try:
            assert db.session.scalar(select(ToolKey.kid)) == "tool-key-1"
            database.write_launch_copy(rename, {"old": "tool-key-1", "new": "copied"})
            assert not database._in_transaction(db.session.connection())
            with other.connect() as outside:  # committed, although the request has not
                assert outside.scalar(select(ToolKey.kid)) == "copied"
            if db.engine.dialect.name == "postgresql":
                with copies.connect() as connection:
                    show = connection.exec_driver_sql("SHOW synchronous_commit")
                    assert show.scalar() == "off"

            db.session.execute(update(ToolKey).values(retire_at=datetime(2030, 1, 1, tzinfo=UTC)))
            database.write_launch_copy(rename, {"old": "copied", "new": "joined"})
            with other.connect() as outside:  # in the request's transaction: not yet seen
                assert outside.execute(select(ToolKey.kid, ToolKey.retire_at)).one() == (
                    "copied",
                    None,
                )
            db.session.rollback()
            assert db.session.scalar(select(ToolKey.kid)) == "copied"
        finally:
            db.session.rollback()
            other.dispose()
