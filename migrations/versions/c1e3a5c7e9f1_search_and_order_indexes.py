"""indexes for pages that must not slow down with data: a shop's orders by date and by status,
the catalog by title, the directory of shops, trigram search of products and SKUs (PostgreSQL)

Revision ID: c1e3a5c7e9f1
Revises: a7e9b1d3f5c8
Create Date: 2026-12-04 16:00:00.000000
"""
from alembic import op

revision = 'c1e3a5c7e9f1'
down_revision = 'a7e9b1d3f5c8'
branch_labels = None
depends_on = None

TRIGRAM = (("supply_products", "title"), ("supply_products", "description"), ("supply_products", "code"),
           ("supply_variants", "sku"))


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # A trusted extension (PostgreSQL 13+): the database's owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index("ix_orders_shop_id_placed_at", "orders", ["shop_id", "placed_at", "id"])
    op.create_index("ix_orders_shop_id_status", "orders", ["shop_id", "status"], postgresql_include=["total"])
    op.create_index("ix_supply_products_title_id", "supply_products", ["title", "id"])
    op.create_index("ix_shops_created_at_id", "shops", ["created_at", "id"])
    for table, column in TRIGRAM:
        op.create_index(f"ix_{table}_{column}_trgm", table, [column], postgresql_using="gin",
                        postgresql_ops={column: "gin_trgm_ops"})


def downgrade():
    for table, column in TRIGRAM:
        op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
    op.drop_index("ix_shops_created_at_id", table_name="shops")
    op.drop_index("ix_supply_products_title_id", table_name="supply_products")
    op.drop_index("ix_orders_shop_id_status", table_name="orders")
    op.drop_index("ix_orders_shop_id_placed_at", table_name="orders")
    # pg_trgm stays: other databases objects may use it, and it holds no data.
