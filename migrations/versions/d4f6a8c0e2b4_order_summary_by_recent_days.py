"""the dashboard's order summary reads the last days by status from one index: (shop_id, status)
becomes (shop_id, status, placed_at), total still included on PostgreSQL

Revision ID: d4f6a8c0e2b4
Revises: a8c0e2f4b6d8
Create Date: 2026-12-06 10:00:00.000000

The dashboard home summed every order of the shop by status on each visit (10 ms for a
shop with 50,000 orders, growing with its history). It now shows the orders waiting for
payment and those paid or cancelled in the last 30 days: with placed_at after status, each
is one range of this index, read without the table. The new index answers every lookup the
old one did (its first two columns), so the old one goes.
"""
from alembic import op

revision = 'd4f6a8c0e2b4'
down_revision = 'a8c0e2f4b6d8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_orders_shop_id_status_placed_at", "orders", ["shop_id", "status", "placed_at"],
                    postgresql_include=["total"])
    op.drop_index("ix_orders_shop_id_status", table_name="orders")


def downgrade():
    op.create_index("ix_orders_shop_id_status", "orders", ["shop_id", "status"], postgresql_include=["total"])
    op.drop_index("ix_orders_shop_id_status_placed_at", table_name="orders")
