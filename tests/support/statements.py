"""Counting what the database engines run: statements, and the commits of what they wrote."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, event

WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")


def in_transaction(dbapi_connection: Any) -> bool:
    """Whether the driver's connection is inside a transaction (sqlite3 or psycopg)."""
    if hasattr(dbapi_connection, "in_transaction"):  # sqlite3
        return bool(dbapi_connection.in_transaction)
    return dbapi_connection.info.transaction_status != TransactionStatus.IDLE


@contextmanager
def counting() -> Iterator[dict[str, list[Any]]]:
    """Count the SQL statements of every engine while inside, and the commits of what they
    wrote: a transaction that wrote, committed, or a write that committed by itself (in
    autocommit mode, as launch copies do). On PostgreSQL also record whether a transaction
    was open after each statement."""
    seen: dict[str, list[Any]] = {"statements": [], "commits": [], "in_transaction": []}
    wrote: set[int] = set()

    def on_statement(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        seen["statements"].append(statement)

    def after_statement(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        driver_connection = cursor.connection
        open_transaction = in_transaction(driver_connection)
        if conn.dialect.name == "postgresql":
            seen["in_transaction"].append(open_transaction)
        if statement.lstrip().upper().startswith(WRITE_VERBS):
            if open_transaction:
                wrote.add(id(driver_connection))
            else:
                seen["commits"].append(statement)  # committed by itself

    def on_commit(conn):  # noqa: ANN001
        driver_connection = conn.connection.dbapi_connection
        if id(driver_connection) in wrote:
            wrote.discard(id(driver_connection))
            seen["commits"].append(conn)

    engine = Engine  # every engine: launch copies have one of their own
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "after_cursor_execute", after_statement)
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "after_cursor_execute", after_statement)
        event.remove(engine, "commit", on_commit)


def writes(statements: list[str]) -> list[str]:
    """The statements among these that write."""
    return [s for s in statements if s.lstrip().upper().startswith(WRITE_VERBS)]
