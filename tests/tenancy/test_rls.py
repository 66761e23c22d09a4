"""PostgreSQL row-level security: raw SQL that bypasses the ORM guard still stays in its shop."""

import pytest
from sqlalchemy import text

from app.extensions import db
from app.tenancy import unscoped, use_shop

pytestmark = pytest.mark.postgres


def test_app_role_is_not_a_superuser():
    is_super = db.session.execute(text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")).scalar()
    assert is_super is False


def test_raw_sql_sees_only_the_current_shop(shop_a, shop_b):
    db.session.flush()
    with use_shop(shop_a.shop.id):
        shops = set(db.session.execute(text("SELECT shop_id FROM listings")).scalars())
    assert shops == {shop_a.shop.id}


def test_raw_sql_without_scope_sees_nothing(shop_a):
    db.session.flush()
    assert db.session.execute(text("SELECT count(*) FROM listings")).scalar() == 0
    with unscoped():
        assert db.session.execute(text("SELECT count(*) FROM listings")).scalar() == len(shop_a.listings)


def test_raw_sql_cannot_write_into_another_shop(shop_a, shop_b):
    from sqlalchemy.exc import ProgrammingError

    db.session.flush()
    with use_shop(shop_a.shop.id):
        changed = db.session.execute(
            text("UPDATE listings SET title = 'pwned' WHERE shop_id = :b"), {"b": shop_b.shop.id}
        ).rowcount
        assert changed == 0
        with pytest.raises(ProgrammingError), db.session.begin_nested():  # WITH CHECK refuses it
            db.session.execute(text(
                "INSERT INTO collections (shop_id, handle, title, description, position, created_at)"
                " VALUES (:b, 'x', 'x', '', 0, now())"), {"b": shop_b.shop.id})


def test_scope_change_inside_one_transaction(shop_a, shop_b):
    db.session.flush()
    for fixture in (shop_a, shop_b, shop_a):
        with use_shop(fixture.shop.id):
            assert set(db.session.execute(text("SELECT shop_id FROM listings")).scalars()) == {fixture.shop.id}


def test_every_tenant_table_has_forced_row_level_security():
    from app.tenancy.context import _tenant_models

    tables = set(_tenant_models())
    assert len(tables) > 10
    rows = db.session.execute(text(
        "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(:t)"
    ), {"t": list(tables)}).all()
    assert {name for name, *_ in rows} == tables
    assert all(enabled and forced for _, enabled, forced in rows), rows


def test_raw_sql_on_the_theme_tables_stays_in_its_shop(shop_a, shop_b):
    from app.shops import theme_services as themes

    for fixture in (shop_a, shop_b):
        with use_shop(fixture.shop.id):
            themes.save_draft_settings("default", {"accent_color": "#123456"})
            db.session.execute(text(
                "INSERT INTO newsletter_subscribers (shop_id, email, created_at) VALUES (:s, 'a@example.com', now())"),
                {"s": fixture.shop.id})
    db.session.flush()
    with use_shop(shop_a.shop.id):
        for table in ("theme_configs", "newsletter_subscribers"):
            assert set(db.session.execute(text(f"SELECT shop_id FROM {table}")).scalars()) == {shop_a.shop.id}
    assert db.session.execute(text("SELECT count(*) FROM theme_configs")).scalar() == 0


def _platform_rows(catalog, shop_ids):
    """One outbox e-mail, ledger entry and webhook delivery per shop id (None: no shop)."""
    from app.catalog.portal_models import WebhookDelivery
    from app.ledger.models import LedgerEntry
    from app.notifications.models import OutboundEmail

    with unscoped():
        for n, shop_id in enumerate(shop_ids):
            db.session.add_all([
                OutboundEmail(dedupe_key=f"rls-test:{n}", shop_id=shop_id, to_address="shopper@example.com",
                              subject="Your order", body_text="Ship to 1 Main St"),
                LedgerEntry(entry_key=f"rls-test:{n}", kind="sale", payee_type="supplier",
                            payee_id=catalog.supplier.id, amount=100, currency="USD", shop_id=shop_id),
                WebhookDelivery(supplier_id=catalog.supplier.id, purchase_order_id=1000 + n, shop_id=shop_id,
                                url="https://example.com/hook", payload='{"ship_to": "1 Main St"}'),
            ])
        db.session.flush()


PLATFORM_TABLES = ("outbound_emails", "ledger_entries", "webhook_deliveries")


@pytest.mark.parametrize("table", PLATFORM_TABLES)
def test_raw_sql_on_shop_data_in_platform_tables_stays_in_its_shop(table, catalog, shop_a, shop_b):
    _platform_rows(catalog, [shop_a.shop.id, shop_b.shop.id, None])
    with use_shop(shop_a.shop.id):
        assert set(db.session.execute(text(f"SELECT shop_id FROM {table}")).scalars()) == {shop_a.shop.id}
        changed = db.session.execute(text(f"UPDATE {table} SET shop_id = :a WHERE shop_id IS NULL OR shop_id = :b"),
                                     {"a": shop_a.shop.id, "b": shop_b.shop.id}).rowcount
        assert changed == 0
    assert db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0  # no scope: nothing
    with unscoped():  # platform-wide: every shop's rows and the rows of no shop
        assert set(db.session.execute(text(f"SELECT shop_id FROM {table}")).scalars()) == {
            shop_a.shop.id, shop_b.shop.id, None}


def test_a_shop_cannot_write_platform_rows_for_another_shop(catalog, shop_a, shop_b):
    from sqlalchemy.exc import ProgrammingError

    with use_shop(shop_a.shop.id):
        for shop_id in (shop_b.shop.id, None):
            with pytest.raises(ProgrammingError), db.session.begin_nested():  # WITH CHECK refuses it
                db.session.execute(text(
                    "INSERT INTO outbound_emails (dedupe_key, shop_id, to_address, subject, body_text, body_html,"
                    " status, error, created_at) VALUES ('x', :s, 'a@example.com', 's', 'b', '', 'outbox', '', now())"),
                    {"s": shop_id})


def test_platform_tables_have_forced_row_level_security():
    rows = db.session.execute(text(
        "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = ANY(:t)"
    ), {"t": list(PLATFORM_TABLES)}).all()
    assert dict(rows) == dict.fromkeys(PLATFORM_TABLES, True)


def test_every_policy_asks_for_the_all_scope_as_one_boolean():
    """The planner guesses a boolean it cannot know at a half, but each comparison of an
    unknown value at 0.5 %: asked as `(SELECT flagship_scope()) IN ('all', shop_id::text)`,
    it believed a shop's policy leaves 1 % of that shop's rows, and read and sorted a whole
    50,000-order shop for 200 of its paid orders (143 ms, not 6.6; bench/README.md)."""
    policies = db.session.execute(text(
        "SELECT tablename, qual, with_check FROM pg_policies WHERE policyname = 'shop_isolation'")).all()
    assert len(policies) > 10
    for table, qual, check in policies:
        assert qual == check == ("(( SELECT (flagship_scope() = 'all'::text)) OR ((shop_id)::text = "
                                 "( SELECT flagship_scope() AS flagship_scope)))"), table


def test_the_scope_check_is_planned_once_per_connection():
    """Every policy asks `flagship_scope()` twice for each table a statement reads. As SQL
    functions that cannot be inlined (SECURITY DEFINER, a pinned search_path) it and
    `scope_token` were parsed and planned again in every statement: about 43 us a call,
    most of the database's time for a page's small reads (bench/rls_scope.py). PL/pgSQL
    keeps their plans for the connection's life."""
    languages = dict(db.session.execute(text(
        "SELECT p.proname, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
        "WHERE p.proname IN ('flagship_scope', 'scope_token', 'flagship_enter_scope')")).all())
    assert languages == dict.fromkeys(("flagship_scope", "scope_token", "flagship_enter_scope"), "plpgsql")

