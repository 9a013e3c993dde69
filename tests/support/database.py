"""The test database between tests."""

from __future__ import annotations

from sqlalchemy import exists, literal, select, union_all

from lti_tool.extensions import db


def empty_the_tables() -> None:
    """Delete every row: one statement finds the tables with rows (a test writes to a few of
    them, here or in a process it started), then one DELETE each, children first."""
    tables = db.metadata.sorted_tables
    found = union_all(
        *(select(literal(table.name)).where(exists().select_from(table)) for table in tables)
    )
    with_rows = set(db.session.scalars(found))
    for table in reversed(tables):
        if table.name in with_rows:
            db.session.execute(table.delete())
