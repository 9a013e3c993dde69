"""Merge the parallel revisions of 3 December 2026: journey races and standards, search
listing and dashboard, platform defaults.

Revision ID: 0a1b2c3d4e5f
Revises: 5d1e7a9c3b42, 9c1f5e7a3b20, f6a2c9d4e1b3
Create Date: 2026-12-03 09:00:00
"""

revision = "0a1b2c3d4e5f"
down_revision = ("5d1e7a9c3b42", "9c1f5e7a3b20", "f6a2c9d4e1b3")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this revision only joins the branches."""


def downgrade() -> None:
    """Nothing to change: this revision only joins the branches."""
