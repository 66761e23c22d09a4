"""purchase orders: the supplier portal's indexes (its queue, and its purchase orders by id)

Revision ID: a3c5e7b9d1f4
Revises: f1a3c5e7b9d2
Create Date: 2026-12-06 19:30:00.000000

The portal reads one supplier's purchase orders across every shop, so the tenant keys,
(shop_id, id) first, do not serve it. With only `supplier_id` indexed, its list sorted all
of the supplier's purchase orders (open first, then newest) and counted them, and loading
a page's lines (`id IN (...)`, the rows of 20 purchase orders) read all of them again:
about 35 ms of statements for a supplier with 7,283, growing with each order. Now the list
is one range of the queue index, and a page's or a detail's purchase orders are found by
(supplier_id, id). The `supplier_id` index alone is dropped: both lead with it. The queue
index is PostgreSQL's: SQLite's inspector cannot read an index on an expression, and the
embedded database serves shops small enough to sort.
"""
from alembic import op
import sqlalchemy as sa

revision = 'a3c5e7b9d1f4'
down_revision = 'f1a3c5e7b9d2'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":  # (SQLite cannot reflect an expression index)
        op.create_index('ix_purchase_orders_supplier_queue', 'purchase_orders',
                        ['supplier_id', sa.text("(status <> 'open')"), sa.text('created_at DESC'), sa.text('id DESC')])
    op.create_index('ix_purchase_orders_supplier_id_id', 'purchase_orders', ['supplier_id', 'id'])
    op.drop_index('ix_purchase_orders_supplier_id', table_name='purchase_orders')


def downgrade():
    op.create_index('ix_purchase_orders_supplier_id', 'purchase_orders', ['supplier_id'])
    op.drop_index('ix_purchase_orders_supplier_id_id', table_name='purchase_orders')
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_purchase_orders_supplier_queue', table_name='purchase_orders')
