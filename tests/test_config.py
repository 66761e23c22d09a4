import pytest

from app.config import ConfigError, load_config, normalise_database_url


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(environ={"FLAGSHIP_ENV": "production", "DATABASE_URL": "postgresql://x/y"})


def test_production_refuses_sqlite():
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_config(environ={"FLAGSHIP_ENV": "production", "SECRET_KEY": "s"})


def test_production_cookies_are_secure_host_prefixed():
    config = load_config(environ={"FLAGSHIP_ENV": "production", "SECRET_KEY": "s",
                                  "DATABASE_URL": "postgres://u@h/db"})
    assert config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_embedded_defaults():
    config = load_config(environ={})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["JOBS_INLINE"] is True
    assert config["SERVER_NAME"] == "localhost:5000"
    assert load_config(environ={"PORT": "8000"})["SERVER_NAME"] == "localhost:8000"
    assert load_config(environ={"REDIS_URL": "redis://r:6379/0"})["JOBS_INLINE"] is False


def test_normalise_database_url():
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalise_database_url("postgresql://a@b/c") == "postgresql+psycopg://a@b/c"
