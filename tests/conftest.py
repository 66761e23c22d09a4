"""Test set-up: one app and database per session, each test in a transaction rolled back.

The database is built by running the migrations (so they are tested on every run). With
DATABASE_URL set (CI's second run) the tests use PostgreSQL; otherwise a SQLite file.
Two shops exist in every tenant test, so a leak between tenants shows up.
"""

from __future__ import annotations

import functools
import os
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests import factories, markup_checks

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
PLATFORM = "flagship.test"


def pytest_configure(config):
    if os.environ.get("FLAGSHIP_REQUIRE_POSTGRES") and not DATABASE_URL.startswith("postgres"):
        raise pytest.UsageError("FLAGSHIP_REQUIRE_POSTGRES is set but DATABASE_URL is not PostgreSQL")


def pytest_collection_modifyitems(config, items):
    on_postgres = DATABASE_URL.startswith("postgres")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (CI's second run)"))
        if "redis" in item.keywords and not REDIS_URL:
            if os.environ.get("FLAGSHIP_REQUIRE_REDIS"):
                raise pytest.UsageError("FLAGSHIP_REQUIRE_REDIS is set but REDIS_URL is not")
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL (CI's second run)"))


def _scratch_dir(name: str) -> str:
    import tempfile

    return tempfile.mkdtemp(prefix=f"flagship-test-{name}-")


def test_config(database_url: str, **extra) -> dict:
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MIGRATION_DATABASE_URI": "",  # never CI's owner URL for an app on another database
        "SECRET_KEY": "test-secret-key",
        "SERVER_NAME": PLATFORM,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,  # on, but generous; tests/accounts tighten it
        "AUTH_RATE_LIMIT": "10000 per minute",
        "CHECKOUT_RATE_LIMIT": "10000 per minute",
        "CHECKOUT_EMAIL_RATE_LIMIT": "10000 per minute",
        "CONTACT_RATE_LIMIT": "10000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "PAGE_CACHE_SECONDS": 0,  # on in tests/storefront/test_page_cache.py only
        "REDIS_URL": "",
        "JOBS_INLINE": True,
        "OUTBOX_INLINE_SWEEP_SECONDS": 0,  # no sweep at a random moment of a test
        "MAIL_SERVER": "",
        "TESTING": True,
        # Never the checkout's instance/feeds: uploaded feeds (the demo's too) go to a temp dir.
        "FEEDS_DIR": _scratch_dir("feeds"),
        # Nor its instance/media: uploads and share pictures a test makes go to a temp dir too.
        "MEDIA_ROOT": _scratch_dir("media"),
    }
    config.update(extra)
    return config


APP_ROLE = "flagship_app"  # the app's role when only DATABASE_URL (a superuser's) is given
MIGRATION_DATABASE_URL = os.environ.get("MIGRATION_DATABASE_URL", "")
# One scope key for the test app and the real workers it starts (their SECRET_KEY differs).
os.environ.setdefault("RLS_SCOPE_KEY", "flagship-tests-rls-scope-key")


@pytest.fixture(scope="session")
def owner_database_url(tmp_path_factory) -> str:
    """The URL migrations run with (the schema owner): MIGRATION_DATABASE_URL, as in
    production, else DATABASE_URL's user."""
    if DATABASE_URL:
        from app.config import normalise_database_url

        return normalise_database_url(MIGRATION_DATABASE_URL or DATABASE_URL)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def database_url(owner_database_url) -> str:
    """The URL the app uses. On PostgreSQL a role that owns nothing, never a superuser, so
    the row-level-security policies apply to the whole test suite as they do in production:
    DATABASE_URL when MIGRATION_DATABASE_URL is set (CI), else DATABASE_URL as APP_ROLE."""
    if not owner_database_url.startswith("postgresql"):
        return owner_database_url
    from sqlalchemy.engine import make_url

    from app.config import normalise_database_url

    if MIGRATION_DATABASE_URL:
        return normalise_database_url(DATABASE_URL)
    return make_url(owner_database_url).set(username=APP_ROLE, password=None).render_as_string(
        hide_password=False)


def _create_app_role(owner_database_url) -> None:
    """Only the role: its rights come from `flask db upgrade` (app/tenancy/roles.py)."""
    from sqlalchemy import create_engine, exc, pool

    engine = create_engine(owner_database_url, poolclass=pool.NullPool)
    exists = text("SELECT 1 FROM pg_roles WHERE rolname = :r")
    try:
        with engine.begin() as connection:
            if not connection.execute(exists, {"r": APP_ROLE}).scalar():
                connection.execute(text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"))
    except exc.DBAPIError:
        with engine.connect() as connection:  # another test session created it just now?
            if not connection.execute(exists, {"r": APP_ROLE}).scalar():
                raise
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def app(owner_database_url, database_url):
    """Migrated as the product does it: `flask db upgrade` connects as the owner and grants
    the app's role its rights; the app then runs as that role."""
    postgres = owner_database_url.startswith("postgresql")
    if postgres and not MIGRATION_DATABASE_URL:
        _create_app_role(owner_database_url)
    app = create_app(test_config(database_url, MIGRATION_DATABASE_URI=owner_database_url if postgres else ""))
    markup_checks.install(app)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return app


@pytest.fixture(autouse=True)
def _transaction(request, app, owner_database_url):
    """Run the test inside one outer transaction, rolled back at the end.

    Tests marked `committed` (real concurrency, a real worker) commit for real instead and
    have every table emptied afterwards.
    """
    with app.app_context():
        if request.node.get_closest_marker("committed"):
            try:
                yield
            finally:
                db.session.remove()
                _empty_all_tables(owner_database_url)
            return
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        try:
            yield
        finally:
            db.session.remove()
            engines[None] = engine
            outer.rollback()
            connection.close()


def _empty_all_tables(owner_database_url: str) -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    engine = _owner_engine(owner_database_url) if owner_database_url.startswith("postgresql") else db.engine
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # as the owner: the app's role may not TRUNCATE
            conn.execute(text("TRUNCATE " + ", ".join(t.name for t in tables) + " CASCADE"))
        else:
            # The ledger's append-only triggers refuse DELETE: lift them for the clean-up.
            triggers = conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
            for name, _sql in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            for table in tables:
                conn.execute(table.delete())
            for _name, sql in triggers:
                conn.execute(text(sql))


@functools.cache
def _owner_engine(url: str):
    from sqlalchemy import create_engine, pool

    return create_engine(url, poolclass=pool.NullPool)


LATE_WEBHOOKS: list = []  # Stripe events to deliver once the current request is over


class HostClient:
    """A test client pinned to one host (the platform, or a shop's storefront)."""

    def __init__(self, app, host: str):
        self.app = app
        self.flask_client = app.test_client()
        self.host = host

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", f"http://{self.host}")
        # The test's rows are flushed into the shared test transaction, then the request
        # runs in an app context of its own, hence its own session (as in production): its
        # commit or rollback touches only its own savepoint, never the test's objects.
        # Read what a request changed by querying again (db.session.expire_all() first).
        db.session.flush()
        with self.app.app_context():
            response = self.flask_client.open(*args, **kwargs)
        while LATE_WEBHOOKS:
            client, payload, headers = LATE_WEBHOOKS.pop(0)
            client.post("/webhooks/stripe", data=payload, headers=headers)
        return response

    def get(self, *args, **kwargs):
        return self.open(*args, method="GET", **kwargs)

    def post(self, *args, **kwargs):
        return self.open(*args, method="POST", **kwargs)

    def get_cookie(self, name):
        return self.flask_client.get_cookie(name, domain=self.host.split(":")[0])


@pytest.fixture
def client(app):
    """A client on the platform host."""
    return HostClient(app, PLATFORM)


@pytest.fixture
def storefront(app):
    """storefront(shop) -> a client whose requests go to that shop's host."""

    def make(shop_or_host):
        host = shop_or_host if isinstance(shop_or_host, str) else f"{shop_or_host.subdomain}.{PLATFORM}"
        return HostClient(app, host)

    return make


@pytest.fixture
def login(client):
    def do_login(user, password=factories.PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.data
        return client

    return do_login


@pytest.fixture
def catalog():
    """A supplier with an apparel product (two variants) and a snack (one variant)."""
    return factories.make_catalog()


@pytest.fixture
def shop_a(catalog):
    return factories.make_shop_with_listings("alpha", catalog)


@pytest.fixture
def shop_b(catalog):
    return factories.make_shop_with_listings("bravo", catalog)


@pytest.fixture(scope="session")
def stripe_server():
    """The local fake of Stripe's HTTP API (tests/fakes/stripe/), for the session."""
    from tests.fakes.stripe import FakeStripe

    with FakeStripe(webhook_secret=STRIPE_WEBHOOK_SECRET) as fake:
        yield fake


STRIPE_WEBHOOK_SECRET = "whsec_flagship_tests"


@pytest.fixture
def fake_stripe(app, stripe_server, monkeypatch):
    """Card payments on, against the fake; its webhooks go to the platform's endpoint."""
    stripe_server.reset()
    for key, value in {"STRIPE_SECRET_KEY": "sk_test_flagship_fake", "STRIPE_API_BASE": stripe_server.url,
                       "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET, "STRIPE_NETWORK_RETRIES": 0}.items():
        monkeypatch.setitem(app.config, key, value)
    app.extensions.pop("stripe_client", None)
    webhooks = HostClient(app, PLATFORM)

    def deliver(payload, headers):
        if threading.current_thread() is not threading.main_thread():
            # Sent while the app waits on its own API call (the fake answers from its own
            # thread): in production it would be a separate request on a separate database
            # connection, so deliver it after the request that caused it (HostClient.open).
            LATE_WEBHOOKS.append((webhooks, payload, dict(headers)))
            return 200
        return webhooks.post("/webhooks/stripe", data=payload, headers=dict(headers)).status_code

    stripe_server.webhook_url = deliver
    yield stripe_server
    LATE_WEBHOOKS.clear()
    app.extensions.pop("stripe_client", None)
    assert not stripe_server.errors, stripe_server.errors


@pytest.fixture
def fake_dns(monkeypatch):
    """DNS for the custom-domain checks. By default every name's CNAME points at the shop
    that checks it (set up right); put ("CNAME", host) or ("TXT", name) keys in the returned
    dict to say otherwise (None: no such record)."""
    from app.shops import domains
    from app.shops.models import Shop
    from app.tenancy import current_shop_id

    records: dict = {}

    def cname(hostname):
        if ("CNAME", hostname) in records:
            return records[("CNAME", hostname)]
        return domains.dns_target(db.session.get(Shop, current_shop_id()))

    monkeypatch.setattr(domains, "lookup_cname", cname)
    monkeypatch.setattr(domains, "lookup_txt", lambda name: records.get(("TXT", name), []))
    return records


@pytest.fixture
def redis_proxy(app, monkeypatch):
    """The app's jobs go to Redis through a TCP proxy of the test's own (tests/fakes/
    tcp_proxy.py), refusing connections to start with: `restore()` passes them on to the real
    Redis (CI's second run), `stall()` hangs them. The shared Redis is never stopped."""
    from urllib.parse import urlparse

    from tests.fakes.tcp_proxy import TcpProxy

    real = urlparse(REDIS_URL or "redis://127.0.0.1:6379/0")
    with TcpProxy(real.hostname or "127.0.0.1", real.port or 6379) as proxy:
        proxy.refuse()
        monkeypatch.setitem(app.config, "REDIS_URL", proxy.url(real.path or "/0"))
        monkeypatch.setitem(app.config, "JOBS_INLINE", False)
        yield proxy
