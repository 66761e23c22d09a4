"""The migrations: they build the schema the models describe, and they go down again on a
populated database without losing a row by accident.

A downgrade that would drop money records refuses while those tables hold rows (and changes
nothing); forced with `-x force=1` it goes down to base and back up to head. Each populated
case runs on its own database built from the demo data (orders, purchase orders, ledger).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from app.db_types import autogenerate_filter
from app.downgrade_guard import DestructiveDowngradeRefused
from app.extensions import db
from tests import conftest

THEMES_REVISION = "70bcb382b037"  # the one before "043830648188" (ledger, payments, payouts)


# The supplier portal's queue index is on an expression, and PostgreSQL's only: alembic
# compares it there, and says on SQLite that it cannot (it is not created there).
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_models_and_migrations_agree(app):
    # The session's database was built by `flask db upgrade` (see conftest), not create_all.
    connection = db.session.connection()
    context = MigrationContext.configure(connection, opts={
        "compare_type": True, "include_object": autogenerate_filter(connection.dialect.name)})
    diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from migrations; run `flask db migrate`: {diff}"


def test_no_table_indexes_the_same_unique_key_twice(app):
    # Each would be one more identical B-tree written on every insert (PostgreSQL had 23:
    # the tenant tables' (shop_id, id) primary keys and unique keys, migration c2e4a6b8d0f1).
    inspector = inspect(db.session.connection())
    repeated = {}
    for table in inspector.get_table_names():
        keys = [tuple(inspector.get_pk_constraint(table)["constrained_columns"])]
        keys += [tuple(c["column_names"]) for c in inspector.get_unique_constraints(table)]
        keys += [tuple(i["column_names"]) for i in inspector.get_indexes(table)
                 if i["unique"] and not i.get("duplicates_constraint")  # (a constraint's own index)
                 and not i.get("dialect_options", {}).get("postgresql_where")]
        twice = {key for key in keys if keys.count(key) > 1}
        if twice:
            repeated[table] = sorted(twice)
    assert repeated == {}
    if db.engine.dialect.name == "sqlite":  # where `id` alone is the primary key
        assert ("shop_id", "id") in [tuple(c["column_names"]) for c in inspector.get_unique_constraints("orders")]


def _keys(inspector, table: str) -> list[tuple[str, tuple[str, ...], bool]]:
    """(name, columns, unique) of the table's primary key, unique keys and B-tree indexes (a
    partial index or another kind, such as a trigram index, answers other questions)."""
    keys = [("primary key", tuple(inspector.get_pk_constraint(table)["constrained_columns"]), True)]
    keys += [(c["name"], tuple(c["column_names"]), True) for c in inspector.get_unique_constraints(table)]
    for index in inspector.get_indexes(table):
        options = index.get("dialect_options", {})
        if options.get("postgresql_where") or options.get("postgresql_using", "btree") != "btree":
            continue
        keys.append((index["name"], tuple(index["column_names"]), bool(index["unique"])))
    return keys


def test_no_index_is_covered_by_a_longer_key(app):
    # A B-tree on (a, b) answers lookups on a: an index on a beside it is only ever written
    # (PostgreSQL had 33, among them every tenant table's shop_id: migration a8c0e2f4b6d8).
    inspector = inspect(db.session.connection())
    covered = {}
    for table in inspector.get_table_names():
        keys = _keys(inspector, table)
        for name, columns, unique in keys:
            if unique:
                continue  # a unique key says something, even when a longer key covers its columns
            longer = [other for other, theirs, _ in keys if len(theirs) > len(columns) and theirs[:len(columns)] == columns]
            if longer:
                covered[f"{table}.{name}"] = longer
    assert covered == {}


def test_every_tenant_table_has_a_key_leading_with_shop_id(app):
    # Every tenant query (and row-level security) filters on shop_id: without such a key, a
    # shop's rows would be found by reading every shop's.
    from app.tenancy.context import TenantMixin

    inspector = inspect(db.session.connection())
    tenant = sorted(m.local_table.name for m in db.Model.registry.mappers if issubclass(m.class_, TenantMixin))
    assert len(tenant) >= 30
    unled = [table for table in tenant if not any(cols[:1] == ("shop_id",) for _, cols, _ in _keys(inspector, table))]
    assert unled == []


# -- helpers ---------------------------------------------------------------------------------

def _app(url: str):
    return create_app(conftest.test_config(url))


def _populate(app) -> None:
    from app.demo import load_demo

    with app.app_context():
        upgrade()
        assert load_demo() is True
        db.session.commit()
        db.engine.dispose()


def _downgrade(app, target: str, force: bool = False) -> None:
    with app.app_context():
        try:
            config = app.extensions["migrate"].migrate.get_config(x_arg=["force=1"] if force else None)
            command.downgrade(config, target)
        finally:
            db.engine.dispose()


def _flask_db(app, *args: str):
    """Run `flask db ARGS` as an operator would; returns the click result."""
    with app.app_context():  # else the CLI would use the test session's app (already current)
        try:
            return app.test_cli_runner().invoke(args=["db", *args])
        finally:
            db.engine.dispose()


def _referral_entries(url: str) -> int:
    """Ledger entries of promoters' commissions and pickup points' fees (read as the owner)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM ledger_entries WHERE payee_type IN "
                                     "('promoter', 'pickup_point') OR kind IN ('commission', 'pickup_fee')")).scalar_one()
    finally:
        engine.dispose()


