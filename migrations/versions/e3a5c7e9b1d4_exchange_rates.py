"""exchange rates the admin sets: a shop may sell supply priced in another currency

Revision ID: e3a5c7e9b1d4
Revises: d2f4a6c8e0b1
Create Date: 2026-12-04 19:20:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = 'e3a5c7e9b1d4'
down_revision = 'd2f4a6c8e0b1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'exchange_rates',
        sa.Column('from_currency', sa.String(length=3), nullable=False),
        sa.Column('to_currency', sa.String(length=3), nullable=False),
        sa.Column('per_million', sa.BigInteger(), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('set_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('per_million > 0', name='rate_positive'),
        sa.CheckConstraint('from_currency <> to_currency', name='rate_between_two'),
        sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('from_currency', 'to_currency'),
    )


def downgrade():
    op.drop_table('exchange_rates')
