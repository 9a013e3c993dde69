"""Cohort management: roster sync runs, matching proposals, concern handling

Revision ID: c3e85f1a7b62
Revises: b7d41c2e9a10
Create Date: 2026-12-02 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e85f1a7b62'
down_revision = 'b7d41c2e9a10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('roster_sync',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('running', 'done', 'failed', name='roster_sync_status'), nullable=False),
    sa.Column('next_url', sa.String(length=1000), nullable=True),
    sa.Column('pages_done', sa.Integer(), nullable=False),
    sa.Column('members_seen', sa.Integer(), nullable=False),
    sa.Column('members_added', sa.Integer(), nullable=False),
    sa.Column('members_left', sa.Integer(), nullable=False),
    sa.Column('problem', sa.String(length=40), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_roster_sync_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['membership.id'], name=op.f('fk_roster_sync_requested_by_id_membership'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_sync'))
    )
    with op.batch_alter_table('roster_sync', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_sync_course_id'), ['course_id'], unique=False)

    op.create_table('concern_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['concern_id'], ['concern.id'], name=op.f('fk_concern_action_concern_id_concern'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['membership.id'], name=op.f('fk_concern_action_staff_id_membership'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concern_action'))
    )
    with op.batch_alter_table('concern_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concern_action_concern_id'), ['concern_id'], unique=False)

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roster_seen_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('roster_seen_at')

    with op.batch_alter_table('concern_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concern_action_concern_id'))

    op.drop_table('concern_action')
    with op.batch_alter_table('roster_sync', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_sync_course_id'))

    op.drop_table('roster_sync')
    sa.Enum(name='roster_sync_status').drop(op.get_bind(), checkfirst=True)
