"""Mentor photo: the storage key of an optional, re-encoded profile photo (§4.1)

Revision ID: 7b3e9d1c5a28
Revises: 0a1b2c3d4e5f
Create Date: 2026-12-03 09:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "7b3e9d1c5a28"
down_revision = "0a1b2c3d4e5f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mentor_profile") as batch_op:
        batch_op.add_column(sa.Column("photo_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mentor_profile") as batch_op:
        batch_op.drop_column("photo_key")
