"""deals: group-buy offers, their rounds (groups) and events; orders wait for their round

Revision ID: 8c4e6a0b3d59
Revises: 7b3d5f9a2c48
Create Date: 2026-12-04 02:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = '8c4e6a0b3d59'
down_revision = '7b3d5f9a2c48'
branch_labels = None
depends_on = None

TABLES = ("deals", "deal_rounds", "deal_events")
POLICY = "(SELECT flagship_scope()) IN ('all', shop_id::text)"


def upgrade():
    op.create_table(
        'deals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('listing_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('prices', sa.JSON(), nullable=False),
        sa.Column('group_size', sa.Integer(), nullable=False),
        sa.Column('time_limit_minutes', sa.Integer(), nullable=False),
        sa.Column('max_open_groups', sa.Integer(), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id', 'listing_id'], ['listings.shop_id', 'listings.id'],
                                name='fk_deals_shop_id_listings', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_deals_shop_id_shops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_deals'),
        sa.UniqueConstraint('shop_id', 'id', name='uq_deals_shop_id_id'),
        sa.UniqueConstraint('shop_id', 'listing_id', 'kind', name='uq_deals_shop_id_listing_id_kind'),
    )
    op.create_index('ix_deals_listing_id', 'deals', ['listing_id'])
    op.create_index('ix_deals_shop_id', 'deals', ['shop_id'])
    op.create_table(
        'deal_rounds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deal_id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=24), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('target', sa.Integer(), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('opened_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('deadline', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('closed_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id', 'deal_id'], ['deals.shop_id', 'deals.id'],
                                name='fk_deal_rounds_shop_id_deals', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_deal_rounds_shop_id_shops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_deal_rounds'),
        sa.UniqueConstraint('shop_id', 'id', name='uq_deal_rounds_shop_id_id'),
        sa.UniqueConstraint('shop_id', 'token', name='uq_deal_rounds_shop_id_token'),
    )
    op.create_index('ix_deal_rounds_deal_id', 'deal_rounds', ['deal_id'])
    op.create_index('ix_deal_rounds_shop_id', 'deal_rounds', ['shop_id'])
    op.create_index('ix_deal_rounds_open_deadline', 'deal_rounds', ['deadline'],
                    postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
    op.create_table(
        'deal_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deal_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('detail', sa.String(length=300), nullable=False),
        sa.Column('at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id', 'deal_id'], ['deals.shop_id', 'deals.id'],
                                name='fk_deal_events_shop_id_deals', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_deal_events_shop_id_shops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_deal_events'),
        sa.UniqueConstraint('shop_id', 'id', name='uq_deal_events_shop_id_id'),
    )
    op.create_index('ix_deal_events_deal_id', 'deal_events', ['deal_id'])
    op.create_index('ix_deal_events_round_id', 'deal_events', ['round_id'])
    op.create_index('ix_deal_events_shop_id', 'deal_events', ['shop_id'])
    with op.batch_alter_table('orders') as batch_op:
        batch_op.add_column(sa.Column('deal_round_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_orders_deal_round_id', ['deal_round_id'])
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:  # keyed and walled like every tenant table
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}")
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (shop_id, id)")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY shop_isolation ON {table} USING ({POLICY}) WITH CHECK ({POLICY})")


def downgrade():
    with op.batch_alter_table('orders') as batch_op:
        batch_op.drop_index('ix_orders_deal_round_id')
        batch_op.drop_column('deal_round_id')
    op.drop_table('deal_events')
    op.drop_table('deal_rounds')
    op.drop_table('deals')
