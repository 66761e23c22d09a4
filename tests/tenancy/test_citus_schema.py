"""The schema follows Citus's rules for the multi-tenant model (app/tenancy/schema.py): each
table is placed, distributed tables carry shop_id in every key, and `flask citus distribute`
plans the placement. Checked on plain PostgreSQL from the catalog, in CI's second run."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from app.extensions import db
from app.tenancy import unscoped, use_shop
from app.tenancy.citus import plan
from app.tenancy.context import _tenant_models
from app.tenancy.rls import SET_LOCAL_DONE, install_rls_session_setting
from app.tenancy.schema import DISTRIBUTED, LOCAL, REFERENCE, placement


def test_every_table_is_placed_once():
    tables = set(db.metadata.tables)
    placed = [*DISTRIBUTED, *REFERENCE, *LOCAL]
    assert len(placed) == len(set(placed))
    assert set(placed) == tables, "place a new table in app/tenancy/schema.py"
    # Every shop-scoped model is distributed, but for custom domains (a hostname is unique
    # across the platform, so they are a reference table).
    assert set(_tenant_models()) - {"shop_domains"} == set(DISTRIBUTED)
    with pytest.raises(KeyError, match="not placed"):
        placement("new_table")


def test_the_plan_places_reference_tables_first_and_colocates_the_rest():
    steps = plan({})
    assert [t for t, _ in steps] == [*REFERENCE, *DISTRIBUTED]
    assert steps[len(REFERENCE)][1] == ("SELECT create_distributed_table('listings', 'shop_id', "
                                        "colocate_with => 'none')")
    assert all("colocate_with => 'listings'" in sql for _, sql in steps[len(REFERENCE) + 1:])
    # Run again on a cluster where some are placed: only the rest.
    done = {"users": "reference", "listings": "distributed"}
    assert {t for t, _ in plan(done)} == set(REFERENCE + DISTRIBUTED) - set(done)


def test_the_command_prints_the_plan_and_changes_nothing_without_citus(app):
    result = app.test_cli_runner().invoke(args=["citus", "distribute", "--dry-run"])
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert result.exit_code != 0 and "needs PostgreSQL" in result.output
        return
    assert result.exit_code == 0, result.output
    assert "create_distributed_table('orders', 'shop_id'" in result.output
    assert "Dry run: nothing changed." in result.output


# -- PostgreSQL's catalog ------------------------------------------------------------------

CONSTRAINTS = """
    SELECT c.conrelid::regclass::text AS tbl, c.conname, c.contype,
           c.confrelid::regclass::text AS target,
           ARRAY(SELECT a.attname::text FROM unnest(c.conkey) k JOIN pg_attribute a
                 ON a.attrelid = c.conrelid AND a.attnum = k ORDER BY a.attname) AS cols,
           ARRAY(SELECT a.attname::text FROM unnest(c.confkey) k JOIN pg_attribute a
                 ON a.attrelid = c.confrelid AND a.attnum = k ORDER BY a.attname) AS target_cols
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f')
"""
UNIQUE_INDEXES = """
    SELECT t.relname, i.relname, ARRAY(SELECT a.attname::text FROM unnest(x.indkey) k
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k) AS cols
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = 'public' AND x.indisunique
"""


@pytest.mark.postgres
def test_distributed_tables_carry_shop_id_in_every_key():
    rows = db.session.execute(text(CONSTRAINTS)).mappings().all()
    assert len(rows) > 50
    keys = [r for r in rows if r["tbl"] in DISTRIBUTED and r["contype"] in ("p", "u")]
    assert {r["tbl"] for r in keys if r["contype"] == "p"} == set(DISTRIBUTED)
    assert [r["conname"] for r in keys if "shop_id" not in r["cols"]] == []
    indexes = db.session.execute(text(UNIQUE_INDEXES)).all()
    assert [name for table, name, cols in indexes if table in DISTRIBUTED and "shop_id" not in cols] == []


@pytest.mark.postgres
def test_foreign_keys_follow_the_placement():
    rows = db.session.execute(text(CONSTRAINTS)).mappings().all()
    fks = [r for r in rows if r["contype"] == "f"]
    between_shards = [r for r in fks if r["tbl"] in DISTRIBUTED and r["target"] in DISTRIBUTED]
    assert between_shards, "the orders' lines point at their orders"
    assert [r["conname"] for r in between_shards
            if "shop_id" not in r["cols"] or "shop_id" not in r["target_cols"]] == []
    # A reference table is on every node: it cannot point at a sharded or a local table.
    assert [r["conname"] for r in fks if r["tbl"] in REFERENCE and r["target"] not in REFERENCE] == []
    assert [r["conname"] for r in fks if r["tbl"] in LOCAL and r["target"] in DISTRIBUTED] == []


@pytest.mark.postgres
def test_only_local_tables_have_an_empty_shop_id():
    nullable = db.session.execute(text(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND column_name = 'shop_id' AND is_nullable = 'YES'")).scalars().all()
    assert nullable and set(nullable) <= set(LOCAL)


@pytest.mark.postgres
def test_the_set_local_form_of_the_scope_is_verified_like_set_config(app, database_url):
    """RLS_SET_LOCAL=1 (what Citus needs): the scope and its token are made with SET LOCAL;
    the database still accepts only a token the keyed function issued."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    install_rls_session_setting(engine, app.config["RLS_SCOPE_KEY"], "1")
    try:
        with engine.connect() as connection:
            with use_shop(7):
                assert connection.execute(text("SELECT flagship_scope()")).scalar() == "7"
            assert connection.info[SET_LOCAL_DONE] == "7"
            connection.rollback()
            with unscoped():
                assert connection.execute(text("SELECT flagship_scope()")).scalar() == "all"
            connection.rollback()
            # A forged setting without the keyed token counts for nothing.
            connection.execute(text("SET LOCAL flagship.shop_id = 'all'"))
            assert connection.execute(text("SELECT flagship_scope()")).scalar() is None
    finally:
        engine.dispose()
