"""Merge the parallel revisions of 3 December 2026, second round: course-scoped search tokens
and mentor designation (which follows the mentor photo).

Revision ID: 1b2c3d4e5f6a
Revises: 7e3d5b1a9f64, 9d3e5b7c2a41
Create Date: 2026-12-03 09:30:00
"""

revision = "1b2c3d4e5f6a"
down_revision = ("7e3d5b1a9f64", "9d3e5b7c2a41")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this revision only joins the branches."""


def downgrade() -> None:
    """Nothing to change: this revision only joins the branches."""
