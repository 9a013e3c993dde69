"""Merge the parallel revisions of 3 December 2026, third round: outbox claims and back-off,
configurable evaluation questions and reflection audiences.

Revision ID: 2c3d4e5f6a7b
Revises: 4c8e2f6a1d93, d5a8c31e7f90
Create Date: 2026-12-03 10:10:00
"""

revision = "2c3d4e5f6a7b"
down_revision = ("4c8e2f6a1d93", "d5a8c31e7f90")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this revision only joins the branches."""


def downgrade() -> None:
    """Nothing to change: this revision only joins the branches."""
