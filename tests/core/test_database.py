"""SQLite connections run in WAL mode with synchronous=NORMAL (a documented trade-off)."""

from __future__ import annotations

from sqlalchemy import text

from lti_tool.extensions import db


def test_sqlite_runs_in_wal_mode_without_waiting_for_the_disk_on_commit(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as connection:
            mode = connection.execute(text("PRAGMA journal_mode")).scalar()
            synchronous = connection.execute(text("PRAGMA synchronous")).scalar()
    assert (mode, synchronous) == ("wal", 1)  # 1 = NORMAL
