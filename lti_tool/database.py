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

A pooled PostgreSQL connection that has been idle for more than ``PING_AFTER_IDLE_SECONDS`` is
checked with ``SELECT 1`` before a request uses it, and replaced if the server is gone (a restart,
a fail-over, a proxy that closed it). A connection handed from one request to the next within
that time is not: SQLAlchemy's ``pool_pre_ping`` checked every connection on every request, a
round trip per page and per launch under load. If the server goes away while connections are
busy, the request that meets the broken connection fails and SQLAlchemy drops the whole pool at
once, so the next requests reconnect.

On PostgreSQL a request's reads run outside a transaction until its first statement that is
not a plain read: the connection is handed out in autocommit mode, and the first write (or
row lock, savepoint, ``SET LOCAL``, server-side cursor …) turns autocommit off just before it
runs, so that it and everything after it up to the commit or rollback are one transaction,
as before. A page or a relaunch that only reads saves the round trips of ``BEGIN`` and
``COMMIT`` (three round trips become one for a relaunch's single read). Nothing else
changes: PostgreSQL's READ COMMITTED, which the tool uses, gives every statement its own
snapshot inside a transaction too, and a plain SELECT takes no lock a transaction would keep.
A connection asked for explicitly in autocommit mode (``isolation_level="AUTOCOMMIT"``) stays
so. The statements of a transaction are also watched for writes, so that a launch that wrote
can commit without waiting for the disk (``models_base.commit_rederivable``).

What a returning person's launch updates (a copy of the platform's claims: usually just the
membership's last launch, once a day) goes, when it is the launch's only write, through a second
engine (``LAUNCH_COPIES``, in autocommit mode, one connection per worker). On PostgreSQL its
commits do not wait for the disk: one round trip per UPDATE, where ``BEGIN``, the UPDATE,
``SET LOCAL`` and ``COMMIT`` on the request's connection were four, and no wait for the WAL to
reach the disk (which, measured under load with two workers, cost more than the statements
themselves); a crash of the database server may lose the last moment's copies, which the
person's next launch writes again. On SQLite the write lock is held for the statement only, not
until the end of the request (one writer at a time: under load the other workers waited for it).
Several copies, or copies after the request's own writes, join the request's transaction instead
(``write_launch_copies``): one commit either way.

The statements every login and launch runs (the registration's read, a launch's copies) are
``DirectStatement``s, run straight on the driver's cursor (see the class).
"""

from __future__ import annotations

import time
from collections import namedtuple
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app
from psycopg.pq import TransactionStatus
from sqlalchemy import create_engine, event
from sqlalchemy.exc import DisconnectionError

from .extensions import db

#: Marks a connection whose transaction wrote (``models_base.commit_rederivable`` asks).
WROTE = "lti_tool_wrote"

#: Where the app keeps the engine of launch copies (see the module's text).
LAUNCH_COPIES = "lti_tool_launch_copies"


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


#: Seconds a pooled connection may rest before it is checked on its next use.
PING_AFTER_IDLE_SECONDS = 1.0
_RESTED_SINCE = "lti_tool_rested_since"


def _rests(_dbapi_connection: Any, record: Any) -> None:
    """A new or returned connection starts resting now."""
    record.info[_RESTED_SINCE] = time.monotonic()


def _ping_after_rest(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Check a connection that rested too long; the pool replaces one that fails."""
    rested_since = record.info.get(_RESTED_SINCE)
    if rested_since is not None and time.monotonic() - rested_since <= PING_AFTER_IDLE_SECONDS:
        return
    try:
        ping(dbapi_connection)
    except Exception as error:  # noqa: BLE001 - any failure: the pool reconnects, or says why
        raise DisconnectionError(f"connection lost while idle: {error!r}") from error


def ping(dbapi_connection: Any) -> None:
    """One round trip on a raw connection."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT 1")
    finally:
        cursor.close()


_WRITING = ("INSERT", "UPDATE", "DELETE")


def _before_statement(
    connection: Any, cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool
) -> None:
    """Mark the transaction as one that wrote (``models_base.commit_rederivable`` asks), and
    open the database transaction at the first statement that is not a plain read."""
    verb = statement.lstrip()[:6].upper()
    if verb in _WRITING:
        connection.info[WROTE] = True
    dbapi_connection = cursor.connection
    if (
        dbapi_connection.autocommit
        and not (verb == "SELECT" and _plain_read(statement, context))
        and connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT"
    ):
        dbapi_connection.autocommit = False


#: What makes a SELECT more than a read: a row lock (``FOR UPDATE``, ``FOR SHARE`` …), a
#: transaction-scoped lock or setting. Looked for as plain text, in capitals (a false alarm only
#: opens the transaction sooner).
_MORE_THAN_A_READ = ("FOR ", "_XACT_", "SET_CONFIG")


def _plain_read(select_statement: str, context: Any) -> bool:
    """A SELECT that locks nothing, sets nothing and needs no server-side cursor."""
    text = select_statement.upper()
    return not any(marker in text for marker in _MORE_THAN_A_READ) and not (
        context is not None and context.execution_options.get("stream_results")
    )


def _read_outside_transaction(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Hand out a connection that runs reads without BEGIN and COMMIT (see the module's text)."""
    if dbapi_connection.info.transaction_status == TransactionStatus.IDLE:
        dbapi_connection.autocommit = True


#: PostgreSQL's answer to a prepared statement whose table changed its columns since.
_FEATURE_NOT_SUPPORTED = "0A000"


def _forget_stale_plans(context: Any) -> None:
    """After a migration changed a table, a statement psycopg had prepared on this connection
    fails ("cached plan must not change result type"). psycopg forgets its prepared statements
    on ROLLBACK, which a failed read outside a transaction never sends: tell it with
    ``DEALLOCATE ALL``, so that only the one request fails, as inside a transaction."""
    if getattr(context.original_exception, "sqlstate", None) != _FEATURE_NOT_SUPPORTED:
        return  # (nor is the connection touched: after a disconnect that would reconnect)
    if context.connection is not None:
        raw = context.connection.connection.dbapi_connection
        if raw.info.transaction_status == TransactionStatus.IDLE:
            raw.execute("DEALLOCATE ALL")


def _transaction_ended(connection: Any) -> None:
    # An invalidated connection (the server went away) has no info to clear: reading it
    # would try to reconnect in the middle of the rollback.
    if not connection.invalidated:
        connection.info.pop(WROTE, None)


def _listen_once(engine: Any, name: str, listener: Any) -> None:
    if not event.contains(engine, name, listener):
        event.listen(engine, name, listener)


class DirectStatement:
    """A Core statement compiled once per dialect and run straight on the DB-API cursor.

    For the statements every login and launch runs (the registration's read, a launch's copies
    of its claims). Around such a statement SQLAlchemy's execution (execution context, result
    metadata, the session's checkout and release of its connection) cost three times the
    statement itself: measured on PostgreSQL, 280 µs of CPU per read against 80 µs this way.
    What stays as with ``Connection.execute``: the SQL is SQLAlchemy's; parameters and columns
    go through their types' own bind and result processors (the same values come back); the
    engine's ``before_cursor_execute`` and ``after_cursor_execute`` listeners see the statement
    (with ``context`` None), so statement counters and this module's own listeners keep working;
    a database error goes through SQLAlchemy's handling (``handle_error`` listeners, a lost
    connection invalidated, the error wrapped as ``sqlalchemy.exc.DBAPIError``).

    Python-side ``default`` and ``onupdate`` values are computed as SQLAlchemy would (callables
    that need no execution context, such as ``utcnow``). Not for ``expanding`` (``IN``)
    parameters or ``RETURNING``.
    """

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def first(self, parameters: Mapping[str, Any]) -> Any | None:
        """The first row of the statement (attributes named as its columns), or None: on the
        request's connection if its session holds one, else on a pooled connection given back
        at once (the session never checks one out for it)."""
        if db.session.registry.has() and (session := db.session()).in_transaction():
            return self.execute(session.connection(), parameters)
        with db.engine.connect() as connection:
            return self.execute(connection, parameters)

    def execute(self, connection: Any, parameters: Mapping[str, Any]) -> Any | None:
        """Run on ``connection`` (SQLAlchemy's); return the first row of a SELECT, else None."""
        dialect = connection.dialect
        compiled = self._by_dialect.get(dialect.name) or self._compile(dialect)
        sql, bound = compiled.sql, compiled.bind(parameters)
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            for listener in connection.dispatch.before_cursor_execute:
                sql, bound = listener(connection, cursor, sql, bound, None, False)
            cursor.execute(sql, bound)
            connection.dispatch.after_cursor_execute(connection, cursor, sql, bound, None, False)
            return compiled.first_row(cursor) if compiled.returns_rows else None
        except Exception as error:  # noqa: BLE001 - SQLAlchemy decides what it is
            if isinstance(error, dialect.loaded_dbapi.Error):
                connection._handle_dbapi_exception(error, sql, bound, cursor, None)
            raise
        finally:
            cursor.close()

    def _compile(self, dialect: Any) -> _Compiled:
        compiled = self._by_dialect[dialect.name] = _Compiled(self.statement, dialect)
        return compiled


class _Compiled:
    """A statement's SQL for one dialect, with its parameters' and columns' processors."""

    def __init__(self, statement: Any, dialect: Any) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self._compiled = compiled
        self._dialect = dialect
        self._order = compiled.positiontup if compiled.positional else None
        # Columns whose Python-side default (INSERT) or onupdate (UPDATE) gives their value.
        self._prefetch = [(column.key, column.default) for column in compiled.insert_prefetch] + [
            (column.key, column.onupdate) for column in compiled.update_prefetch
        ]
        self._bind_processors = {
            key: processor
            for key, bind in compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))
        }
        self._columns = list(getattr(statement, "selected_columns", ()))
        self.returns_rows = bool(self._columns)
        self._row_type: Any = None
        self._processed: list[tuple[int, Any]] = []

    def bind(self, parameters: Mapping[str, Any]) -> Any:
        """The DB-API parameters: processed, and in order for a positional paramstyle."""
        values = self._compiled.construct_params(parameters)
        for key, default in self._prefetch:
            if key not in parameters:
                values[key] = default.arg(None) if default.is_callable else default.arg
        for key, processor in self._bind_processors.items():
            values[key] = processor(values[key])
        if self._order is None:
            return values
        return tuple(values[key] for key in self._order)

    def first_row(self, cursor: Any) -> Any | None:
        """The cursor's first row as a named tuple of processed values, or None."""
        if self._row_type is None:
            # The processors of some types depend on the driver's type codes (first result).
            description = cursor.description
            assert len(description) == len(self._columns), "a column per selected one"
            processors = (
                column.type.dialect_impl(self._dialect).result_processor(self._dialect, code)
                for column, (_name, code, *_rest) in zip(self._columns, description, strict=True)
            )
            self._processed = [
                (index, processor) for index, processor in enumerate(processors) if processor
            ]
            self._row_type = namedtuple("Row", [column.key for column in self._columns])  # type: ignore[misc]
        values = cursor.fetchone()
        if values is None:
            return None
        values = list(values)
        for index, processor in self._processed:
            values[index] = processor(values[index])
        return self._row_type._make(values)


