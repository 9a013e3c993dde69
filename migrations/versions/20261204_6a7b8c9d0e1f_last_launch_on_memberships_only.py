"""The last launch is kept on memberships only (issue 12, lean launch)

A person's last launch was kept twice: on the person (``user_account.last_launch_at``) and on
each membership. The person's is the latest of their memberships', so a returning person's
first launch of the day wrote two rows for one fact. It now writes one (the membership), and
the privacy export computes the person's from the memberships.

Revision ID: 6a7b8c9d0e1f
Revises: 8f2a6c4e1d97
Create Date: 2026-12-04 11:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "6a7b8c9d0e1f"
down_revision = "8f2a6c4e1d97"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_column("last_launch_at")


def downgrade():
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.add_column(sa.Column("last_launch_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE user_account SET last_launch_at = (SELECT max(membership.last_launch_at) "
        "FROM membership WHERE membership.user_id = user_account.id)"
    )
