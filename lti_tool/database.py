"""Database connection settings that SQLAlchemy's URL cannot carry.

SQLite runs in WAL mode with ``synchronous=NORMAL`` (README, "SQLite"): readers no longer wait
for a writer, and a commit appends to the write-ahead log without waiting for the disk
(measured: ~49 ms per launch commit with the default journal, PERF-FACTS.md). The trade-off:
after a power cut or an operating-system crash (not a crash of the tool) the last commits of
the moment may be lost; the database is never corrupted. ``synchronous=FULL`` restores
durability at the cost of the disk wait.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event

from .extensions import db


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def init_app(app: Flask) -> None:
    """Set the SQLite pragmas on every new connection (nothing to do on PostgreSQL)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_pragmas):
        event.listen(engine, "connect", _sqlite_pragmas)
