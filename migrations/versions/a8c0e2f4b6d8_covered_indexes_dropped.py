"""indexes a longer key already covers are dropped: each was one more B-tree written on every insert

Revision ID: a8c0e2f4b6d8
Revises: c2e4a6b8d0f1
Create Date: 2026-12-06 07:10:00.000000

A B-tree on (a, b) answers every lookup on a alone, so an index on a beside it is only
written, never needed. Dropped here:

- `ix_<table>_shop_id` of the tenant tables: on PostgreSQL their primary key is
  (shop_id, id) (migration 7b3d5f9a2c48); on SQLite, where `id` alone is the primary key,
  their (shop_id, id) or (shop_id, ...) unique key covers it, except on order_lines and
  listing_notices, which have no such key there and keep the index (app.tenancy.context).
- five indexes on the first column of a unique key or index of the same table (both
  databases): shop_memberships (shop_id, user_id), supplier_members (supplier_id, user_id),
  sync_runs (supplier_id, queued_at), webhook_deliveries (purchase_order_id, event),
  payouts (run_id, payee_type, payee_id, currency).
- on SQLite, the plain B-trees standing in for the catalog's trigram indexes (products'
  title, description and code, variants' SKU): a B-tree cannot answer a search for any
  part of a text ("%honey%"), every lookup of a code or SKU names its supplier (the unique
  keys lead with it), and title's was covered by (title, id) besides.

The downgrade makes them again.
"""
from alembic import op

revision = 'a8c0e2f4b6d8'
down_revision = 'c2e4a6b8d0f1'
branch_labels = None
depends_on = None

# Tenant tables whose shop_id index goes on both databases (a unique key leads with shop_id).
TENANT = (
    "collections", "collection_listings", "commissions", "deal_events", "deal_rounds", "deals",
    "discount_codes", "discount_uses", "listing_media", "listings", "newsletter_subscribers", "orders",
    "payments", "pickup_points", "production_orders", "promoters", "purchase_order_lines",
    "purchase_orders", "referral_bindings", "refunds", "shipping_zones", "shop_domains", "shop_media",
    "shop_pages", "theme_configs", "weekly_deals",
)
# Covered by the (shop_id, id) primary key on PostgreSQL only.
POSTGRESQL_ONLY = ("order_lines", "listing_notices")
SQLITE_ONLY = (("supply_products", "title_trgm", "title"), ("supply_products", "description_trgm", "description"),
               ("supply_products", "code_trgm", "code"), ("supply_variants", "sku_trgm", "sku"))
OTHERS = (
    ("shop_memberships", "shop_id"), ("supplier_members", "supplier_id"), ("sync_runs", "supplier_id"),
    ("webhook_deliveries", "purchase_order_id"), ("payouts", "run_id"),
)


def _covered(dialect: str) -> list[tuple[str, str, str]]:
    """(table, index name's ending, column) of the indexes dropped on this database."""
    tenant = TENANT + (POSTGRESQL_ONLY if dialect == "postgresql" else ())
    covered = [(table, "shop_id", "shop_id") for table in tenant]
    covered += [(table, column, column) for table, column in OTHERS]
    return covered + (list(SQLITE_ONLY) if dialect == "sqlite" else [])


def upgrade():
    for table, name, _ in _covered(op.get_bind().dialect.name):
        op.drop_index(f"ix_{table}_{name}", table_name=table)


def downgrade():
    for table, name, column in _covered(op.get_bind().dialect.name):
        op.create_index(f"ix_{table}_{name}", table, [column])
