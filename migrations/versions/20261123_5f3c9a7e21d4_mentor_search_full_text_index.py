"""Mentor search: full-text index over mentor_profile.search_document

SQLite: an FTS5 table with external content (rowid = mentor_profile.id), kept in step by
triggers on mentor_profile, so that every insert, update and delete (bulk inserts and cascades
included) reaches the index. PostgreSQL: a GIN index on to_tsvector('simple', search_document).
Neither object is a model: migrations/env.py and the migration-agreement test skip them.

Revision ID: 5f3c9a7e21d4
Revises: a12b78cb14a0
Create Date: 2026-11-23 09:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5f3c9a7e21d4'
down_revision = 'a12b78cb14a0'
branch_labels = None
depends_on = None

SQLITE_UPGRADE = (
    # A leftover index (drop_all does not know it) would hold stale rows: start afresh.
    "DROP TABLE IF EXISTS mentor_search",
    "CREATE VIRTUAL TABLE mentor_search USING fts5("
    "search_document, content='mentor_profile', content_rowid='id')",
    "CREATE TRIGGER mentor_search_after_insert AFTER INSERT ON mentor_profile BEGIN "
    "INSERT INTO mentor_search(rowid, search_document) VALUES (new.id, new.search_document); "
    "END",
    "CREATE TRIGGER mentor_search_after_delete AFTER DELETE ON mentor_profile BEGIN "
    "INSERT INTO mentor_search(mentor_search, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); "
    "END",
    "CREATE TRIGGER mentor_search_after_update AFTER UPDATE OF search_document ON mentor_profile "
    "BEGIN "
    "INSERT INTO mentor_search(mentor_search, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); "
    "INSERT INTO mentor_search(rowid, search_document) VALUES (new.id, new.search_document); "
    "END",
    "INSERT INTO mentor_search(mentor_search) VALUES ('rebuild')",
)

SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS mentor_search_after_update",
    "DROP TRIGGER IF EXISTS mentor_search_after_delete",
    "DROP TRIGGER IF EXISTS mentor_search_after_insert",
    "DROP TABLE IF EXISTS mentor_search",
)

POSTGRESQL_UPGRADE = (
    "CREATE INDEX mentor_search_document_gin ON mentor_profile "
    "USING gin (to_tsvector('simple', search_document))",
)

POSTGRESQL_DOWNGRADE = ("DROP INDEX IF EXISTS mentor_search_document_gin",)


def upgrade():
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE_UPGRADE, "postgresql": POSTGRESQL_UPGRADE}.get(dialect, ())
    for statement in statements:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE_DOWNGRADE, "postgresql": POSTGRESQL_DOWNGRADE}.get(dialect, ())
    for statement in statements:
        op.execute(statement)
