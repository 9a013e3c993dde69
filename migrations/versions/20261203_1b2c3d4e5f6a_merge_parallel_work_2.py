"""Merge the parallel revisions of 3 December 2026, second round: mentor photo, course-scoped
search tokens, mentor designation.

Revision ID: 1b2c3d4e5f6a
Revises: 7b3e9d1c5a28, 7e3d5b1a9f64, 9d3e5b7c2a41
Create Date: 2026-12-03 09:30:00
"""

revision = "1b2c3d4e5f6a"
down_revision = ("7b3e9d1c5a28", "7e3d5b1a9f64", "9d3e5b7c2a41")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this revision only joins the branches."""


def downgrade() -> None:
    """Nothing to change: this revision only joins the branches."""
