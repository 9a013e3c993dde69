"""Column helpers shared by every domain's models."""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import g
from sqlalchemy import DateTime, Enum, bindparam, update
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from .database import WROTE, DirectStatement, write_launch_copies
from .extensions import db

#: A moved clock: the demo plays its course's past through the real operations (demo/history.py).
_moved_clock: ContextVar[datetime | None] = ContextVar("moved_clock", default=None)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (the moved clock's, inside clock_at)."""
    moved = _moved_clock.get()
    return moved if moved is not None else datetime.now(UTC)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Run the enclosed operations as if it were ``moment`` (every timestamp they write)."""
    token = _moved_clock.set(moment)
    try:
        yield
    finally:
        _moved_clock.reset(token)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite drops the offset on the way back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        """Store aware datetimes as UTC."""
        return value.astimezone(UTC) if value is not None and value.tzinfo else value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        """Return every datetime with its UTC offset."""
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class Timestamped:
    """Mixin adding ``created_at`` and ``updated_at`` columns."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def enum_column(enum_class: type[enum.Enum], name: str) -> Enum:
    """A database enum storing the members' values under a named type."""
    return Enum(enum_class, name=name, values_callable=lambda members: [m.value for m in members])


def update_changed(
    model: Any, row_id: int, current: Any, values: Mapping[str, Any], *, prefix: str = ""
) -> None:
    """UPDATE one row of what a launch copies from its claims with those of ``values`` that
    differ from ``current`` (read as attributes named ``prefix + column``; a column not read
    counts as changed); nothing when none does.

    A plain table UPDATE, for rows read as columns rather than objects: the ORM's unit of work
    is not needed to change a few columns, and the columns' ``onupdate`` (``updated_at``) still
    apply. Kept until ``commit_rederivable``, which writes the launch's copies in one commit.
    """
    changes = {
        name: value
        for name, value in values.items()
        if getattr(current, prefix + name, None) != value
    }
    if not changes:
        return
    statement = _update_by_id(model.__table__, frozenset(changes))
    g.setdefault(_PENDING_COPIES, []).append((statement, {"_row_id": row_id, **changes}))


@functools.cache
def _update_by_id(table: Any, names: frozenset[str]) -> DirectStatement:
    """``UPDATE table SET <names> WHERE id = :_row_id`` (and ``updated_at``, its ``onupdate``),
    built once per table and set of columns."""
    assigned = {table.c[name]: bindparam(name, type_=table.c[name].type) for name in sorted(names)}
    return DirectStatement(update(table).where(table.c.id == bindparam("_row_id")).values(assigned))


#: Where a request keeps the copies ``update_changed`` prepared (``flask.g``).
_PENDING_COPIES = "lti_tool_pending_copies"


def commit_rederivable() -> None:
    """Commit writes that the next launch would make again: what a launch copies from the
    platform's claims (user, course, membership, resource link, the time of the last launch),
    in one commit.

    A returning person's launch usually has one copy to write (the membership's last launch,
    once a day) or none: it commits by itself on a connection of its own
    (``database.write_launch_copies``), and the request's session, which read nothing, has
    nothing to commit. Several copies, or copies of a launch that also created rows (a first
    launch), are one transaction of the request's session. On PostgreSQL such a transaction
    commits without waiting for its WAL to reach the disk (``SET LOCAL synchronous_commit TO
    OFF``, this transaction only): a crash of the database server may lose the last moment's
    launch records, which the person's next launch writes again; it never corrupts anything or
    loses an earlier commit. Everything people type (answers, forms) keeps the durable commit.
    """
    copies = g.pop(_PENDING_COPIES, [])
    if not db.session.registry.has() and not copies:
        return  # a relaunch that changed nothing: the request never opened a session
    session = db.session()  # the request's session itself (the scoped proxy lacks in_transaction)
    session.flush()
    write_launch_copies(copies)
    if session.in_transaction():
        connection = session.connection()
        if connection.dialect.name == "postgresql" and connection.info.get(WROTE):
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        session.commit()
