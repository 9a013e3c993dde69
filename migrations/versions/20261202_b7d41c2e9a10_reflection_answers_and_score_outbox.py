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
    op.create_table('reflection_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_reflection_question_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflection_question')),
    sa.UniqueConstraint('course_id', 'key', name=op.f('uq_reflection_question_course_id_key'))
    )
    with op.batch_alter_table('reflection_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reflection_question_course_id'), ['course_id'], unique=False)

    op.create_table('reflection_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('draft_text', sa.Text(), nullable=True),
    sa.Column('draft_saved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_shared_with_partner', sa.Boolean(), nullable=False),
    sa.Column('is_shared_with_staff', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['membership.id'], name=op.f('fk_reflection_answer_author_id_membership'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_reflection_answer_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['reflection_question.id'], name=op.f('fk_reflection_answer_question_id_reflection_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflection_answer')),
    sa.UniqueConstraint('question_id', 'author_id', name=op.f('uq_reflection_answer_question_id_author_id'))
    )
    with op.batch_alter_table('reflection_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reflection_answer_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reflection_answer_course_id'), ['course_id'], unique=False)

    op.create_table('reflection_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['reflection_answer.id'], name=op.f('fk_reflection_revision_answer_id_reflection_answer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflection_revision')),
    sa.UniqueConstraint('answer_id', 'number', name=op.f('uq_reflection_revision_answer_id_number'))
    )

    op.create_table('gradebook_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('activity', sa.String(length=50), nullable=False),
    sa.Column('user_subject', sa.String(length=255), nullable=False),
    sa.Column('score_given', sa.Float(), nullable=False),
    sa.Column('score_maximum', sa.Float(), nullable=False),
    sa.Column('activity_progress', sa.String(length=20), nullable=False),
    sa.Column('grading_progress', sa.String(length=20), nullable=False),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lineitem_url', sa.String(length=1000), nullable=True),
    sa.Column('status', sa.Enum('queued', 'posted', name='score_status'), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_problem', sa.String(length=40), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_gradebook_score_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_gradebook_score_membership_id_membership'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_id'], ['resource_link.id'], name=op.f('fk_gradebook_score_resource_link_id_resource_link'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gradebook_score'))
    )
    with op.batch_alter_table('gradebook_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gradebook_score_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gradebook_score_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('gradebook_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gradebook_score_status'))
        batch_op.drop_index(batch_op.f('ix_gradebook_score_course_id'))

    op.drop_table('gradebook_score')
    op.drop_table('reflection_revision')
    with op.batch_alter_table('reflection_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reflection_answer_course_id'))
        batch_op.drop_index(batch_op.f('ix_reflection_answer_author_id'))

    op.drop_table('reflection_answer')
    with op.batch_alter_table('reflection_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reflection_question_course_id'))

    op.drop_table('reflection_question')
    sa.Enum(name='score_status').drop(op.get_bind(), checkfirst=True)