def _snapshot(url: str) -> dict:
    """Every table's row count, and the schema version (read as the owner, around RLS)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    return {"version": version, "rows": counts}


def _head(app) -> str:
    with app.app_context():
        return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config()).get_current_head()


def _assert_demo_money(snapshot: dict) -> None:
    rows = snapshot["rows"]
    assert rows["ledger_entries"] > 0 and rows["orders"] > 0 and rows["purchase_orders"] > 0, rows


# -- SQLite ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def populated_sqlite(tmp_path_factory) -> str:
    """A SQLite file at head holding the demo data; each test works on its own copy."""
    path = tmp_path_factory.mktemp("populated") / "demo.sqlite3"
    _populate(_app(f"sqlite:///{path}"))
    return str(path)


@pytest.fixture
def sqlite_copy(populated_sqlite, tmp_path) -> str:
    path = tmp_path / "copy.sqlite3"
    shutil.copy(populated_sqlite, path)
    return f"sqlite:///{path}"


def test_downgrade_to_base_refuses_while_the_ledger_holds_rows_and_changes_nothing(sqlite_copy):
    app = _app(sqlite_copy)
    before = _snapshot(sqlite_copy)
    _assert_demo_money(before)

    with pytest.raises(DestructiveDowngradeRefused) as refused:
        _downgrade(app, "base")

    message = str(refused.value)
    # The newest revision holding money refuses first (the demo's promoters' commissions).
    assert f"commissions ({before['rows']['commissions']} rows)" in message
    assert "flask db downgrade -x force=1 base" in message
    assert _snapshot(sqlite_copy) == before

    # The operator's command fails the same way (exit 1), and still nothing changes.
    result = _flask_db(app, "downgrade", "base")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exc_info
    assert _snapshot(sqlite_copy) == before


def test_forced_downgrade_goes_to_base_and_upgrades_back_to_head(sqlite_copy):
    app = _app(sqlite_copy)
    _assert_demo_money(_snapshot(sqlite_copy))

    result = _flask_db(app, "downgrade", "-x", "force=1", "base")
    assert result.exit_code == 0, result.output
    assert _snapshot(sqlite_copy) == {"version": None, "rows": {"alembic_version": 0}}

    assert _flask_db(app, "upgrade").exit_code == 0
    after = _snapshot(sqlite_copy)
    assert after["version"] == _head(app)
    assert after["rows"]["ledger_entries"] == 0
    with app.app_context():
        # The app's pooled connection enforces foreign keys again after migrating.
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()
        db.engine.dispose()


def test_a_one_step_downgrade_keeps_the_rows_of_every_table_it_keeps(sqlite_copy):
    # Dropping a column of `shops` recreates the table on SQLite; with foreign keys
    # enforced, that DROP cascaded to every shop's orders, listings and purchase orders.
    app = _app(sqlite_copy)
    before = _snapshot(sqlite_copy)

    _downgrade(app, THEMES_REVISION, force=True)

    after = _snapshot(sqlite_copy)
    assert after["version"] == THEMES_REVISION
    dropped = {"ledger_entries", "ledger_releases", "payouts", "payout_runs", "payout_accounts",
               "payments", "refunds", "stripe_events", "outbox_jobs", "order_numbers", "deals",
               "deal_rounds", "deal_events", "production_orders", "pickup_points", "weekly_deals",
               "promoters", "referral_bindings", "commissions", "shop_pages", "listing_media",
               "discount_codes", "discount_uses", "shipping_zones", "analytics_days", "analytics_day_counts",
               "analytics_marks", "exchange_rates", "order_exports"}
    assert after["rows"] == {t: n for t, n in before["rows"].items() if t not in dropped}

    with app.app_context():
        upgrade()
        db.engine.dispose()
    back = _snapshot(sqlite_copy)
    assert back["version"] == _head(app)
    assert {t: back["rows"][t] for t in after["rows"] if t != "alembic_version"} == \
        {t: n for t, n in after["rows"].items() if t != "alembic_version"}


def test_a_downgrade_refuses_while_an_order_holds_a_discount_codes_use(sqlite_copy):
    # Dropping the discounts' tables and columns would lose what orders were given off.
    from sqlalchemy import select

    from app.orders.cart import build_cart, line_key
    from app.orders.quotes import quote_order
    from app.orders.services import place_order
    from app.shops.models import Shop
    from app.shops.services import shop_listings
    from app.tenancy import unscoped, use_shop
    from tests.factories import CUSTOMER

    app = _app(sqlite_copy)
    with app.app_context():
        with unscoped():
            shop = db.session.scalar(select(Shop).where(Shop.subdomain == "nora"))
        with use_shop(shop.id):
            carts = [build_cart({line_key(listing.id, listing.supply_product.variants[0].id): 1}, shop.currency)
                     for listing in shop_listings(visible_only=True)]
            cart = next(cart for cart in carts if quote_order(shop, cart, code="READER10").discount_total)
            place_order(shop, cart, CUSTOMER, discount_code="READER10")
        db.session.commit()
        db.engine.dispose()
    before = _snapshot(sqlite_copy)

    with pytest.raises(DestructiveDowngradeRefused, match=r"discount_uses \(1 rows\)"):
        _downgrade(app, "f6d8a0c2e4b6")
    assert _snapshot(sqlite_copy) == before


def test_a_migration_that_leaves_a_row_pointing_nowhere_is_rolled_back(sqlite_copy):
    # Foreign keys are off while migrating (batch mode needs it), so they are checked by
    # hand before the commit.
    path = make_url(sqlite_copy).database
    with sqlite3.connect(path) as conn:  # enforcement is off on a plain connection
        conn.execute("UPDATE order_lines SET order_id = 999999 WHERE id = (SELECT min(id) FROM order_lines)")
    before = _snapshot(sqlite_copy)

    with pytest.raises(RuntimeError, match="foreign key"):
        _downgrade(_app(sqlite_copy), THEMES_REVISION, force=True)

    assert _snapshot(sqlite_copy) == before


# -- PostgreSQL ------------------------------------------------------------------------------

@pytest.fixture
def fresh_postgres():
    """A database of its own, owned by an ordinary role (as in production, where the release
    step migrates as the app's owner role and the forced row-level security binds it)."""
    # A role that may create roles and databases: CI names its superuser's URL (its app and
    # owner roles may not); by hand, DATABASE_URL is usually the superuser already.
    admin_url = make_url(os.environ.get("FLAGSHIP_TEST_PG_ADMIN_URL") or conftest.DATABASE_URL
                         ).set(drivername="postgresql+psycopg")
    name = f"flagship_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {name} LOGIN NOSUPERUSER NOBYPASSRLS"))
        conn.execute(text(f"CREATE DATABASE {name} OWNER {name}"))
    try:
        yield {"owner": admin_url.set(database=name, username=name, password=None).render_as_string(False),
               "admin": admin_url.set(database=name).render_as_string(False)}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"DROP ROLE IF EXISTS {name}"))
        admin.dispose()


