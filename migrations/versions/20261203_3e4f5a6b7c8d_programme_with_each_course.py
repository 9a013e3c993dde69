"""Every course has its programme: made with the course from now on, backfilled here for courses
whose programme was never read (reading it used to create it, so pages wrote on GET).

Revision ID: 3e4f5a6b7c8d
Revises: 2c3d4e5f6a7b
Create Date: 2026-12-03 21:30:00
"""

from alembic import op

revision = "3e4f5a6b7c8d"
down_revision = "2c3d4e5f6a7b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Give each course without a programme one, with its platform's defaults or the seed's."""
    op.execute(
        """
        INSERT INTO programme (
            course_id, contacts_per_mentorship, answer_deadline_days, reminder_days_before,
            mentor_capacity, requires_mentor_approval, matching_mode,
            expiries_before_auto_busy, staff_see_evaluation_scores, created_at, updated_at
        )
        SELECT
            course.id,
            COALESCE(defaults.contacts_per_mentorship, 4),
            COALESCE(defaults.answer_deadline_days, 7),
            COALESCE(defaults.reminder_days_before, 2),
            COALESCE(defaults.mentor_capacity, 3),
            COALESCE(defaults.requires_mentor_approval, FALSE),
            COALESCE(defaults.matching_mode, 'both'),
            COALESCE(defaults.expiries_before_auto_busy, 2),
            COALESCE(defaults.staff_see_evaluation_scores, TRUE),
            course.created_at,
            course.created_at
        FROM course
        JOIN deployment ON deployment.id = course.deployment_id
        LEFT JOIN platform_defaults AS defaults
            ON defaults.registration_id = deployment.registration_id
        WHERE NOT EXISTS (SELECT 1 FROM programme WHERE programme.course_id = course.id)
        """
    )


def downgrade() -> None:
    """Nothing to undo: a programme row is what reading it would have made."""
