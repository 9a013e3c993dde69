"""Rows a fixture builds once per test process, restored for every test that uses it.

A fixture such as the journey's ``world`` launches half a dozen people and builds a mentorship
with every kind of note: a few hundred statements, the same for each of the tests that use it.
``snapshots.once(key, build)`` runs ``build()`` the first time, then keeps every row of the
database and the value it returned; later tests get the same rows back (same ids, one INSERT per
table) and a fresh copy of the value: ORM objects are loaded again in the test's session, launched
browsers come back as new test clients with the same session, anything else is copied. What a test
changes is deleted after it by the ``app`` fixture as usual, so tests stay independent.

Only what lives in the database is kept: ``build`` must not rely on the cache (the ``app`` fixture
empties it before every test) or change the application's configuration.
"""

from __future__ import annotations

import copy
import dataclasses
import types
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import InstanceState
from werkzeug.test import Client

from lti_tool.extensions import db
from tests.support.database import empty_the_tables


@dataclasses.dataclass(frozen=True)
class _Row:
    """An ORM object, by class and primary key."""

    model: type
    identity: tuple[Any, ...]


@dataclasses.dataclass(frozen=True)
class _Browser:
    """A test client, by what its session holds."""

    session: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class _Made:
    """A namespace or dataclass, by its kind and its frozen fields."""

    kind: type
    fields: dict[str, Any]


@dataclasses.dataclass
class _Saved:
    rows: dict[str, list[dict[str, Any]]]
    value: Any


class Snapshots:
    """The snapshots of one test process, by key."""

    def __init__(self) -> None:
        self._saved: dict[Any, _Saved] = {}

    def once(self, key: Any, build: Callable[[], Any]) -> Any:
        """Return ``build()``'s value, built once per process and restored afterwards."""
        saved = self._saved.get(key)
        if saved is not None:
            _restore(saved.rows)
            return _thaw(saved.value)
        value = build()
        db.session.commit()
        self._saved[key] = _Saved(_read_rows(), _freeze(value))
        return value


def _tables() -> list[Any]:
    return list(db.metadata.sorted_tables)


def _read_rows() -> dict[str, list[dict[str, Any]]]:
    rows = {}
    for table in _tables():
        found = [dict(row._mapping) for row in db.session.execute(select(table))]
        if found:
            rows[table.name] = found
    db.session.commit()
    return rows


def _restore(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Replace whatever the test's fixtures wrote so far by the saved rows."""
    db.session.rollback()
    empty_the_tables()
    tables = _tables()
    for table in tables:
        if table.name not in rows:
            continue
        stored = [column.name for column in table.columns if column.computed is None]
        values = [{name: row[name] for name in stored} for row in rows[table.name]]
        db.session.execute(insert(table), values)
    # New rows still take new ids: PostgreSQL's sequences only go forward (the restored ids
    # came from them), SQLite gives the next rowid after the largest one.
    db.session.commit()


def _freeze(value: Any) -> Any:
    """What a value is made of, without ties to this test's session or browsers."""
    state = inspect(value, raiseerr=False)
    if isinstance(state, InstanceState):
        return _Row(type(value), tuple(state.identity))
    if isinstance(value, Client):
        with value.session_transaction() as session:
            return _Browser(copy.deepcopy(dict(session)))
    if isinstance(value, types.SimpleNamespace):
        return _Made(types.SimpleNamespace, {k: _freeze(v) for k, v in vars(value).items()})
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _freeze(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return _Made(type(value), fields)
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_freeze(v) for v in value)
    return copy.deepcopy(value)


def _thaw(value: Any) -> Any:
    """A fresh copy of a frozen value, tied to this test's session and new browsers."""
    if isinstance(value, _Row):
        found = db.session.get(value.model, value.identity)
        assert found is not None, f"{value} is not in the restored rows"
        return found
    if isinstance(value, _Browser):
        client = current_app.test_client()
        with client.session_transaction() as session:
            session.update(copy.deepcopy(value.session))
        return client
    if isinstance(value, _Made):
        return value.kind(**{name: _thaw(v) for name, v in value.fields.items()})
    if isinstance(value, dict):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_thaw(v) for v in value)
    return copy.deepcopy(value)