@pytest.mark.postgres
def test_postgres_downgrade_refuses_with_money_then_forced_round_trip(fresh_postgres):
    app = _app(fresh_postgres["owner"])
    _populate(app)
    before = _snapshot(fresh_postgres["admin"])
    _assert_demo_money(before)

    with pytest.raises(DestructiveDowngradeRefused, match=rf"commissions \({before['rows']['commissions']} rows\)"):
        _downgrade(app, "base")
    assert _snapshot(fresh_postgres["admin"]) == before

    # Without the ledger, the next money tables in the way are tenant tables: their
    # row-level security must not hide the rows from the count.
    _downgrade(app, THEMES_REVISION, force=True)
    middle = _snapshot(fresh_postgres["admin"])
    assert middle["version"] == THEMES_REVISION and "ledger_entries" not in middle["rows"]
    purchase_orders = middle["rows"]["purchase_orders"]
    with pytest.raises(DestructiveDowngradeRefused, match=rf"purchase_orders \({purchase_orders} rows\)"):
        _downgrade(app, "base")
    assert _snapshot(fresh_postgres["admin"]) == middle

    _downgrade(app, "base", force=True)
    assert _snapshot(fresh_postgres["admin"]) == {"version": None, "rows": {"alembic_version": 0}}

    with app.app_context():
        upgrade()
        db.engine.dispose()
    after = _snapshot(fresh_postgres["admin"])
    assert after["version"] == _head(app)
    assert set(after["rows"]) == set(before["rows"])
    assert not any(n for t, n in after["rows"].items() if t != "alembic_version")


