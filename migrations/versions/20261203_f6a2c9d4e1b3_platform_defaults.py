"""Administration console: programme defaults for the new courses of a platform

Revision ID: f6a2c9d4e1b3
Revises: e4b9d2a71c58
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'f6a2c9d4e1b3'
down_revision = 'e4b9d2a71c58'
branch_labels = None
depends_on = None


def upgrade():
    matching_mode = postgresql.ENUM(
        'learners_choose', 'staff_assign', 'both', name='matching_mode', create_type=False
    )
    if op.get_bind().dialect.name != 'postgresql':
        matching_mode = sa.Enum('learners_choose', 'staff_assign', 'both', name='matching_mode')
    op.create_table('platform_defaults',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('contacts_per_mentorship', sa.Integer(), nullable=False),
    sa.Column('answer_deadline_days', sa.Integer(), nullable=False),
    sa.Column('reminder_days_before', sa.Integer(), nullable=False),
    sa.Column('mentor_capacity', sa.Integer(), nullable=False),
    sa.Column('requires_mentor_approval', sa.Boolean(), nullable=False),
    sa.Column('matching_mode', matching_mode, nullable=False),
    sa.Column('expiries_before_auto_busy', sa.Integer(), nullable=False),
    sa.Column('staff_see_evaluation_scores', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_platform_defaults_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_defaults')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_platform_defaults_registration_id'))
    )


def downgrade():
    op.drop_table('platform_defaults')
