"""Search and dashboard at scale (issue 12): a sort name and a listing index for mentor search

``mentor_profile.search_name`` holds the mentor's name folded as search sorts it (lower case,
no accents); ``ix_mentor_profile_listing (course_id, search_name, id)`` lets a search without
criteria walk the course's mentors in name order instead of sorting the whole course.

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


def upgrade():
    # Not in batch mode: recreating the table on SQLite would drop the search triggers.
    op.add_column(
        'mentor_profile',
        sa.Column('search_name', sa.String(length=200), server_default='', nullable=False),
    )
    bind = op.get_bind()
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


def downgrade():
    op.drop_index('ix_mentor_profile_listing', table_name='mentor_profile')
    # Not in batch mode: recreating the table on SQLite would drop the search triggers.
    op.drop_column('mentor_profile', 'search_name')
