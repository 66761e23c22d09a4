"""PostgreSQL roles: the owner runs the migrations, the app's role owns nothing.

`flask db upgrade` connects as MIGRATION_DATABASE_URL (the owner) when it is set, and at
the end of every run (migrations/env.py calls `after_migrations`, in the same
transaction) it:

- stores the hash of the app's RLS scope key, so `flagship_enter_scope` accepts the app's
  scopes (see the migration `signed_rls_scope`); the previous hash stays valid for
  processes still running with it;
- gives the app's role (DATABASE_APP_ROLE, else DATABASE_URL's user) exactly SELECT,
  INSERT, UPDATE and DELETE on every table and USAGE, SELECT on every sequence, and
  nothing else: no TRUNCATE, no ownership, nothing on `alembic_version`. Tables a later
  migration adds get the same on the next upgrade, so there is one place for grants.

It refuses (and so fails the release) an app role that is a superuser, bypasses RLS, is a
member of the owner or may create objects in the schema: any of those could switch
row-level security off or plant its own objects. With a single
URL (a development machine), the owner is the app and only the key is stored.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.engine import make_url

PRIVATE_SCHEMA = "flagship_private"
TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_RIGHTS = "USAGE, SELECT"
NOT_FOR_THE_APP = ("alembic_version",)


class RoleError(RuntimeError):
    """The app's database role could bypass row-level security."""


def app_role(config) -> str:
    """The role the web and worker processes connect as."""
    return config.get("DATABASE_APP_ROLE") or make_url(config["SQLALCHEMY_DATABASE_URI"]).username or ""


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def after_migrations(connection, config) -> None:
    """Store the scope key's hash and grant the app's role its rights (PostgreSQL only)."""
    if connection.dialect.name != "postgresql":
        return
    _store_scope_key(connection, config["RLS_SCOPE_KEY"])
    role = app_role(config)
    owner = connection.execute(text("SELECT current_user")).scalar()
    if role and role != owner:
        grant_app_role(connection, role)


def _store_scope_key(connection, key: str) -> None:
    exists = connection.execute(text("SELECT to_regclass(:t)"), {"t": f"{PRIVATE_SCHEMA}.rls_keys"}).scalar()
    if exists is None:
        return  # migrated down below the signed scope
    connection.execute(text(f"""
        UPDATE {PRIVATE_SCHEMA}.rls_keys
        SET previous_key_hash = CASE WHEN key_hash = :h THEN previous_key_hash ELSE key_hash END,
            key_hash = :h
        WHERE id = 1"""), {"h": key_hash(key)})


def grant_app_role(connection, role: str) -> None:
    """Exactly the app's rights on every table and sequence, whatever it had before."""
    found = connection.execute(text(
        "SELECT rolsuper, rolbypassrls, pg_has_role(:r, current_user, 'MEMBER') FROM pg_roles WHERE rolname = :r"
    ), {"r": role}).first()
    if found is None:
        raise RoleError(f"the app's database role {role!r} does not exist (see README: two roles)")
    superuser, bypasses_rls, member_of_owner = found
    if superuser or bypasses_rls or member_of_owner:
        raise RoleError(f"the app's database role {role!r} must not be a superuser, bypass RLS "
                        "or be a member of the owner: it could switch row-level security off")
    if connection.execute(text("SELECT has_schema_privilege(:r, 'public', 'CREATE')"), {"r": role}).scalar():
        raise RoleError(f"the app's database role {role!r} may create objects in schema public: "
                        "REVOKE CREATE ON SCHEMA public FROM PUBLIC (the default before PostgreSQL 15)")
    name = connection.dialect.identifier_preparer.quote(role)
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {name}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {name}",
        f"GRANT {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA public TO {name}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {name}",
        f"GRANT {SEQUENCE_RIGHTS} ON ALL SEQUENCES IN SCHEMA public TO {name}",
    ):
        connection.execute(text(statement))
    for table in NOT_FOR_THE_APP:
        if connection.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is not None:
            connection.execute(text(f"REVOKE ALL ON {table} FROM {name}"))
