"""signed RLS scope; RLS on outbound_emails, ledger_entries, webhook_deliveries

Revision ID: 5c1e9a7d3b20
Revises: 5b1e7c2d9a40
Create Date: 2026-12-03 10:00:00.000000

The app's database role can run `set_config('flagship.shop_id', ...)` like any role, so a
bare setting cannot be trusted: injected SQL could set 'all' (or another shop). From here
on a scope counts only with a token that `flagship_enter_scope(key, scope)` issues when
given the app's RLS scope key (RLS_SCOPE_KEY, derived from SECRET_KEY). The token is
bound to the scope, the backend and the transaction's start, and made from a random
secret in a schema the app's role cannot see, so it is useless once read and cannot be
made without the key. `flask db upgrade` stores the key's hash (app/tenancy/roles.py).

The e-mail outbox, the ledger and the supplier webhook deliveries hold shopper addresses
and shop data: they get the same policy, where a row with no shop (platform e-mails,
supplier payouts) is seen only platform-wide. Webhook deliveries gain the shop of their
purchase order for that.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e9a7d3b20'
down_revision = '5b1e7c2d9a40'
branch_labels = None
depends_on = None


TENANT_TABLES = (
    "listings", "collections", "collection_listings", "orders", "order_lines",
    "purchase_orders", "purchase_order_lines", "listing_notices", "payments", "refunds",
    "theme_configs", "shop_media", "shop_domains", "newsletter_subscribers",
)
PLATFORM_TABLES = ("outbound_emails", "ledger_entries", "webhook_deliveries")
# One evaluation of the verified scope per statement (an InitPlan), then a compare per row.
# A NULL shop_id matches only 'all'; no verified scope (NULL) matches nothing.
POLICY = "(SELECT flagship_scope()) IN ('all', shop_id::text)"
OLD_POLICY = (
    "current_setting('flagship.shop_id', true) = 'all' "
    "OR shop_id::text = current_setting('flagship.shop_id', true)"
)
PRIVATE = "flagship_private"


def upgrade():
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shop_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_shop_id'), ['shop_id'], unique=False)
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:  # the owner reads purchase orders of every shop for this one update
        op.execute("ALTER TABLE purchase_orders NO FORCE ROW LEVEL SECURITY")
    op.execute("UPDATE webhook_deliveries SET shop_id = (SELECT po.shop_id FROM purchase_orders po "
               "WHERE po.id = webhook_deliveries.purchase_order_id)")
    if not postgres:
        return  # SQLite has no row-level security; the ORM guard is the wall there
    op.execute("ALTER TABLE purchase_orders FORCE ROW LEVEL SECURITY")
    _create_scope_functions()
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY shop_isolation ON {table}")
        op.execute(f"CREATE POLICY shop_isolation ON {table} USING ({POLICY}) WITH CHECK ({POLICY})")
    for table in PLATFORM_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY shop_isolation ON {table} USING ({POLICY}) WITH CHECK ({POLICY})")


def _create_scope_functions():
    op.execute(f"CREATE SCHEMA {PRIVATE}")
    op.execute(f"REVOKE ALL ON SCHEMA {PRIVATE} FROM PUBLIC")
    # key_hash: sha256 of the app's scope key, written by `flask db upgrade`; the previous
    # one stays valid so processes still running with it keep working through a rotation.
    op.execute(f"""
        CREATE TABLE {PRIVATE}.rls_keys (
            id integer PRIMARY KEY CHECK (id = 1),
            token_secret text NOT NULL,
            key_hash text,
            previous_key_hash text)""")
    op.execute(f"INSERT INTO {PRIVATE}.rls_keys (id, token_secret) VALUES "
               "(1, replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))")
    # HMAC-like (hash of secret and hash of secret and message): binds the scope to this
    # backend and this transaction (now() is the transaction's start).
    op.execute(f"""
        CREATE FUNCTION {PRIVATE}.scope_token(scope text) RETURNS text
        LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
            SELECT encode(sha256(convert_to(k.token_secret || encode(sha256(convert_to(
                k.token_secret || ':' || scope || ':' || pg_backend_pid()::text || ':'
                || extract(epoch FROM now())::text, 'UTF8')), 'hex'), 'UTF8')), 'hex')
            FROM {PRIVATE}.rls_keys k WHERE k.id = 1 $$""")
    op.execute(f"REVOKE ALL ON FUNCTION {PRIVATE}.scope_token(text) FROM PUBLIC")
    op.execute(f"""
        CREATE FUNCTION flagship_enter_scope(key text, scope text) RETURNS void
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog AS $$
        BEGIN
            IF scope IS NULL OR scope !~ '^(all|[0-9]+)$' THEN
                RAISE EXCEPTION 'not a tenancy scope: %', scope USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM {PRIVATE}.rls_keys k WHERE k.id = 1 AND
                           encode(sha256(convert_to(key, 'UTF8')), 'hex') IN (k.key_hash, k.previous_key_hash)) THEN
                RAISE EXCEPTION 'wrong RLS scope key: run `flask db upgrade` with the app''s SECRET_KEY (or RLS_SCOPE_KEY)'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            PERFORM set_config('flagship.shop_id', scope, true);
            PERFORM set_config('flagship.scope_token', {PRIVATE}.scope_token(scope), true);
        END $$""")
    # The scope the transaction may act in ('all', a shop id), or NULL when the setting was
    # not made by flagship_enter_scope in this transaction.
    op.execute(f"""
        CREATE FUNCTION flagship_scope() RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
            SELECT CASE WHEN current_setting('flagship.scope_token', true)
                             = {PRIVATE}.scope_token(current_setting('flagship.shop_id', true))
                        THEN current_setting('flagship.shop_id', true) END $$""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in PLATFORM_TABLES:
            op.execute(f"DROP POLICY IF EXISTS shop_isolation ON {table}")
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for table in TENANT_TABLES:
            op.execute(f"DROP POLICY shop_isolation ON {table}")
            op.execute(f"CREATE POLICY shop_isolation ON {table} USING ({OLD_POLICY}) WITH CHECK ({OLD_POLICY})")
        op.execute("DROP FUNCTION flagship_scope()")
        op.execute("DROP FUNCTION flagship_enter_scope(text, text)")
        op.execute(f"DROP SCHEMA {PRIVATE} CASCADE")
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_shop_id'))
        batch_op.drop_column('shop_id')
