"""row-level security on tenant tables

Revision ID: e31a30f0ec3c
Revises: 0c358a7c2487
Create Date: 2026-11-23 00:57:40.220419

"""
from alembic import op
import sqlalchemy as sa

import app.db_types


# revision identifiers, used by Alembic.
revision = 'e31a30f0ec3c'
down_revision = '0c358a7c2487'
branch_labels = None
depends_on = None


TENANT_TABLES = ("listings", "collections", "collection_listings", "orders", "order_lines")
# A row is visible (and writable) only when the transaction acts for its shop, or for all
# shops (platform-wide code). An unset setting means no rows: fail closed.
POLICY = (
    "current_setting('flagship.shop_id', true) = 'all' "
    "OR shop_id::text = current_setting('flagship.shop_id', true)"
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no row-level security; the ORM guard is the wall there
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY shop_isolation ON {table} USING ({POLICY}) WITH CHECK ({POLICY})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS shop_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
