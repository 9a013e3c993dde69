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
    pass


def downgrade():
    pass
