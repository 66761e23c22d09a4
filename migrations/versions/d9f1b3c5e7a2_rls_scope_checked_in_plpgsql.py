"""row-level security: the scope check in PL/pgSQL, planned once per connection

Revision ID: d9f1b3c5e7a2
Revises: c7e9a1b3d5f7
Create Date: 2026-12-07 03:00:00.000000

Every tenant policy asks `flagship_scope()` twice per table a statement reads (each an
InitPlan), so a storefront page's nine statements ask it about twenty times. Both it and
the `scope_token` it calls were SQL functions that cannot be inlined (SECURITY DEFINER, a
pinned search_path), and such a function's body is parsed and planned again in every
statement that calls it: about 43 us a call here, most of the database's time for a
page's small indexed reads (bench/rls_scope.py). PL/pgSQL keeps each function's plan for
the life of the connection: about 10 us a call.

What they compute is unchanged, token for token: a scope is verified as before, a forged or
stale token still yields NULL, and the app role still may not call `scope_token`
(CREATE OR REPLACE keeps the grants).
"""
from alembic import op

revision = 'd9f1b3c5e7a2'
down_revision = 'c7e9a1b3d5f7'
branch_labels = None
depends_on = None

PRIVATE = "flagship_private"
# HMAC-like (hash of secret and hash of secret and message): binds the scope to this
# backend and this transaction (now() is the transaction's start).
TOKEN = ("encode(sha256(convert_to({secret} || encode(sha256(convert_to({secret} || ':' || scope || ':' || "
         "pg_backend_pid()::text || ':' || extract(epoch FROM now())::text, 'UTF8')), 'hex'), 'UTF8')), 'hex')")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no row-level security
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {PRIVATE}.scope_token(scope text) RETURNS text
        LANGUAGE plpgsql STABLE SET search_path = pg_catalog AS $$
        DECLARE secret text;
        BEGIN
            SELECT k.token_secret INTO secret FROM {PRIVATE}.rls_keys k WHERE k.id = 1;
            RETURN {TOKEN.format(secret="secret")};
        END $$""")
    # The scope the transaction may act in ('all', a shop id), or NULL when the setting was
    # not made by flagship_enter_scope in this transaction.
    op.execute(f"""
        CREATE OR REPLACE FUNCTION flagship_scope() RETURNS text
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
        DECLARE scope text := current_setting('flagship.shop_id', true);
        BEGIN
            IF current_setting('flagship.scope_token', true) = {PRIVATE}.scope_token(scope) THEN
                RETURN scope;
            END IF;
            RETURN NULL;
        END $$""")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {PRIVATE}.scope_token(scope text) RETURNS text
        LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
            SELECT {TOKEN.format(secret="k.token_secret")}
            FROM {PRIVATE}.rls_keys k WHERE k.id = 1 $$""")
    op.execute(f"""
        CREATE OR REPLACE FUNCTION flagship_scope() RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
            SELECT CASE WHEN current_setting('flagship.scope_token', true)
                             = {PRIVATE}.scope_token(current_setting('flagship.shop_id', true))
                        THEN current_setting('flagship.shop_id', true) END $$""")
