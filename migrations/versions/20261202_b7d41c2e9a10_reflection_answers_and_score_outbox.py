"""Reflection questions and answers, score outbox

Revision ID: b7d41c2e9a10
Revises: 5f3c9a7e21d4
Create Date: 2026-12-02 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41c2e9a10'
down_revision = '5f3c9a7e21d4'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
