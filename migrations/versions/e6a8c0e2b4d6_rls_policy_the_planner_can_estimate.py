"""row-level security that the planner can estimate: the "all" scope asked as one boolean

Revision ID: e6a8c0e2b4d6
Revises: d4f6a8c0e2b4
Create Date: 2026-12-06 17:00:00.000000

Every tenant policy read `(SELECT flagship_scope()) IN ('all', shop_id::text)`: two
comparisons of a value the planner does not know, which it guesses at 0.5 % each. So it
believed a shop's policy leaves 1 % of the rows its query already limits to that shop: 478
of a 50,000-order shop's orders. With that belief, 200 orders newest first, paid only, were
read from the whole shop and sorted (143 ms) instead of walked in the (shop_id, status,
placed_at) index (6.6 ms). Asked as one boolean, `(SELECT flagship_scope() = 'all')`, the
"all" branch is guessed at a half, so the policy at about 50 %: off by two, not by a hundred.

Which rows each scope sees is unchanged: "all" sees every row; a verified shop its own rows
(a NULL shop_id none); no verified scope nothing, and WITH CHECK refuses its writes. The
scope is still one evaluation per statement (each sub-select is an InitPlan), then a compare
per row.
"""
from alembic import op

revision = 'e6a8c0e2b4d6'
down_revision = 'd4f6a8c0e2b4'
branch_labels = None
depends_on = None

POLICY = "(SELECT flagship_scope() = 'all') OR shop_id::text = (SELECT flagship_scope())"
OLD_POLICY = "(SELECT flagship_scope()) IN ('all', shop_id::text)"


def _tables() -> list[str]:
    """Every table with the shop_isolation policy (tenant tables and the platform's shared ones)."""
    return [name for (name,) in op.get_bind().exec_driver_sql(
        "SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = 'shop_isolation' "
        "ORDER BY tablename")]


def _use(policy: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no row-level security
    for table in _tables():
        op.execute(f"ALTER POLICY shop_isolation ON {table} USING ({policy}) WITH CHECK ({policy})")


def upgrade():
    _use(POLICY)


def downgrade():
    _use(OLD_POLICY)