# The tables of migrations above the composite keys' (dropped on the way down, empty again after).
DEAL_TABLES = ("deals", "deal_rounds", "deal_events", "production_orders", "pickup_points", "weekly_deals",
               "promoters", "referral_bindings", "commissions", "shop_pages", "listing_media", "discount_codes",
               "discount_uses", "shipping_zones", "analytics_days", "analytics_day_counts", "analytics_marks",
               "exchange_rates", "order_exports")


@pytest.mark.postgres
def test_postgres_composite_keys_on_a_populated_database(fresh_postgres):
    """The migration to Citus-ready keys, down and up again on the demo data: no row lost,
    (shop_id, id) primary keys, and every order number in the platform-wide lookup."""
    app = _app(fresh_postgres["owner"])
    _populate(app)
    before = _snapshot(fresh_postgres["admin"])
    referral_money = _referral_entries(fresh_postgres["admin"])
    with pytest.raises(DestructiveDowngradeRefused, match=r"commissions \(\d+ rows\)"):
        _downgrade(app, "6a2c4e8f1b37")
    _downgrade(app, "6a2c4e8f1b37", force=True)
    down = _snapshot(fresh_postgres["admin"])
    # Down to it, the deals' migration (above it) drops the demo's group buy with its tables,
    # and the referrals' drops the promoters' and pickup points' ledger entries (forced).
    gone = ("alembic_version", "order_numbers", *DEAL_TABLES)
    assert not set(gone[1:]) & set(down["rows"])
    expected = {t: n for t, n in before["rows"].items() if t not in gone}
    expected["ledger_entries"] -= referral_money
    assert referral_money and {t: n for t, n in down["rows"].items() if t != "alembic_version"} == expected
    primary_key = ("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = 'orders'::regclass AND contype = 'p'")
    engine = create_engine(fresh_postgres["admin"])
    try:
        with engine.connect() as conn:
            assert conn.execute(text(primary_key)).scalar() == "PRIMARY KEY (id)"
        with app.app_context():
            upgrade()
            db.engine.dispose()
        with engine.connect() as conn:
            assert conn.execute(text(primary_key)).scalar() == "PRIMARY KEY (shop_id, id)"
            assert conn.execute(text(
                "SELECT count(*) FROM orders o JOIN order_numbers n ON n.number = o.number "
                "AND n.shop_id = o.shop_id AND n.order_id = o.id")).scalar() == before["rows"]["orders"]
    finally:
        engine.dispose()
    after = _snapshot(fresh_postgres["admin"])["rows"]
    assert {t: n for t, n in after.items() if t not in gone} == \
        {t: n for t, n in expected.items() if t not in DEAL_TABLES}
    assert (after["alembic_version"], after["order_numbers"]) == (1, before["rows"]["order_numbers"])
    assert [after[t] for t in DEAL_TABLES] == [0] * len(DEAL_TABLES)
