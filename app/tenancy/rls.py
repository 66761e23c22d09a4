"""PostgreSQL row-level security: the second wall behind the ORM guard.

The tenant tables (and the e-mail outbox, the ledger and the supplier webhook deliveries)
carry a policy that lets a row through only when the transaction's verified scope is that
row's shop, or 'all' for platform-wide code. Before each statement this module makes the
scope match the current tenancy scope, through `flagship_enter_scope(key, scope)`: the
database accepts a scope only with the app's RLS scope key, and issues a token bound to
this transaction (see the migration `signed_rls_scope`). Everything is transaction-local,
so it can never leak to the next user of a pooled connection. Raw SQL that slips past the
ORM guard cannot read or write another shop's rows, and injected SQL cannot widen its
scope with a bare `set_config('flagship.shop_id', 'all')`: without the key the setting
counts for nothing. The app connects as a role that owns nothing and cannot bypass RLS
(app/tenancy/roles.py).
"""

from __future__ import annotations

from sqlalchemy import event

from .context import _scope

SETTING = "flagship.shop_id"
TOKEN_SETTING = "flagship.scope_token"
_CACHE_KEY = "flagship_rls_value"
_TRANSACTION_CONTROL = ("ROLLBACK", "RELEASE", "SAVEPOINT", "COMMIT", "BEGIN")


def scope_setting() -> str:
    scope = _scope.get()
    if scope.unscoped or scope.supplier_id is not None:  # a supplier's rows span shops; the ORM filters them
        return "all"
    return str(scope.shop_id) if scope.shop_id is not None else ""


def install_rls_session_setting(engine, key: str) -> None:
    """Keep the database's scope in step with the tenancy scope on every PostgreSQL
    statement. `key` is the app's RLS scope key (config RLS_SCOPE_KEY)."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "before_cursor_execute")
    def _apply_scope(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip()[:8].upper().startswith(_TRANSACTION_CONTROL):
            return  # may run in an aborted transaction, where nothing else is allowed
        wanted = scope_setting()
        if conn.info.get(_CACHE_KEY) != wanted:
            if wanted:  # a bound parameter: the key never shows in pg_stat_activity
                cursor.execute("SELECT flagship_enter_scope(%s, %s)", (key, wanted))
            else:
                cursor.execute("SELECT set_config(%s, '', true), set_config(%s, '', true)",
                               (SETTING, TOKEN_SETTING))
            conn.info[_CACHE_KEY] = wanted

    # A transaction-local setting ends with its transaction or savepoint: forget it then.
    def _forget(conn, *args):
        conn.info.pop(_CACHE_KEY, None)

    for name in ("begin", "commit", "rollback", "rollback_savepoint"):
        event.listen(engine, name, _forget)
