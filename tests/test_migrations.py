"""Migrations are the only way the schema changes: they build it, and the models agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from lti_tool import create_app
from lti_tool.extensions import db
from tests.conftest import _test_config


def _is_modelled(name, type_, parent_names):
    """Skip the full-text search objects (FTS5 table and shadow tables, GIN index)."""
    return not (name or "").startswith("mentor_search")


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": _is_modelled}
        )
        differences = compare_metadata(context, db.metadata)

    assert differences == []


def test_flask_db_upgrade_builds_the_schema_from_nothing(database_url, _migrated, tmp_path):
    app = create_app(_test_config(database_url, tmp_path))
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(args=["db", "downgrade", "base"])
        assert result.exit_code == 0, result.output
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        result = runner.invoke(args=["db", "upgrade"])

        assert result.exit_code == 0, result.output
        tables = set(inspect(db.engine).get_table_names())
        assert {table.name for table in db.metadata.sorted_tables} <= tables
        db.session.remove()
        db.engine.dispose()
