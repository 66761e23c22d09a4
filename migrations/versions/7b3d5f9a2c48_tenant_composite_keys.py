"""tenant keys Citus can distribute: unique constraints with shop_id, (shop_id, id) primary
keys on PostgreSQL, and a platform-wide table of order numbers

Revision ID: 7b3d5f9a2c48
Revises: 6a2c4e8f1b37
Create Date: 2026-12-04 02:00:00.000000

Citus distributes a table by a column that every primary key and unique constraint must
include. Every tenant table's unique constraints get shop_id; on PostgreSQL its primary key
becomes (shop_id, id) (`id` keeps its sequence, so ids stay unique and the ORM still names
a row by id). SQLite keeps `id` as the primary key: an autoincrement column must be the
whole key there, and SQLite is never distributed. Order numbers stay unique platform-wide
in `order_numbers`, which also tells a Stripe event (it names only the number) the shop.
Works on a populated database; the downgrade restores the old keys.
"""
from alembic import op
import sqlalchemy as sa

PRIVATE = "flagship_private"
revision = '7b3d5f9a2c48'
down_revision = '6a2c4e8f1b37'
branch_labels = None
depends_on = None

# Distributed by shop_id on Citus (shop_domains is a reference table: a hostname belongs to
# one shop across the platform). See app/tenancy/schema.py.
DISTRIBUTED = (
    "listings", "collections", "collection_listings", "listing_notices", "orders", "order_lines",
    "purchase_orders", "purchase_order_lines", "payments", "refunds", "theme_configs",
    "shop_media", "newsletter_subscribers",
)
# (table, old unique columns, new unique columns, index the lookups by the value need)
UNIQUES = (
    ("orders", ("number",), ("shop_id", "number"), None),
    ("purchase_orders", ("number",), ("shop_id", "number"), "number"),
    ("purchase_orders", ("order_id", "supplier_id"), ("shop_id", "order_id", "supplier_id"), None),
    ("purchase_order_lines", ("order_line_id",), ("shop_id", "order_line_id"), None),
    ("payments", ("checkout_session_id",), ("shop_id", "checkout_session_id"), "checkout_session_id"),
    ("refunds", ("stripe_refund_id",), ("shop_id", "stripe_refund_id"), "stripe_refund_id"),
    ("collection_listings", ("collection_id", "listing_id"), ("shop_id", "collection_id", "listing_id"), None),
)


def _name(table, columns):
    return f"uq_{table}_{'_'.join(columns)}"


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        'order_numbers',
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_order_numbers_shop_id_shops',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('number', name='pk_order_numbers'),
    )
    op.create_index('ix_order_numbers_shop_id', 'order_numbers', ['shop_id'])
    if postgres:  # the owner reads every shop's orders for this copy (FORCE RLS applies to it too)
        op.execute("ALTER TABLE orders NO FORCE ROW LEVEL SECURITY")
    op.execute("INSERT INTO order_numbers (number, shop_id, order_id) SELECT number, shop_id, id FROM orders")
    if postgres:
        op.execute("ALTER TABLE orders FORCE ROW LEVEL SECURITY")
    for table, old, new, index in UNIQUES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(_name(table, old), type_='unique')
            batch_op.create_unique_constraint(_name(table, new), list(new))
            if index:
                batch_op.create_index(f"ix_{table}_{index}", [index])
    if postgres:
        for table in DISTRIBUTED:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}")
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (shop_id, id)")
        _enter_scope_function(returns_token=True)


def _enter_scope_function(returns_token: bool):
    """flagship_enter_scope also returns the token, so the app can make both settings with
    SET LOCAL (the form Citus propagates to its workers), not only with set_config."""
    op.execute("DROP FUNCTION flagship_enter_scope(text, text)")
    op.execute(f"""
        CREATE FUNCTION flagship_enter_scope(key text, scope text) RETURNS {'text' if returns_token else 'void'}
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog AS $$
        DECLARE token text;
        BEGIN
            IF scope IS NULL OR scope !~ '^(all|[0-9]+)$' THEN
                RAISE EXCEPTION 'not a tenancy scope: %', scope USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM {PRIVATE}.rls_keys k WHERE k.id = 1 AND
                           encode(sha256(convert_to(key, 'UTF8')), 'hex') IN (k.key_hash, k.previous_key_hash)) THEN
                RAISE EXCEPTION 'wrong RLS scope key: run `flask db upgrade` with the app''s SECRET_KEY (or RLS_SCOPE_KEY)'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            token := {PRIVATE}.scope_token(scope);
            PERFORM set_config('flagship.shop_id', scope, true);
            PERFORM set_config('flagship.scope_token', token, true);
            {'RETURN token;' if returns_token else ''}
        END $$""")


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        _enter_scope_function(returns_token=False)
        for table in DISTRIBUTED:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}")
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id)")
    for table, old, new, index in reversed(UNIQUES):
        with op.batch_alter_table(table) as batch_op:
            if index:
                batch_op.drop_index(f"ix_{table}_{index}")
            batch_op.drop_constraint(_name(table, new), type_='unique')
            batch_op.create_unique_constraint(_name(table, old), list(old))
    op.drop_index('ix_order_numbers_shop_id', table_name='order_numbers')
    op.drop_table('order_numbers')
