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
    from app.tenancy.context import _tenant_tables

    rows = db.session.execute(text(
        "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(:t)"
    ), {"t": list(_tenant_tables())}).all()
    assert {name for name, *_ in rows} == _tenant_tables()
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
