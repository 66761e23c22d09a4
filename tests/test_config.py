import pytest

from app.config import ConfigError, engine_options, load_config, normalise_database_url


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(environ={"FLAGSHIP_ENV": "production", "DATABASE_URL": "postgresql://x/y"})


def test_production_refuses_sqlite():
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_config(environ={"FLAGSHIP_ENV": "production", "SECRET_KEY": "s"})


def test_production_cookies_are_secure_host_prefixed():
    config = load_config(environ={"FLAGSHIP_ENV": "production", "SECRET_KEY": "s",
                                  "DATABASE_URL": "postgres://u@h/db",
                                  "MIGRATION_DATABASE_URL": "postgres://owner@h/db"})
    assert config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert config["MIGRATION_DATABASE_URI"] == "postgresql+psycopg://owner@h/db"


def test_embedded_defaults(tmp_path):
    config = load_config(environ={}, local_env=tmp_path / "absent.env")
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["JOBS_INLINE"] is True
    assert config["SERVER_NAME"] == "localhost:5000"
    assert load_config(environ={"PORT": "8000"})["SERVER_NAME"] == "localhost:8000"
    assert load_config(environ={"REDIS_URL": "redis://r:6379/0"})["JOBS_INLINE"] is False


def test_normalise_database_url():
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalise_database_url("postgresql://a@b/c") == "postgresql+psycopg://a@b/c"


def test_production_refuses_an_app_role_that_would_own_the_tables():
    with pytest.raises(ConfigError, match="MIGRATION_DATABASE_URL"):
        load_config(environ={"FLAGSHIP_ENV": "production", "SECRET_KEY": "s",
                             "DATABASE_URL": "postgres://app@h/db"})


def test_the_app_role_defaults_to_the_database_url_user():
    from app.tenancy.roles import app_role

    url = "postgresql+psycopg://web@db.example/flagship"
    assert app_role({"SQLALCHEMY_DATABASE_URI": url, "DATABASE_APP_ROLE": ""}) == "web"
    assert app_role({"SQLALCHEMY_DATABASE_URI": url, "DATABASE_APP_ROLE": "shop_app"}) == "shop_app"


def test_the_rls_scope_key_follows_secret_key_unless_set():
    key = load_config(environ={"SECRET_KEY": "a"})["RLS_SCOPE_KEY"]
    assert key == load_config({"SECRET_KEY": "a"}, environ={})["RLS_SCOPE_KEY"]
    assert key != load_config(environ={"SECRET_KEY": "b"})["RLS_SCOPE_KEY"]
    assert load_config(environ={"SECRET_KEY": "a", "RLS_SCOPE_KEY": "k"})["RLS_SCOPE_KEY"] == "k"
    # No SECRET_KEY (a random one per process): every process must still agree.
    assert load_config(environ={})["RLS_SCOPE_KEY"] == load_config(environ={})["RLS_SCOPE_KEY"]


def test_the_migration_url_must_name_the_apps_database():
    environ = {"DATABASE_URL": "postgres://app@h/db", "MIGRATION_DATABASE_URL": "postgres://owner@h/other"}
    with pytest.raises(ConfigError, match="same database"):
        load_config(environ=environ)
    with pytest.raises(ConfigError, match="same database"):  # an app on SQLite, an owner elsewhere
        load_config({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"}, environ=dict(environ, MIGRATION_DATABASE_URL="postgres://owner@h/db"))
    assert load_config(environ=dict(environ, MIGRATION_DATABASE_URL="postgres://owner:pw@h/db"))["MIGRATION_DATABASE_URI"]


def test_local_env_fills_in_for_the_embedded_default_only(tmp_path):
    """`make run` writes instance/local.env; production and the tests never read it."""
    local = tmp_path / "local.env"
    local.write_text("SECRET_KEY=from-the-file\nPAYOUT_MINIMUM=250\nFLAGSHIP_ENV=production\n")
    development = load_config(environ={}, local_env=local)
    assert development["SECRET_KEY"] == "from-the-file" and development["PAYOUT_MINIMUM"] == 250
    assert development["FLAGSHIP_ENV"] == "development"  # the file cannot switch the mode
    assert load_config(environ={"SECRET_KEY": "env"}, local_env=local)["SECRET_KEY"] == "env"
    testing = load_config({"TESTING": True}, environ={}, local_env=local)
    assert testing["SECRET_KEY"] != "from-the-file" and testing["PAYOUT_MINIMUM"] == 1000
    with pytest.raises(ConfigError, match="SECRET_KEY"):  # a stale file is no production secret
        load_config(environ={"FLAGSHIP_ENV": "production", "DATABASE_URL": "postgresql://x/y",
                             "MIGRATION_DATABASE_URL": "postgresql://o/y"}, local_env=local)


@pytest.mark.parametrize("name, value, kind", [("PAYOUT_MINIMUM", "ten", "whole number"),
                                               ("MAIL_PORT", "58 7", "whole number"),
                                               ("REDIS_SOCKET_TIMEOUT", "2s", "number")])
def test_a_bad_number_names_its_setting(tmp_path, name, value, kind):
    with pytest.raises(ConfigError, match=f"{name} must be a {kind}, not '{value}'"):
        load_config(environ={name: value}, local_env=tmp_path / "absent.env")



def test_postgresql_connections_never_prepare_statements():
    """A prepared statement may get a generic plan, blind to the shop row-level security
    asks for (a busy shop's orders page went from 20 ms to 150 ms after five requests)."""
    assert engine_options("postgresql://app@db/flagship")["connect_args"] == {"prepare_threshold": None}
    assert "connect_args" not in engine_options("sqlite:///flagship.sqlite3")
