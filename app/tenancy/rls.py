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

import re

from sqlalchemy import event

from .context import _scope

SETTING = "flagship.shop_id"
TOKEN_SETTING = "flagship.scope_token"
_CACHE_KEY = "flagship_rls_value"
SET_LOCAL_DONE = "flagship_rls_set_local"
_SCOPE = re.compile(r"^(all|[0-9]+)$")
_TOKEN = re.compile(r"^[0-9a-f]{64}$")
_TRANSACTION_CONTROL = ("ROLLBACK", "RELEASE", "SAVEPOINT", "COMMIT", "BEGIN")


def scope_setting() -> str:
    scope = _scope.get()
    if scope.unscoped or scope.supplier_id is not None:  # a supplier's rows span shops; the ORM filters them
        return "all"
    return str(scope.shop_id) if scope.shop_id is not None else ""


def install_rls_session_setting(engine, key: str, set_local: str = "auto") -> None:
    """Keep the database's scope in step with the tenancy scope on every PostgreSQL
    statement. `key` is the app's RLS scope key (config RLS_SCOPE_KEY). `set_local`
    (RLS_SET_LOCAL): also make the settings with `SET LOCAL`, the form Citus sends on to its
    worker nodes (set_config inside a function stays on the coordinator); "auto" does so
    where the citus extension is installed, checked once per engine."""
    if engine.dialect.name != "postgresql":
        return
    mode = {"auto": None, "1": True, "true": True, "0": False, "false": False}.get(str(set_local).lower())

    @event.listens_for(engine, "before_cursor_execute")
    def _apply_scope(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip()[:8].upper().startswith(_TRANSACTION_CONTROL):
            return  # may run in an aborted transaction, where nothing else is allowed
        wanted = scope_setting()
        if conn.info.get(_CACHE_KEY) != wanted:
            if wanted:  # a bound parameter: the key never shows in pg_stat_activity
                cursor.execute("SELECT flagship_enter_scope(%s, %s)", (key, wanted))
                token = cursor.fetchone()[0]
                if _use_set_local(cursor):
                    # SET takes no parameters; both values are checked: 'all' or digits, hex.
                    if not (_SCOPE.match(wanted) and _TOKEN.match(token or "")):
                        raise ValueError("unexpected tenancy scope or token")
                    cursor.execute(f"SET LOCAL {SETTING} = '{wanted}'; "
                                   f"SET LOCAL {TOKEN_SETTING} = '{token}'")
                    conn.info[SET_LOCAL_DONE] = wanted  # (for tests: which form was used)
            else:
                cursor.execute("SELECT set_config(%s, '', true), set_config(%s, '', true)",
                               (SETTING, TOKEN_SETTING))
            conn.info[_CACHE_KEY] = wanted

    citus: list[bool] = []  # [installed?], once per engine

    def _use_set_local(cursor) -> bool:
        if mode is not None:
            return mode
        if not citus:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
            citus.append(bool(cursor.fetchone()[0]))
        return citus[0]

    # A transaction-local setting ends with its transaction or savepoint: forget it then.
    def _forget(conn, *args):
        conn.info.pop(_CACHE_KEY, None)

    for name in ("begin", "commit", "rollback", "rollback_savepoint"):
        event.listen(engine, name, _forget)
