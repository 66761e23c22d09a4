"""pre-sales: a round's ship-by date, made-to-order orders, consolidated production orders

Revision ID: 9d5f7b1c4e60
Revises: 8c4e6a0b3d59
Create Date: 2026-12-04 06:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = '9d5f7b1c4e60'
down_revision = '8c4e6a0b3d59'
branch_labels = None
depends_on = None

POLICY = "(SELECT flagship_scope()) IN ('all', shop_id::text)"


def upgrade():
    with op.batch_alter_table('deal_rounds') as batch_op:
        batch_op.add_column(sa.Column('ships_by', app.db_types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('orders') as batch_op:
        batch_op.add_column(sa.Column('made_to_order', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'production_orders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('supplier_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=40), nullable=False),
        sa.Column('ships_by', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('lines', sa.JSON(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id', 'round_id'], ['deal_rounds.shop_id', 'deal_rounds.id'],
                                name='fk_production_orders_shop_id_deal_rounds', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_production_orders_shop_id_shops',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name='fk_production_orders_supplier_id_suppliers'),
        sa.PrimaryKeyConstraint('id', name='pk_production_orders'),
        sa.UniqueConstraint('shop_id', 'id', name='uq_production_orders_shop_id_id'),
        sa.UniqueConstraint('shop_id', 'round_id', 'supplier_id', name='uq_production_orders_shop_id_round_id_supplier_id'),
    )
    op.create_index('ix_production_orders_round_id', 'production_orders', ['round_id'])
    op.create_index('ix_production_orders_shop_id', 'production_orders', ['shop_id'])
    op.create_index('ix_production_orders_supplier_id', 'production_orders', ['supplier_id'])
    if op.get_bind().dialect.name == "postgresql":  # keyed and walled like every tenant table
        op.execute("ALTER TABLE production_orders DROP CONSTRAINT pk_production_orders")
        op.execute("ALTER TABLE production_orders ADD CONSTRAINT pk_production_orders PRIMARY KEY (shop_id, id)")
        op.execute("ALTER TABLE production_orders ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE production_orders FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY shop_isolation ON production_orders USING ({POLICY}) WITH CHECK ({POLICY})")


def downgrade():
    op.drop_table('production_orders')
    with op.batch_alter_table('orders') as batch_op:
        batch_op.drop_column('made_to_order')
    with op.batch_alter_table('deal_rounds') as batch_op:
        batch_op.drop_column('ships_by')
