"""Database connection settings that SQLAlchemy's URL cannot carry.

SQLite runs in WAL mode with ``synchronous=NORMAL`` (README, "SQLite"): readers no longer wait
for a writer, and a commit appends to the write-ahead log without waiting for the disk
(measured: ~49 ms per launch commit with the default journal, PERF-FACTS.md). The trade-off:
after a power cut or an operating-system crash (not a crash of the tool) the last commits of
the moment may be lost; the database is never corrupted. ``synchronous=FULL`` restores
durability at the cost of the disk wait.

PostgreSQL runs without synchronised sequential scans (``synchronize_seqscans = off``). Mentor
search walks the course for a common word and stops at 1,001 matches; with synchronised
scans each walk started where the previous one stopped (the table is larger than a quarter of
``shared_buffers``), so the candidates of the same search changed from one request to the
next and page 2 was not the continuation of page 1 (docs/performance.md).
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


def _postgresql_settings(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET synchronize_seqscans = off")
    finally:
        cursor.close()
    dbapi_connection.commit()  # the setting outlives the transaction that made it


def init_app(app: Flask) -> None:
    """Set the SQLite pragmas, or PostgreSQL's settings, on every new connection."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_pragmas):
        event.listen(engine, "connect", _sqlite_pragmas)
    if engine.dialect.name == "postgresql" and not event.contains(
        engine, "connect", _postgresql_settings
    ):
        event.listen(engine, "connect", _postgresql_settings)
