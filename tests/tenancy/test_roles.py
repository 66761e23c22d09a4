"""The app's database role owns nothing and cannot widen its own row-level-security scope.

Each attack is what injected SQL could try as the app's role (the suite runs as that role,
with the rights `flask db upgrade` gave it: app/tenancy/roles.py); each must be refused.
"""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.tenancy import unscoped, use_shop
from app.tenancy.roles import RoleError, grant_app_role

INSUFFICIENT_PRIVILEGE = "42501"

ATTACKS = {
    "disable RLS": "ALTER TABLE orders DISABLE ROW LEVEL SECURITY",
    "unforce RLS": "ALTER TABLE ledger_entries NO FORCE ROW LEVEL SECURITY",
    "drop a policy": "DROP POLICY shop_isolation ON outbound_emails",
    "drop the ledger trigger": "DROP TRIGGER ledger_entries_append_only ON ledger_entries",
    "disable the ledger trigger": "ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only",
    "replace the trigger function": (
        "CREATE OR REPLACE FUNCTION ledger_entries_append_only() RETURNS trigger AS "
        "$$ BEGIN RETURN OLD; END $$ LANGUAGE plpgsql"),
    "truncate the ledger": "TRUNCATE ledger_entries",
    "drop a table": "DROP TABLE webhook_deliveries",
    "alter a table": "ALTER TABLE orders ADD COLUMN note text",
    "create a table": "CREATE TABLE public.stolen (x int)",
    "rewrite the migration state": "UPDATE alembic_version SET version_num = 'none'",
    "read the scope secret": "SELECT token_secret FROM flagship_private.rls_keys",
    "mint a scope token": "SELECT flagship_private.scope_token('all')",
    "reset a sequence": "SELECT setval('orders_id_seq', 1)",
}

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("statement", list(ATTACKS.values()), ids=list(ATTACKS))
def test_the_app_role_is_refused(statement):
    with pytest.raises(DBAPIError) as refused, db.session.begin_nested():
        db.session.execute(text(statement))
    assert refused.value.orig.sqlstate == INSUFFICIENT_PRIVILEGE, refused.value


def test_the_app_role_owns_nothing_and_bypasses_nothing():
    row = db.session.execute(text(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user")).one()
    assert not any(row)
    owned = db.session.execute(text(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user")).scalar()
    assert owned == 0


def test_a_bare_setting_of_all_opens_nothing(shop_a, shop_b):
    db.session.flush()
    with use_shop(shop_a.shop.id):
        db.session.execute(text("SELECT set_config('flagship.shop_id', 'all', true)"))
        assert db.session.execute(text("SELECT shop_id FROM listings")).all() == []
        db.session.execute(text("SELECT set_config('flagship.shop_id', :b, true)"), {"b": str(shop_b.shop.id)})
        assert db.session.execute(text("SELECT shop_id FROM listings")).all() == []


def test_a_wrong_key_is_refused():
    with pytest.raises(DBAPIError) as refused, db.session.begin_nested():
        db.session.execute(text("SELECT flagship_enter_scope('guessed', 'all')"))
    assert refused.value.orig.sqlstate == INSUFFICIENT_PRIVILEGE


@pytest.mark.committed
def test_a_token_read_in_one_transaction_is_useless_in_the_next(shop_a, shop_b):
    db.session.commit()
    with unscoped(), db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(DISTINCT shop_id) FROM listings")).scalar() == 2
        token = connection.execute(text("SELECT current_setting('flagship.scope_token')")).scalar()
    with db.engine.connect() as connection:  # no scope: what injected SQL would start from
        connection.execute(text("SELECT set_config('flagship.shop_id', 'all', true), "
                                "set_config('flagship.scope_token', :t, true)"), {"t": token})
        assert connection.execute(text("SELECT count(*) FROM listings")).scalar() == 0


def test_the_release_refuses_an_app_role_that_could_bypass_rls():
    connection = db.session.connection()
    superuser = connection.execute(text("SELECT rolname FROM pg_roles WHERE rolsuper LIMIT 1")).scalar()
    with pytest.raises(RoleError, match="superuser"):
        grant_app_role(connection, superuser)
    with pytest.raises(RoleError, match="does not exist"):
        grant_app_role(connection, "flagship_no_such_role")

