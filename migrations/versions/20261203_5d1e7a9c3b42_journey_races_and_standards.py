"""Journey under concurrency and the standards' promises: partial unique indexes (one pending
request per pair, one mentorship per request, one active mentorship per pair), barring a
participant, contacts confirmed by the other side, closing a continuation, hand-over

Revision ID: 5d1e7a9c3b42
Revises: e4b9d2a71c58
Create Date: 2026-12-03 08:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1e7a9c3b42'
down_revision = 'e4b9d2a71c58'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('barred_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('contact_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_contact_log_confirmed_by_id_membership'),
            'membership', ['confirmed_by_id'], ['id'], ondelete='SET NULL',
        )
    with op.batch_alter_table('mentorship', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('continuation_closed_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column('continuation_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('handed_over_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_mentorship_handed_over_from_id_mentorship'),
            'mentorship', ['handed_over_from_id'], ['id'], ondelete='SET NULL',
        )
    op.create_index(
        'uq_contact_request_pending_pair', 'contact_request', ['mentee_id', 'mentor_id'],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        'uq_mentorship_request', 'mentorship', ['request_id'], unique=True,
        sqlite_where=sa.text('request_id IS NOT NULL'),
        postgresql_where=sa.text('request_id IS NOT NULL'),
    )
    op.create_index(
        'uq_mentorship_active_pair', 'mentorship', ['mentee_id', 'mentor_id'], unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )


def downgrade():
    op.drop_index('uq_mentorship_active_pair', table_name='mentorship')
    op.drop_index('uq_mentorship_request', table_name='mentorship')
    op.drop_index('uq_contact_request_pending_pair', table_name='contact_request')
    with op.batch_alter_table('mentorship', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_mentorship_handed_over_from_id_mentorship'), type_='foreignkey'
        )
        batch_op.drop_column('handed_over_from_id')
        batch_op.drop_column('continuation_note')
        batch_op.drop_column('continuation_closed_at')
    with op.batch_alter_table('contact_log', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_contact_log_confirmed_by_id_membership'), type_='foreignkey'
        )
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('confirmed_by_id')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('barred_at')
