"""owner analytics: a shop's figures per day and per listing, promoter, share link and site; the job's marks

Revision ID: b8f0c2e4a6d9
Revises: c1e3a5c7e9f1
Create Date: 2026-12-07 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = 'b8f0c2e4a6d9'
down_revision = 'c1e3a5c7e9f1'
branch_labels = None
depends_on = None

POLICY = "(SELECT flagship_scope()) IN ('all', shop_id::text)"


def _wall(table):
    """Walled like every tenant table (PostgreSQL); the keys already start with shop_id."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY shop_isolation ON {table} USING ({POLICY}) WITH CHECK ({POLICY})")


def upgrade():
    op.create_table(
        'analytics_days',
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('page_views', sa.Integer(), nullable=False),
        sa.Column('visits', sa.Integer(), nullable=False),
        sa.Column('visitors', sa.Integer(), nullable=False),
        sa.Column('orders', sa.Integer(), nullable=False),
        sa.Column('revenue', sa.BigInteger(), nullable=False),
        sa.Column('margin', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('updated_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('page_views >= 0 AND visits >= 0 AND visitors >= 0 AND orders >= 0',
                           name=op.f('ck_analytics_days_counts_not_negative')),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_analytics_days_shop_id_shops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('shop_id', 'day', name='pk_analytics_days'),
    )
    op.create_index('ix_analytics_days_day', 'analytics_days', ['day'])
    _wall('analytics_days')

    op.create_table(
        'analytics_day_counts',
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('views', sa.Integer(), nullable=False),
        sa.Column('orders', sa.Integer(), nullable=False),
        sa.Column('sales', sa.BigInteger(), nullable=False),
        sa.CheckConstraint("kind IN ('listing', 'promoter', 'share', 'site')",
                           name=op.f('ck_analytics_day_counts_kind_known')),
        sa.CheckConstraint('views >= 0 AND orders >= 0', name=op.f('ck_analytics_day_counts_counts_not_negative')),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_analytics_day_counts_shop_id_shops',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('shop_id', 'day', 'kind', 'key', name='pk_analytics_day_counts'),
    )
    _wall('analytics_day_counts')

    op.create_table(
        'analytics_marks',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('last_id', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name='pk_analytics_marks'),
    )


def downgrade():
    # Figures only: they are counted again from the orders and the ledger (visits are lost).
    op.drop_table('analytics_marks')
    op.drop_table('analytics_day_counts')
    op.drop_table('analytics_days')
