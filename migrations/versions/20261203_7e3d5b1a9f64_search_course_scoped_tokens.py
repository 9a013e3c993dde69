"""Search at scale (issue 12): course-scoped index tokens, stored tsvector, members who left

Search documents: every token now starts with ``c<course id>`` (``crs<id>`` dropped), so the
index holds one posting list per course and value and a search in one course never reads the
others' entries: the documents are rewritten.

``ix_membership_inactive`` (partial) finds the few members who left a course, whom search
leaves out without looking up every candidate's membership.

PostgreSQL: the document's tsvector is stored (a generated column, ``mentor_search_vector``)
and the GIN index is built on it, so that a row checked outside the index costs no
``to_tsvector()`` of its document. Like the FTS5 objects of ``5f3c9a7e21d4`` it is not a model
column (the migration-agreement test skips ``mentor_search*``).

Revision ID: 7e3d5b1a9f64
Revises: 0a1b2c3d4e5f
Create Date: 2026-12-03 09:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e3d5b1a9f64'
down_revision = '0a1b2c3d4e5f'
branch_labels = None
depends_on = None


def _scoped(course_id, document):
    prefix = f"c{course_id}"
    return " ".join(prefix + token for token in document.split() if not token.startswith("crs"))


def _unscoped(course_id, document):
    prefix = f"c{course_id}"
    tokens = [token[len(prefix):] for token in document.split() if token.startswith(prefix)]
    return " ".join([f"crs{course_id}", *tokens])


def _rewrite(bind, rewrite):
    rows = bind.execute(
        sa.text("SELECT id, course_id, search_document FROM mentor_profile")
    ).all()
    if rows:
        bind.execute(
            sa.text("UPDATE mentor_profile SET search_document = :document WHERE id = :id"),
            [{"id": row[0], "document": rewrite(row[1], row[2] or "")} for row in rows],
        )


def upgrade():
    bind = op.get_bind()
    _rewrite(bind, _scoped)
    op.create_index(
        'ix_membership_inactive',
        'membership',
        ['course_id'],
        unique=False,
        sqlite_where=sa.text('is_active = 0'),
        postgresql_where=sa.text('NOT is_active'),
    )
    if bind.dialect.name == 'postgresql':
        op.execute(
            "ALTER TABLE mentor_profile ADD COLUMN mentor_search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', search_document)) STORED"
        )
        op.execute(
            "CREATE INDEX mentor_search_vector_gin ON mentor_profile "
            "USING gin (mentor_search_vector)"
        )
        op.execute("DROP INDEX IF EXISTS mentor_search_document_gin")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(
            "CREATE INDEX mentor_search_document_gin ON mentor_profile "
            "USING gin (to_tsvector('simple', search_document))"
        )
        op.execute("DROP INDEX IF EXISTS mentor_search_vector_gin")
        op.execute("ALTER TABLE mentor_profile DROP COLUMN mentor_search_vector")
    op.drop_index('ix_membership_inactive', table_name='membership')
    _rewrite(bind, _unscoped)
