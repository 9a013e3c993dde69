"""Mentor designation: staff name a course's mentors, the person accepts or declines (issue 9)

Revision ID: 9d3e5b7c2a41
Revises: 7b3e9d1c5a28
Create Date: 2026-12-03 09:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d3e5b7c2a41'
down_revision = '7b3e9d1c5a28'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'is_designated_mentor', sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    op.create_table(
        'mentor_designation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('membership_id', sa.Integer(), nullable=False),
        sa.Column(
            'status',
            sa.Enum('invited', 'accepted', 'declined', 'withdrawn', name='designation_status'),
            nullable=False,
        ),
        sa.Column('designated_by_id', sa.Integer(), nullable=True),
        sa.Column('designated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['course_id'], ['course.id'],
            name=op.f('fk_mentor_designation_course_id_course'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['designated_by_id'], ['membership.id'],
            name=op.f('fk_mentor_designation_designated_by_id_membership'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['membership_id'], ['membership.id'],
            name=op.f('fk_mentor_designation_membership_id_membership'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_designation')),
        sa.UniqueConstraint('membership_id', name=op.f('uq_mentor_designation_membership_id')),
    )
    with op.batch_alter_table('mentor_designation', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_mentor_designation_course_id'), ['course_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('mentor_designation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentor_designation_course_id'))
    op.drop_table('mentor_designation')
    sa.Enum(name='designation_status').drop(op.get_bind(), checkfirst=True)
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('is_designated_mentor')
