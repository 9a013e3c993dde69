"""Search and dashboard at scale (issue 12): a sort name and a listing index for mentor search

``mentor_profile.search_name`` holds the mentor's name folded as search sorts it (lower case,
no accents); ``ix_mentor_profile_listing (course_id, search_name, id)`` lets a search without
criteria walk the course's mentors in name order instead of sorting the whole course.
``ix_membership_inactive`` (partial) finds the few members who left a course, whom search
leaves out.

Search documents: every token now starts with ``c<course id>`` (one posting list per course
and value; ``crs<id>`` dropped): the documents are rewritten.

PostgreSQL: the document's tsvector is stored (a generated column, ``mentor_search_vector``)
and the GIN index is built on it, so that a row checked outside the index costs no
``to_tsvector()`` of its document (~90 µs each). Like the FTS5 objects of ``5f3c9a7e21d4`` it is
not a model column (the migration-agreement test skips ``mentor_search*``).

Revision ID: 9c1f5e7a3b20
Revises: e4b9d2a71c58
Create Date: 2026-12-03 08:45:00.000000

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c1f5e7a3b20'
down_revision = 'e4b9d2a71c58'
branch_labels = None
depends_on = None


def _search_name(name, given, family):
    """The folded display name, as lti_tool.mentors.search.search_name writes it."""
    joined = " ".join(part for part in (given, family) if part)
    text = unicodedata.normalize("NFKD", name or joined or "")
    folded = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    return " ".join(folded.split())[:200]


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
    # Not in batch mode: recreating the table on SQLite would drop the search triggers.
    op.add_column(
        'mentor_profile',
        sa.Column('search_name', sa.String(length=200), server_default='', nullable=False),
    )
    bind = op.get_bind()
    _rewrite(bind, _scoped)
    rows = bind.execute(
        sa.text(
            'SELECT mentor_profile.id, user_account.name, user_account.given_name, user_account.family_name '
            'FROM mentor_profile JOIN membership ON membership.id = mentor_profile.membership_id '
            'JOIN user_account ON user_account.id = membership.user_id'
        )
    ).all()
    if rows:
        bind.execute(
            sa.text('UPDATE mentor_profile SET search_name = :name WHERE id = :id'),
            [{"id": row[0], "name": _search_name(row[1], row[2], row[3])} for row in rows],
        )
    op.create_index(
        'ix_mentor_profile_listing',
        'mentor_profile',
        ['course_id', 'search_name', 'id'],
        unique=False,
    )
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
    _rewrite(op.get_bind(), _unscoped)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE INDEX mentor_search_document_gin ON mentor_profile "
            "USING gin (to_tsvector('simple', search_document))"
        )
        op.execute("DROP INDEX IF EXISTS mentor_search_vector_gin")
        op.execute("ALTER TABLE mentor_profile DROP COLUMN mentor_search_vector")
    op.drop_index('ix_membership_inactive', table_name='membership')
    op.drop_index('ix_mentor_profile_listing', table_name='mentor_profile')
    # Not in batch mode: recreating the table on SQLite would drop the search triggers.
    op.drop_column('mentor_profile', 'search_name')
