"""The guard in front of a migration downgrade that would drop money records.

A downgrade that drops the ledger, payouts, payments, refunds, orders or purchase orders
destroys the record of who paid, who is owed and who was paid, and an upgrade afterwards
brings back empty tables, not the money. So each such downgrade() starts with
`refuse_to_drop_money(...)`, naming the money tables it drops: while any of them holds
rows it raises, before any DDL, and (the whole migration run being one transaction, see
migrations/env.py) nothing is changed. Forcing it is a deliberate act:
`flask db downgrade -x force=1 REVISION`.
"""

from __future__ import annotations

from alembic import context, op
from sqlalchemy import text

# What counts as a money record, for the revisions that drop one. Their downgrade() names
# the ones it drops; a new revision that creates such a table guards its downgrade too.
MONEY_TABLES = (
    "orders", "order_lines",                    # what shoppers bought, at what price
    "payments", "refunds",                      # money in, and back out to shoppers
    "ledger_entries", "ledger_releases",        # who is owed what, and from when
    "payouts", "payout_runs",                   # money out to shops and suppliers
    "purchase_orders", "purchase_order_lines",  # what suppliers are owed wholesale for
    "commissions",                              # what promoters earned
    "discount_uses",                            # what discount codes took off orders
)


class DestructiveDowngradeRefused(RuntimeError):
    """A downgrade would drop money records; nothing was changed.

    A RuntimeError so that `flask db` prints the message and exits 1 without a traceback."""


def forced() -> bool:
    """True when the downgrade was run with `-x force=1`."""
    value = context.get_x_argument(as_dictionary=True).get("force", "")
    return value.strip().lower() in {"1", "true", "yes"}


def refuse_to_drop_money(*tables: str) -> None:
    """Raise DestructiveDowngradeRefused if any of `tables` holds rows, unless forced."""
    unknown = set(tables) - set(MONEY_TABLES)
    if unknown:
        raise ValueError(f"not money tables: {sorted(unknown)}; add them to MONEY_TABLES first")
    if forced():
        return
    if context.is_offline_mode():
        raise DestructiveDowngradeRefused(
            f"Refusing to write the downgrade SQL: it drops the money tables "
            f"{', '.join(tables)}, and with --sql their rows cannot be counted. "
            f"Add -x force=1 to write it anyway.")
    counts = _row_counts(tables)
    holding = [f"{table} ({count} rows)" for table, count in counts.items() if count]
    if holding:
        raise DestructiveDowngradeRefused(
            f"Refusing to downgrade: it would drop money records: {', '.join(holding)}. "
            f"Nothing was changed. Back up the database first; to drop them anyway, run "
            f"`flask db downgrade -x force=1 {_target()}`.")


def _row_counts(tables) -> dict[str, int]:
    """Every row, whatever the row-level security: a tenant table's policy is FORCEd, so it
    binds the owner running the migration too, and the app's scope functions may already be
    gone at this point of a downgrade. The owner lifts FORCE for the count, inside the
    migration's own transaction (so it is back however the run ends)."""
    bind = op.get_bind()
    counts = {}
    for table in tables:
        forced = bind.dialect.name == "postgresql" and bind.execute(text(
            "SELECT relforcerowsecurity FROM pg_class WHERE oid = to_regclass(:table)"),
            {"table": table}).scalar()
        if forced:
            bind.execute(text(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY"))
        counts[table] = bind.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        if forced:
            bind.execute(text(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY"))
    return counts


def _target() -> str:
    """The revision the downgrade was asked for ('base', '-1', a revision id)."""
    target = context.get_revision_argument()
    if target is None:
        return "base"  # how Alembic hands over 'base'
    return target if isinstance(target, str) else "REVISION"
