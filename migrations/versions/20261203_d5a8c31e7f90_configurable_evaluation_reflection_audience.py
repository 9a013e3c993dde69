"""Evaluation questions configurable per course (answers moved out of fixed columns); reflection
questions with an audience and rewording per language

Revision ID: d5a8c31e7f90
Revises: 1b2c3d4e5f6a
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5a8c31e7f90'
down_revision = '1b2c3d4e5f6a'
branch_labels = None
depends_on = None

KIND = sa.Enum('rating', 'yes_no', 'text', name='evaluation_question_kind')
AUDIENCE = sa.Enum('mentors', 'mentees', 'staff', 'everyone', name='reflection_audience')
#: The seed's evaluation questions, as the fixed columns held them: key, kind, required.
DEFAULTS = (
    ('process_rating', 'rating', True),
    ('goal_attainment', 'rating', True),
    ('usefulness', 'rating', True),
    ('what_helped', 'text', False),
    ('what_to_change', 'text', False),
    ('would_recommend', 'yes_no', True),
)
#: The mentees' default reflection questions, added to courses that already have questions.
MENTEE_KEYS = ('mentee_question', 'mentee_know_how')


def upgrade():
    bind = op.get_bind()
    op.create_table('evaluation_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=True),
    sa.Column('kind', KIND, nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('texts', sa.JSON(), nullable=True),
    sa.Column('is_required', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_evaluation_question_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_question')),
    sa.UniqueConstraint('course_id', 'key', name=op.f('uq_evaluation_question_course_id_key'))
    )
    with op.batch_alter_table('evaluation_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_question_course_id'), ['course_id'], unique=False)

    op.create_table('evaluation_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('agrees', sa.Boolean(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_answer_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['evaluation_question.id'], name=op.f('fk_evaluation_answer_question_id_evaluation_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_answer')),
    sa.UniqueConstraint('evaluation_id', 'question_id', name=op.f('uq_evaluation_answer_evaluation_id_question_id'))
    )
    with op.batch_alter_table('evaluation_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_answer_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_answer_question_id'), ['question_id'], unique=False)

    # Every course with a mentorship gets the seed's questions; every evaluation keeps its
    # answers, moved from the fixed columns into one row per question.
    questions = sa.table(
        'evaluation_question',
        sa.column('id', sa.Integer), sa.column('course_id', sa.Integer),
        sa.column('key', sa.String), sa.column('kind', KIND),
        sa.column('is_required', sa.Boolean), sa.column('position', sa.Integer),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('updated_at', sa.DateTime(timezone=True)),
    )
    now = sa.func.current_timestamp()
    course_ids = [row[0] for row in bind.execute(sa.text('SELECT DISTINCT course_id FROM mentorship'))]
    for course_id in course_ids:
        for position, (key, kind, required) in enumerate(DEFAULTS, start=1):
            bind.execute(questions.insert().values(
                course_id=course_id, key=key, kind=kind, is_required=required,
                position=position, created_at=now, updated_at=now,
            ))
    for key, kind, _required in DEFAULTS:
        column = {'rating': 'rating', 'yes_no': 'agrees', 'text': 'text'}[kind]
        bind.execute(sa.text(
            f'INSERT INTO evaluation_answer (evaluation_id, question_id, {column}) '
            f'SELECT e.id, q.id, e.{key} FROM evaluation e '
            'JOIN mentorship m ON m.id = e.mentorship_id '
            'JOIN evaluation_question q ON q.course_id = m.course_id AND q.key = :key'
        ), {'key': key})

    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        for key, _kind, _required in DEFAULTS:
            batch_op.drop_column(key)

    AUDIENCE.create(bind, checkfirst=True)
    with op.batch_alter_table('reflection_question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('texts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('audience', AUDIENCE, nullable=False, server_default='everyone'))
    # Section 5.1's questions speak to mentors; staff's own questions stay asked of everyone.
    bind.execute(sa.text(
        "UPDATE reflection_question SET audience = 'mentors' "
        "WHERE key IN ('reach_mentees', 'platform_choice')"
    ))
    # Courses that already have questions get the mentees' defaults, after their own.
    reflection = sa.table(
        'reflection_question',
        sa.column('course_id', sa.Integer), sa.column('key', sa.String),
        sa.column('audience', AUDIENCE), sa.column('position', sa.Integer),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('updated_at', sa.DateTime(timezone=True)),
    )
    rows = bind.execute(sa.text(
        'SELECT course_id, MAX(position) FROM reflection_question GROUP BY course_id'
    )).all()
    for course_id, last in rows:
        for offset, key in enumerate(MENTEE_KEYS, start=1):
            bind.execute(reflection.insert().values(
                course_id=course_id, key=key, audience='mentees',
                position=(last or 0) + offset, created_at=now, updated_at=now,
            ))
    with op.batch_alter_table('reflection_question', schema=None) as batch_op:
        batch_op.alter_column('audience', server_default=None)


def downgrade():
    bind = op.get_bind()
    bind.execute(sa.text(
        "DELETE FROM reflection_question WHERE key IN ('mentee_question', 'mentee_know_how')"
    ))
    with op.batch_alter_table('reflection_question', schema=None) as batch_op:
        batch_op.drop_column('audience')
        batch_op.drop_column('texts')
    AUDIENCE.drop(bind, checkfirst=True)

    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('process_rating', sa.Integer(), nullable=False, server_default='3'))
        batch_op.add_column(sa.Column('goal_attainment', sa.Integer(), nullable=False, server_default='3'))
        batch_op.add_column(sa.Column('usefulness', sa.Integer(), nullable=False, server_default='3'))
        batch_op.add_column(sa.Column('what_helped', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('what_to_change', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('would_recommend', sa.Boolean(), nullable=False, server_default=sa.false()))
    for key, kind, _required in DEFAULTS:
        column = {'rating': 'rating', 'yes_no': 'agrees', 'text': 'text'}[kind]
        bind.execute(sa.text(
            f'UPDATE evaluation SET {key} = (SELECT a.{column} FROM evaluation_answer a '
            'JOIN evaluation_question q ON q.id = a.question_id '
            f'WHERE a.evaluation_id = evaluation.id AND q.key = :key AND a.{column} IS NOT NULL) '
            'WHERE EXISTS (SELECT 1 FROM evaluation_answer a JOIN evaluation_question q '
            f'ON q.id = a.question_id WHERE a.evaluation_id = evaluation.id AND q.key = :key '
            f'AND a.{column} IS NOT NULL)'
        ), {'key': key})
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        for key, _kind, _required in DEFAULTS:
            batch_op.alter_column(key, server_default=None)

    with op.batch_alter_table('evaluation_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_answer_question_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_answer_evaluation_id'))
    op.drop_table('evaluation_answer')
    with op.batch_alter_table('evaluation_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_question_course_id'))
    op.drop_table('evaluation_question')
    KIND.drop(bind, checkfirst=True)
