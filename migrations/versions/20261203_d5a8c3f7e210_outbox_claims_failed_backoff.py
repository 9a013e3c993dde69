"""One outbox mechanism: claim tokens, a failed status, per-platform back-off, roster retries

Revision ID: d5a8c3f7e210
Revises: e4b9d2a71c58
Create Date: 2026-12-03 09:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5a8c3f7e210'
down_revision = 'e4b9d2a71c58'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE email_status ADD VALUE IF NOT EXISTS 'failed'")
            op.execute("ALTER TYPE score_status ADD VALUE IF NOT EXISTS 'failed'")
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
    with op.batch_alter_table('gradebook_score', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
    with op.batch_alter_table('roster_sync', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('retries', sa.Integer(), nullable=False, server_default='0')
        )
    op.create_table(
        'platform_backoff',
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('open_until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ['registration_id'], ['registration.id'],
            name=op.f('fk_platform_backoff_registration_id_registration'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('registration_id', name=op.f('pk_platform_backoff')),
    )


def downgrade():
    op.drop_table('platform_backoff')
    with op.batch_alter_table('roster_sync', schema=None) as batch_op:
        batch_op.drop_column('retries')
        batch_op.drop_column('retry_at')
    with op.batch_alter_table('gradebook_score', schema=None) as batch_op:
        batch_op.drop_column('claim_token')
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.drop_column('claim_token')
