"""`flask citus distribute [--dry-run]`: make the reference and distributed tables on a
Citus cluster, idempotently (a table already placed is left alone).

Run it once after `flask db upgrade` on the coordinator, as the schema owner
(MIGRATION_DATABASE_URL). Without the citus extension, or with --dry-run, it prints the
plan and changes nothing.
"""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import create_engine, text

from .schema import DISTRIBUTED, DISTRIBUTION_COLUMN, LOCAL, REFERENCE


def plan(placed: dict[str, str]) -> list[tuple[str, str]]:
    """(table, SQL) still to run, given {table: 'reference' | 'distributed'} already placed.
    Reference tables first (distributed ones point at them), then the distributed ones,
    co-located with the first."""
    steps = [(t, f"SELECT create_reference_table('{t}')") for t in REFERENCE if t not in placed]
    anchor = DISTRIBUTED[0]
    for table in DISTRIBUTED:
        if table in placed:
            continue
        colocate = "none" if table == anchor else anchor
        steps.append((table, f"SELECT create_distributed_table('{table}', '{DISTRIBUTION_COLUMN}', "  # not translated: SQL
                             f"colocate_with => '{colocate}')"))
    return steps


def _placed(connection) -> dict[str, str]:
    rows = connection.execute(text(
        "SELECT logicalrelid::regclass::text, partmethod FROM pg_dist_partition")).all()
    return {name: "reference" if method == "n" else "distributed" for name, method in rows}


def register(app) -> None:
    @app.cli.group("citus")
    def citus() -> None:
        """Scale out on Citus (multi-tenant: tenant tables distributed by shop_id)."""

    @citus.command("distribute")
    @click.option("--dry-run", is_flag=True, help="print the plan, change nothing")
    def distribute(dry_run: bool) -> None:
        """Make the reference and distributed tables (safe to run again)."""
        url = current_app.config["MIGRATION_DATABASE_URI"] or current_app.config["SQLALCHEMY_DATABASE_URI"]
        if not url.startswith("postgresql"):
            raise click.ClickException("Citus needs PostgreSQL: DATABASE_URL is not a PostgreSQL database.")
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                has_citus = connection.execute(text(
                    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")).scalar()
                placed = _placed(connection) if has_citus else {}
                steps = plan(placed)
                click.echo(f"Reference tables: {', '.join(REFERENCE)}")
                click.echo(f"Distributed by {DISTRIBUTION_COLUMN}, co-located: {', '.join(DISTRIBUTED)}")
                click.echo(f"On the coordinator only: {', '.join(LOCAL)}")
                if not steps:
                    click.echo("Every table is already placed: nothing to do.")
                    return
                for _table, sql in steps:
                    click.echo(f"  {sql};")
                if dry_run or not has_citus:
                    click.echo("Dry run: nothing changed." if dry_run else
                               "The citus extension is not installed here (CREATE EXTENSION citus): "
                               "nothing changed.")
                    return
                # Placing a table with row-level security or triggers: Citus asks for this.
                connection.execute(text("SET LOCAL citus.enable_unsafe_triggers = on"))
                for _table, sql in steps:
                    connection.execute(text(sql))
                click.echo(f"Placed {len(steps)} table(s).")
        finally:
            engine.dispose()
