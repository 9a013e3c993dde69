"""Personal data: when a mentorship's free texts were anonymised after the retention period

Revision ID: e4b9d2a71c58
Revises: c3e85f1a7b62
Create Date: 2026-12-02 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b9d2a71c58'
down_revision = 'c3e85f1a7b62'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mentorship', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('mentorship', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
