"""orders: a search text kept by the database, carried in the (shop_id, placed_at, id) index

Revision ID: f1a3c5e7b9d2
Revises: e6a8c0e2b4d6
Create Date: 2026-12-06 19:00:00.000000

The owner's order search matched number, name, e-mail and phone with ILIKE. Under row-level
security PostgreSQL uses no index for ILIKE (it is not leakproof), so every search read all
of the shop's orders from the table, spread among every other shop's: 180-310 ms for a
50,000-order shop. `search_text` is those four fields lowercased, one per line, generated
by the database (nothing in the app can forget to keep it), and PostgreSQL's index of a
shop's orders newest first now carries it: a search walks that index without the table.

PostgreSQL writes the column into every row (the ALTER rewrites `orders` under its lock:
about 10 s a million orders). SQLite computes it when read (it cannot add a stored column
to a table) and has no INCLUDE: it searches as before, reading the table.
"""
from alembic import op
import sqlalchemy as sa

revision = 'f1a3c5e7b9d2'
down_revision = 'e6a8c0e2b4d6'
branch_labels = None
depends_on = None

# A line break parts the fields: a search's text never holds one (whitespace is folded).
SEARCH_TEXT = "lower(number || '\n' || customer_name || '\n' || customer_email || '\n' || customer_phone)"
INDEX = 'ix_orders_shop_id_placed_at'


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE orders ADD COLUMN search_text TEXT GENERATED ALWAYS AS ({SEARCH_TEXT}) VIRTUAL")
        return
    op.add_column('orders', sa.Column('search_text', sa.Text(), sa.Computed(SEARCH_TEXT, persisted=True)))
    op.drop_index(INDEX, table_name='orders')
    op.create_index(INDEX, 'orders', ['shop_id', 'placed_at', 'id'], postgresql_include=['search_text'])


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.drop_index(INDEX, table_name='orders')
        op.create_index(INDEX, 'orders', ['shop_id', 'placed_at', 'id'])
    op.drop_column('orders', 'search_text')
