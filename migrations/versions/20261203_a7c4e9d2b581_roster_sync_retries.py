"""Roster syncs retry retryable failures (timeouts, 5xx) from the page that failed

Revision ID: a7c4e9d2b581
Revises: 4c8e2f6a1d93
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c4e9d2b581'
down_revision = '4c8e2f6a1d93'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('roster_sync', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('retries', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('roster_sync', schema=None) as batch_op:
        batch_op.drop_column('retries')
        batch_op.drop_column('retry_at')
