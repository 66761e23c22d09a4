"""a tenant row's (shop_id, id) is indexed once on PostgreSQL: the unique keys that repeated the primary key are dropped, their foreign keys moved to the primary key

Revision ID: c2e4a6b8d0f1
Revises: b0d2f4a6c8e1
Create Date: 2026-12-05 19:40:00.000000

On PostgreSQL these tables' primary key is (shop_id, id) (migration 7b3d5f9a2c48, and the
tables made after it), and each also had UNIQUE (shop_id, id), the key the composite
foreign keys were bound to: two identical B-trees, both written on every insert. The
foreign keys that use the unique key are dropped and added again (bound to the primary
key, checked against the existing rows), then the unique key is dropped. SQLite keeps it:
there `id` alone is the primary key (see app.tenancy.row_key).

The downgrade brings the unique keys back and binds the foreign keys to them again: it
drops them and the primary key, adds the unique key, adds the foreign keys (then the only
matching key), then the primary key; so the older migrations' downgrades can still drop
the primary key.
"""
from alembic import op
from sqlalchemy import text

revision = 'c2e4a6b8d0f1'
down_revision = 'b0d2f4a6c8e1'
branch_labels = None
depends_on = None

TABLES = (
    "collections", "orders", "listings", "purchase_orders", "newsletter_subscribers", "shop_media",
    "theme_configs", "payments", "refunds", "deals", "deal_rounds", "deal_events",
    "production_orders", "pickup_points", "weekly_deals", "promoters", "referral_bindings",
    "commissions", "shop_pages", "listing_media", "discount_codes", "discount_uses",
    "shipping_zones",
)


def _foreign_keys_using(bind, table: str, index: str) -> list[tuple[str, str, str]]:
    """(table, name, definition) of every foreign key checked through `index` of `table`."""
    return [tuple(row) for row in bind.execute(text(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "WHERE c.contype = 'f' AND c.confrelid = CAST(:table AS regclass) "
        "AND c.conindid = CAST(:index AS regclass) ORDER BY 1, 2"), {"table": table, "index": index})]


def _drop(keys) -> None:
    for table, name, _ in keys:
        op.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')


def _add(keys) -> None:
    for table, name, definition in keys:
        op.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    for table in TABLES:
        unique = f"uq_{table}_shop_id_id"
        keys = _foreign_keys_using(bind, table, unique)
        _drop(keys)
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {unique}")
        _add(keys)  # the primary key is now the only index on (shop_id, id)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    for table in TABLES:
        keys = _foreign_keys_using(bind, table, f"pk_{table}")
        _drop(keys)
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT uq_{table}_shop_id_id UNIQUE (shop_id, id)")
        _add(keys)
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (shop_id, id)")
