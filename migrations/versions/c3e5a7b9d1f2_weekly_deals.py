"""weekly deals: a community leader's listings ordered until a weekly deadline

Revision ID: c3e5a7b9d1f2
Revises: b2d4f6a8c0e1
Create Date: 2026-12-04 08:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = 'c3e5a7b9d1f2'
down_revision = 'b2d4f6a8c0e1'
branch_labels = None
depends_on = None

POLICY = "(SELECT flagship_scope()) IN ('all', shop_id::text)"


def upgrade():
    op.create_table(
        'weekly_deals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=80), nullable=False),
        sa.Column('listing_ids', sa.JSON(), nullable=False),
        sa.Column('deadline_weekday', sa.Integer(), nullable=False),
        sa.Column('deadline_minutes', sa.Integer(), nullable=False),
        sa.Column('handout_weekday', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_weekly_deals_shop_id_shops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_weekly_deals'),
        sa.UniqueConstraint('shop_id', 'id', name='uq_weekly_deals_shop_id_id'),
        sa.UniqueConstraint('shop_id', name='uq_weekly_deals_shop_id'),
    )
    op.create_index('ix_weekly_deals_shop_id', 'weekly_deals', ['shop_id'])
    if op.get_bind().dialect.name == "postgresql":  # keyed and walled like every tenant table
        op.execute("ALTER TABLE weekly_deals DROP CONSTRAINT pk_weekly_deals")
        op.execute("ALTER TABLE weekly_deals ADD CONSTRAINT pk_weekly_deals PRIMARY KEY (shop_id, id)")
        op.execute("ALTER TABLE weekly_deals ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE weekly_deals FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY shop_isolation ON weekly_deals USING ({POLICY}) WITH CHECK ({POLICY})")


def downgrade():
    op.drop_table('weekly_deals')
