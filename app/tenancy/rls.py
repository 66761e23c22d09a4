"""PostgreSQL row-level security: the second wall behind the ORM guard.

The tenant tables carry a policy (see the migration `rls_tenant_tables`) that lets a row
through only when the transaction's `flagship.shop_id` setting is that row's shop, or
'all' for platform-wide code. Before each statement this module makes the setting match
the current tenancy scope (transaction-local `set_config`, so it can never leak to the
next user of a pooled connection). Raw SQL that slips past the ORM guard still cannot read
or write another shop's rows. Superusers bypass RLS in PostgreSQL: the app must connect as
an ordinary role (the table owner is fine: the policies are FORCEd).
"""

from __future__ import annotations

from sqlalchemy import event

from .context import _scope

SETTING = "flagship.shop_id"
TENANT_TABLES = (
    "listings", "collections", "collection_listings", "orders", "order_lines",
    "purchase_orders", "purchase_order_lines", "listing_notices", "payments", "refunds",
    "theme_configs", "shop_media", "shop_domains", "newsletter_subscribers",
)
_CACHE_KEY = "flagship_rls_value"
_TRANSACTION_CONTROL = ("ROLLBACK", "RELEASE", "SAVEPOINT", "COMMIT", "BEGIN")


def scope_setting() -> str:
    scope = _scope.get()
    if scope.unscoped:
        return "all"
    return str(scope.shop_id) if scope.shop_id is not None else ""


def install_rls_session_setting(engine) -> None:
    """Keep `flagship.shop_id` in step with the tenancy scope on every PostgreSQL statement."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "before_cursor_execute")
    def _apply_scope(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip()[:8].upper().startswith(_TRANSACTION_CONTROL):
            return  # may run in an aborted transaction, where nothing else is allowed
        wanted = scope_setting()
        if conn.info.get(_CACHE_KEY) != wanted:
            cursor.execute("SELECT set_config(%s, %s, true)", (SETTING, wanted))
            conn.info[_CACHE_KEY] = wanted

    # A transaction-local setting ends with its transaction or savepoint: forget it then.
    def _forget(conn, *args):
        conn.info.pop(_CACHE_KEY, None)

    for name in ("begin", "commit", "rollback", "rollback_savepoint"):
        event.listen(engine, name, _forget)
