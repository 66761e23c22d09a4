"""discount codes and their uses, shipping zones; an order's discount (its code, and each line's share)

Revision ID: a7e9b1d3f5c8
Revises: f6d8a0c2e4b6
Create Date: 2026-12-06 08:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import app.db_types
from app.downgrade_guard import refuse_to_drop_money

revision = 'a7e9b1d3f5c8'
down_revision = 'f6d8a0c2e4b6'
branch_labels = None
depends_on = None

POLICY = "(SELECT flagship_scope()) IN ('all', shop_id::text)"


def _wall(table):
    """Keyed and walled like every tenant table (PostgreSQL)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (shop_id, id)")
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY shop_isolation ON {table} USING ({POLICY}) WITH CHECK ({POLICY})")


def upgrade():
    op.create_table(
        'discount_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('min_order', sa.Integer(), nullable=False),
        sa.Column('starts_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('ends_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('max_uses', sa.Integer(), nullable=True),
        sa.Column('once_per_shopper', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('uses', sa.Integer(), server_default='0', nullable=False),
        sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.CheckConstraint("(kind = 'percent' AND value BETWEEN 1 AND 10000) OR (kind = 'amount' AND value > 0)",
                           name=op.f('ck_discount_codes_value_in_range')),
        sa.CheckConstraint("kind IN ('percent', 'amount')", name=op.f('ck_discount_codes_kind_known')),
        sa.CheckConstraint('max_uses IS NULL OR max_uses > 0', name=op.f('ck_discount_codes_max_uses_positive')),
        sa.CheckConstraint('min_order >= 0', name=op.f('ck_discount_codes_min_order_not_negative')),
        sa.CheckConstraint('uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)',
                           name=op.f('ck_discount_codes_uses_within_limit')),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_discount_codes_shop_id_shops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_discount_codes'),
        sa.UniqueConstraint('shop_id', 'code', name='uq_discount_codes_shop_id_code'),
        sa.UniqueConstraint('shop_id', 'id', name='uq_discount_codes_shop_id_id'),
    )
    op.create_index('ix_discount_codes_shop_id', 'discount_codes', ['shop_id'])
    _wall('discount_codes')

    op.create_table(
        'discount_uses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('discount_code_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('once_key', sa.String(length=254), nullable=True),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('used_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('amount >= 0', name=op.f('ck_discount_uses_amount_not_negative')),
        sa.ForeignKeyConstraint(['shop_id', 'discount_code_id'], ['discount_codes.shop_id', 'discount_codes.id'],
                                name='fk_discount_uses_shop_id_discount_code_id_discount_codes'),
        sa.ForeignKeyConstraint(['shop_id', 'order_id'], ['orders.shop_id', 'orders.id'],
                                name='fk_discount_uses_shop_id_order_id_orders', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_discount_uses_shop_id_shops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_discount_uses'),
        sa.UniqueConstraint('shop_id', 'discount_code_id', 'once_key',
                            name='uq_discount_uses_shop_id_discount_code_id_once_key'),
        sa.UniqueConstraint('shop_id', 'id', name='uq_discount_uses_shop_id_id'),
        sa.UniqueConstraint('shop_id', 'order_id', name='uq_discount_uses_shop_id_order_id'),
    )
    op.create_index('ix_discount_uses_shop_id', 'discount_uses', ['shop_id'])
    op.create_index('ix_discount_uses_discount_code_id', 'discount_uses', ['discount_code_id'])
    op.create_index('ix_discount_uses_order_id', 'discount_uses', ['order_id'])
    _wall('discount_uses')

    op.create_table(
        'shipping_zones',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('countries', sa.JSON(), nullable=False),
        sa.Column('rest_of_world', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('rate', sa.Integer(), nullable=False),
        sa.Column('free_over', sa.Integer(), nullable=True),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('free_over IS NULL OR free_over > 0', name=op.f('ck_shipping_zones_free_over_positive')),
        sa.CheckConstraint('rate >= 0', name=op.f('ck_shipping_zones_rate_not_negative')),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_shipping_zones_shop_id_shops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_shipping_zones'),
        sa.UniqueConstraint('shop_id', 'id', name='uq_shipping_zones_shop_id_id'),
        sa.UniqueConstraint('shop_id', 'name', name='uq_shipping_zones_shop_id_name'),
    )
    op.create_index('ix_shipping_zones_shop_id', 'shipping_zones', ['shop_id'])
    op.create_index('uq_shipping_zones_rest_of_world', 'shipping_zones', ['shop_id'], unique=True,
                    postgresql_where=sa.text('rest_of_world'), sqlite_where=sa.text('rest_of_world'))
    _wall('shipping_zones')

    with op.batch_alter_table('orders') as batch:
        batch.add_column(sa.Column('discount_total', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('discount_code', sa.String(length=32), server_default='', nullable=False))
    with op.batch_alter_table('order_lines') as batch:
        batch.add_column(sa.Column('discount_total', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    # Every discounted order has its use: while any exists, the orders' discounts would go too.
    refuse_to_drop_money("discount_uses")
    with op.batch_alter_table('order_lines') as batch:
        batch.drop_column('discount_total')
    with op.batch_alter_table('orders') as batch:
        batch.drop_column('discount_code')
        batch.drop_column('discount_total')
    op.drop_table('shipping_zones')
    op.drop_table('discount_uses')
    op.drop_table('discount_codes')
