"""One outbox mechanism: claim tokens, failed status, given-up reasons, per-destination back-off;
roster syncs that retry a failed page

Revision ID: 4c8e2f6a1d93
Revises: 1b2c3d4e5f6a
Create Date: 2026-12-03 09:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

import lti_tool.models_base

# revision identifiers, used by Alembic.
revision = "4c8e2f6a1d93"
down_revision = "1b2c3d4e5f6a"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE email_status ADD VALUE IF NOT EXISTS 'failed'")
            op.execute("ALTER TYPE score_status ADD VALUE IF NOT EXISTS 'failed'")
    op.create_table(
        "delivery_backoff",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("until", lti_tool.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_delivery_backoff")),
    )
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=36), nullable=True))
        batch_op.add_column(
            sa.Column("unconfirmed", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("given_up_reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("gradebook_score", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("given_up_reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("roster_sync", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retries", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("retry_at", lti_tool.models_base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("roster_sync", schema=None) as batch_op:
        batch_op.drop_column("retry_at")
        batch_op.drop_column("retries")
    with op.batch_alter_table("gradebook_score", schema=None) as batch_op:
        batch_op.drop_column("given_up_reason")
        batch_op.drop_column("claimed_by")
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.drop_column("given_up_reason")
        batch_op.drop_column("unconfirmed")
        batch_op.drop_column("claimed_by")
    op.drop_table("delivery_backoff")
    # PostgreSQL cannot drop an enum value: 'failed' stays in email_status and score_status.
