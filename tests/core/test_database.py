"""SQLite connections run in WAL mode with synchronous=NORMAL (a documented trade-off);
PostgreSQL connections are checked before use only after a rest, and run reads outside a
transaction until the first write (lti_tool/database.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import bindparam, create_engine, event, select, text, update
from sqlalchemy.exc import DBAPIError, NotSupportedError, OperationalError

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
    """A launch's copy of the platform's claims (``write_launch_copies``) needs no transaction
    of the request: a single copy written while the request holds none is committed at once on
    the engine of launch copies (on PostgreSQL without waiting for the disk; on SQLite holding
    the write lock for the statement only). Several copies, or copies after the request's own
    write, join the request's transaction (one commit; a copy cannot wait for a lock the
    request holds) and are undone with it.
    """
    rename = database.DirectStatement(
        update(ToolKey).where(ToolKey.kid == bindparam("old")).values(kid=bindparam("new"))
    )
    retire = database.DirectStatement(
        update(ToolKey).values(retire_at=bindparam("retire_at", type_=ToolKey.retire_at.type))
    )
    in_2030 = datetime(2030, 1, 1, tzinfo=UTC)
    with app.app_context():
        other = create_engine(db.engine.url)
        copies = app.extensions[database.LAUNCH_COPIES]
        try:
            assert db.session.scalar(select(ToolKey.kid)) == "tool-key-1"
            db.session.rollback()
            database.write_launch_copies([(rename, {"old": "tool-key-1", "new": "copied"})])
            assert not db.session().in_transaction()  # the request's session never took part
            with other.connect() as outside:  # committed, although the request has not
                assert outside.scalar(select(ToolKey.kid)) == "copied"
            if db.engine.dialect.name == "postgresql":
                with copies.connect() as connection:
                    show = connection.exec_driver_sql("SHOW synchronous_commit")
                    assert show.scalar() == "off"

            database.write_launch_copies(
                [(rename, {"old": "copied", "new": "both"}), (retire, {"retire_at": in_2030})]
            )
            with other.connect() as outside:  # two copies: the request's transaction
                assert outside.scalar(select(ToolKey.kid)) == "copied"
            db.session.rollback()

            db.session.execute(update(ToolKey).values(retire_at=in_2030))
            database.write_launch_copies([(rename, {"old": "copied", "new": "joined"})])
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


def test_a_direct_statement_reads_and_writes_as_sqlalchemy_does(app):
    """``DirectStatement`` runs on the driver's cursor, yet its values are SQLAlchemy's (bind
    and result processors: aware datetimes, booleans, enums, JSON), the engine's statement
    listeners see it, and a database error is SQLAlchemy's."""
    from lti_tool.people.models import CourseRole, Membership, User
    from tests.support.factories import make_course

    with app.app_context():
        course = make_course("Direct")
        user = User(issuer="https://lms.example", subject="direct-1", name="Dora")
        db.session.add_all([course, user])
        db.session.flush()
        launched = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
        membership = Membership(
            course=course,
            user=user,
            role=CourseRole.MENTOR,
            lti_roles=["Learner", "Mentor"],
            last_launch_at=launched,
        )
        db.session.add(membership)
        db.session.commit()
        statement = select(
            Membership.__table__.c.role,
            Membership.__table__.c.lti_roles,
            Membership.__table__.c.is_active,
            Membership.__table__.c.last_launch_at,
            User.__table__.c.name.label("user_name"),
        ).where(
            Membership.__table__.c.user_id == User.__table__.c.id,
            User.__table__.c.subject == bindparam("subject"),
        )
        direct = database.DirectStatement(statement)
        seen: list[str] = []

        def listen(conn, cursor, sql, parameters, context, executemany):  # noqa: ANN001
            seen.append(sql)

        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            row = direct.first({"subject": "direct-1"})
            missing = direct.first({"subject": "nobody"})
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        expected = db.session.execute(statement, {"subject": "direct-1"}).one()
        assert tuple(row) == tuple(expected)
        assert (row.role, row.lti_roles, row.is_active) == (
            CourseRole.MENTOR,
            ["Learner", "Mentor"],
            True,
        )
        assert row.last_launch_at == launched and row.last_launch_at.tzinfo is not None
        assert row.user_name == "Dora" and missing is None
        assert len(seen) == 2

        later = launched + timedelta(days=1)
        database.DirectStatement(
            update(Membership.__table__)
            .where(Membership.__table__.c.id == bindparam("_row_id"))
            .values(
                role=bindparam("role", type_=Membership.__table__.c.role.type),
                last_launch_at=bindparam(
                    "last_launch_at", type_=Membership.__table__.c.last_launch_at.type
                ),
            )
        ).execute(
            db.session.connection(),
            {"_row_id": membership.id, "role": CourseRole.STAFF, "last_launch_at": later},
        )
        db.session.commit()
        db.session.expire_all()
        assert (membership.role, membership.last_launch_at) == (CourseRole.STAFF, later)

        broken = database.DirectStatement(select(text("no_such_column")).select_from(ToolKey))
        with pytest.raises(DBAPIError):
            broken.first({})
        db.session.rollback()