def write_launch_copies(copies: list[tuple[DirectStatement, Mapping[str, Any]]]) -> None:
    """Write what a launch copies from the platform's claims, which the person's next launch
    would write again, so that it commits once. A single copy, while the request's own
    connection holds no transaction, runs by itself on the engine of launch copies and is
    committed as it runs. Several copies, or copies after the request's own writes (or locks),
    join the request's transaction, which the caller commits: a copy never waits for a lock
    the request holds and is undone with it. (An in-memory SQLite database has no second
    engine: always the request's.)"""
    if not copies:
        return
    engine = current_app.extensions.get(LAUNCH_COPIES)
    session = db.session()
    if (
        engine is None
        or len(copies) > 1
        or (session.in_transaction() and _in_transaction(session.connection()))
    ):
        connection = session.connection()
        for statement, parameters in copies:
            statement.execute(connection, parameters)
        return
    with engine.connect() as connection:
        statement, parameters = copies[0]
        statement.execute(connection, parameters)


def _in_transaction(connection: Any) -> bool:
    raw = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite":
        return bool(raw.in_transaction)
    return bool(raw.info.transaction_status != TransactionStatus.IDLE)


def init_app(app: Flask) -> None:
    """Set the SQLite pragmas, or PostgreSQL's settings and the check of rested connections
    (unless the configuration asks for ``pool_pre_ping``), on every new connection; make the
    engine of launch copies (it connects on its first write)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _listen_once(engine, "connect", _sqlite_pragmas)
        if engine.url.database not in (None, "", ":memory:"):  # a file: it can be shared
            copies = app.extensions[LAUNCH_COPIES] = create_engine(
                engine.url, isolation_level="AUTOCOMMIT"
            )
            _listen_once(copies, "connect", _sqlite_pragmas)
    if engine.dialect.name == "postgresql":
        _listen_once(engine, "connect", _postgresql_settings)
        _listen_once(engine, "before_cursor_execute", _before_statement)
        _listen_once(engine, "commit", _transaction_ended)
        _listen_once(engine, "rollback", _transaction_ended)
        _listen_once(engine, "checkout", _read_outside_transaction)
        _listen_once(engine, "handle_error", _forget_stale_plans)
        copies = app.extensions[LAUNCH_COPIES] = create_engine(
            engine.url,
            isolation_level="AUTOCOMMIT",
            connect_args={"options": "-c synchronous_commit=off"},
            pool_size=1,
            pool_pre_ping=engine.pool._pre_ping,
        )
        for pooled in (engine, copies):
            if not pooled.pool._pre_ping:
                _listen_once(pooled, "connect", _rests)
                _listen_once(pooled, "checkin", _rests)
                _listen_once(pooled, "checkout", _ping_after_rest)
