"""Settings, read once from the environment (12-factor) with embedded defaults.

A fresh machine needs nothing set: SQLite under instance/, jobs inline, e-mails to the
outbox. `make run` writes a random SECRET_KEY into instance/local.env (ignored by git);
production (FLAGSHIP_ENV=production) refuses to start without its secrets.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from dotenv import dotenv_values

BASE_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = BASE_DIR / "app" / "static"  # platform files, served on every host
INSTANCE_DIR = BASE_DIR / "instance"
LOCAL_ENV_FILE = INSTANCE_DIR / "local.env"


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names it."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _percent_bp(text: str, name: str) -> int:
    """ "5" or "2.5" (percent) -> basis points (500, 250)."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ConfigError(f"{name} must be a percentage such as 5 or 2.5, not {text!r}") from None
    basis_points = value * 100
    if not 0 <= basis_points <= 10_000 or basis_points != basis_points.to_integral_value():
        raise ConfigError(f"{name} must be between 0 and 100 with at most two decimals, not {text!r}")
    return int(basis_points)


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for any PostgreSQL URL (Heroku-style ones included)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_options(database_url: str) -> dict:
    options = {"pool_pre_ping": True}
    if database_url.startswith("postgres"):
        # No server-side prepared statements: psycopg prepares a query after its fifth run,
        # and PostgreSQL may then plan it once for any shop (a generic plan). Under row-level
        # security that plan cannot see which shop is asked for: a busy shop's orders page
        # went from 20 ms to 150 ms after five requests. (Also what a transaction pooler needs.)
        options["connect_args"] = {"prepare_threshold": None}
    return options


def _database_of(url: str) -> tuple:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.get_backend_name(), parsed.host, parsed.port, parsed.database


def _scope_key(secret_key: str) -> str:
    """The RLS scope key, derived from SECRET_KEY (web, worker and release share it). A
    development machine with no SECRET_KEY set gets a random one per process, so it uses a
    fixed key instead: its processes must agree, and production always has SECRET_KEY."""
    import hashlib
    import hmac

    return hmac.new((secret_key or "development").encode(), b"flagship.rls-scope-key",
                    hashlib.sha256).hexdigest()


def load_config(overrides: dict | None = None, environ: dict | None = None,
                local_env: Path = LOCAL_ENV_FILE) -> dict:
    """Build the Flask config mapping from the environment plus explicit overrides.

    `instance/local.env` (written by `make run`) fills in for the embedded default only:
    never in production (a stale file must not pass for its secrets) and never for tests
    (a machine where `make run` ran must test the same as a fresh one)."""
    environ = dict(environ if environ is not None else os.environ)
    overrides = overrides or {}
    env = {}
    development = (environ.get("FLAGSHIP_ENV") or "development") == "development"
    if development and not overrides.get("TESTING") and local_env.exists():
        env = {k: v for k, v in dotenv_values(local_env).items() if k != "FLAGSHIP_ENV"}
    env.update(environ)
    get = lambda key, default=None: env.get(key) or default  # noqa: E731

    def number(key: str, kind, default: str):
        text = get(key, default)
        try:
            return kind(text)
        except (TypeError, ValueError):
            raise ConfigError(f"{key} must be a {'whole ' if kind is int else ''}number, not {text!r}") from None

    flagship_env = get("FLAGSHIP_ENV", "development")
    production = flagship_env == "production"
    secret_key = get("SECRET_KEY")
    if not secret_key and "SECRET_KEY" not in overrides:
        if production:
            raise ConfigError("SECRET_KEY must be set when FLAGSHIP_ENV=production")
        secret_key = secrets.token_hex(32)  # sessions last until restart; `make run` persists one

    database_url = get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'flagship.sqlite3'}")
    if production and database_url.startswith("sqlite") and not _bool(get("ALLOW_SQLITE"), False):
        raise ConfigError("DATABASE_URL must point at PostgreSQL when FLAGSHIP_ENV=production")
    migration_url = get("MIGRATION_DATABASE_URL", "")
    if production and database_url.startswith("postgres") and not migration_url:
        # The app's role must own nothing: injected SQL could otherwise switch RLS off.
        raise ConfigError("MIGRATION_DATABASE_URL (the schema owner) must be set when FLAGSHIP_ENV="
                          "production; DATABASE_URL is the app's role, which owns nothing")
    redis_url = get("REDIS_URL", "")
    stripe_key = get("STRIPE_SECRET_KEY", "")
    if production and stripe_key and not get("STRIPE_WEBHOOK_SECRET"):
        raise ConfigError("STRIPE_WEBHOOK_SECRET must be set with STRIPE_SECRET_KEY in production")

    config = {
        "FLAGSHIP_ENV": flagship_env,
        "SECRET_KEY": secret_key,
        "SERVER_NAME": get("SERVER_NAME", f"localhost:{get('PORT', '5000')}"),
        "PREFERRED_URL_SCHEME": get("PREFERRED_URL_SCHEME", "https" if production else "http"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        # PostgreSQL: `flask db upgrade` connects as the owner, then grants the app's role
        # (DATABASE_APP_ROLE, else DATABASE_URL's user) its rights (app/tenancy/roles.py).
        "MIGRATION_DATABASE_URI": normalise_database_url(migration_url),
        "DATABASE_APP_ROLE": get("DATABASE_APP_ROLE", ""),
        # Proves to the database that a tenancy scope was set by the app, not by injected SQL.
        "RLS_SCOPE_KEY": get("RLS_SCOPE_KEY", ""),
        # Make the row-level-security settings with SET LOCAL too (what Citus propagates to
        # its workers): "auto" where the citus extension is installed, "1" always, "0" never.
        "RLS_SET_LOCAL": get("RLS_SET_LOCAL", "auto"),
        "REDIS_URL": redis_url,
        # Seconds: a web request never hangs on a stalled Redis (its jobs wait in the outbox).
        "REDIS_CONNECT_TIMEOUT": number("REDIS_CONNECT_TIMEOUT", float, "1"),
        "REDIS_SOCKET_TIMEOUT": number("REDIS_SOCKET_TIMEOUT", float, "2"),
        # Platform session: host-only (no SESSION_COOKIE_DOMAIN), so shop subdomains never get it.
        "SESSION_COOKIE_NAME": "__Host-flagship" if production else "flagship",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # "Keep me logged in": host-only like the session, 30 days at most (the login token
        # inside expires then too, see app/accounts/sessions.py), never sent cross-site.
        "REMEMBER_COOKIE_NAME": "__Host-remember" if production else "flagship_remember",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        # How long the link in the "confirm your e-mail address" message works.
        "VERIFY_EMAIL_MAX_AGE": number("VERIFY_EMAIL_MAX_AGE", int, str(3 * 24 * 3600)),
        "STOREFRONT_COOKIE_NAME": "__Host-cart" if production else "flagship_cart",
        "MAX_CONTENT_LENGTH": number("MAX_CONTENT_LENGTH", int, str(16 * 1024 * 1024)),
        "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session
        # Storefront pages for visitors without cookies, kept per shop until it changes
        # (app/storefront/page_cache.py); 0 turns the cache off.
        "PAGE_CACHE_SECONDS": number("PAGE_CACHE_SECONDS", int, "60"),
        "PAGE_CACHE_ENTRIES": number("PAGE_CACHE_ENTRIES", int, "1000"),  # ~20-60 KB each
        # Answers kept under the same generations (app/remembered.py): a shop's theme state is
        # under 10 KB, its menu and owner check much less (a shop takes three or four).
        "REMEMBERED_ENTRIES": number("REMEMBERED_ENTRIES", int, "4000"),
        # Responses compressed (Flask-Compress: zstd, br or gzip, as the browser accepts).
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/javascript", "application/javascript",
                               "application/json", "image/svg+xml", "application/xml", "text/plain",
                               "text/csv"],
        "COMPRESS_REGISTER": _bool(get("COMPRESS_RESPONSES"), True),
        "RATELIMIT_ENABLED": _bool(get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": get("RATELIMIT_STORAGE_URI", redis_url or "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis away: limits go on in this process's memory (logged), logins keep working.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        "AUTH_RATE_LIMIT": get("AUTH_RATE_LIMIT", "10 per minute;50 per hour"),
        "VERIFY_RESEND_RATE_LIMIT": get("VERIFY_RESEND_RATE_LIMIT", "3 per hour"),
        # Checkouts (orders placed, per shop): from one address, and for one shopper e-mail.
        "CHECKOUT_RATE_LIMIT": get("CHECKOUT_RATE_LIMIT", "5 per minute;20 per hour"),
        "CHECKOUT_EMAIL_RATE_LIMIT": get("CHECKOUT_EMAIL_RATE_LIMIT", "3 per 10 minutes;10 per day"),
        # Messages through storefronts' contact forms, per client address, all shops together.
        "CONTACT_RATE_LIMIT": get("CONTACT_RATE_LIMIT", "3 per 10 minutes;10 per day"),
        # A pay-on-delivery order held for confirmation is cancelled after this many hours.
        "COD_CONFIRM_HOURS": number("COD_CONFIRM_HOURS", int, "48"),
        "MAIL_SERVER": get("MAIL_SERVER", ""),
        "MAIL_PORT": number("MAIL_PORT", int, "587"),
        "MAIL_USERNAME": get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool(get("MAIL_USE_TLS"), True),
        "MAIL_FROM": get("MAIL_FROM", "Flagship <no-reply@flagship.localhost>"),
        "DEFAULT_CURRENCY": get("DEFAULT_CURRENCY", "USD"),
        "CATALOG_PAGE_SIZE": number("CATALOG_PAGE_SIZE", int, "24"),
        # An orders CSV of more orders than this is made by a job and e-mailed as a link.
        "ORDERS_CSV_INLINE_MOST": number("ORDERS_CSV_INLINE_MOST", int, "5000"),
        "FEEDS_DIR": get("FEEDS_DIR", str(INSTANCE_DIR / "feeds")),
        # A running sync beats its heartbeat this often (seconds), and is taken for dead
        # (swept, so "Sync now" can start another) after this long without a beat.
        "SYNC_HEARTBEAT_SECONDS": number("SYNC_HEARTBEAT_SECONDS", float, "15"),
        "SYNC_ABANDONED_SECONDS": number("SYNC_ABANDONED_SECONDS", float, "90"),
        "THEMES_DIR": get("THEMES_DIR", str(BASE_DIR / "themes")),
        # Uploaded shop images (logos, banners), re-encoded; served with the type we wrote.
        "MEDIA_ROOT": get("MEDIA_ROOT", str(INSTANCE_DIR / "media")),
        "MEDIA_MAX_UPLOAD_BYTES": number("MEDIA_MAX_UPLOAD_BYTES", int, str(8 * 1024 * 1024)),
        # Custom domains: the DNS target owners point a CNAME at ("" = the shop's own
        # platform host name), and where the ownership check connects ("" = the domain).
        "CUSTOM_DOMAIN_TARGET": get("CUSTOM_DOMAIN_TARGET", ""),
        "DOMAIN_CHECK_CONNECT": get("DOMAIN_CHECK_CONNECT", ""),
        "DOMAIN_CHECK_TIMEOUT": number("DOMAIN_CHECK_TIMEOUT", float, "10"),
        # Outbound requests to URLs users give (webhooks, feeds) reach public addresses only;
        # these host:port pairs may be private (a local receiver: tests, a developer's machine).
        "OUTBOUND_ALLOW": get("OUTBOUND_ALLOW", ""),
        "THEME_PREVIEW_MAX_AGE": number("THEME_PREVIEW_MAX_AGE", int, str(2 * 3600)),
        "JOBS_INLINE": not redis_url,
        # Jobs inline (no worker): requests also run outbox jobs left behind, this often.
        "OUTBOX_INLINE_SWEEP_SECONDS": number("OUTBOX_INLINE_SWEEP_SECONDS", int, "30"),
        # Payments. No STRIPE_SECRET_KEY: pay on delivery only, and nothing else changes.
        "STRIPE_SECRET_KEY": stripe_key,
        "STRIPE_WEBHOOK_SECRET": get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_WEBHOOK_TOLERANCE": number("STRIPE_WEBHOOK_TOLERANCE", int, "300"),
        "STRIPE_API_BASE": get("STRIPE_API_BASE", ""),  # tests: the local fake of Stripe's API
        "STRIPE_NETWORK_RETRIES": number("STRIPE_NETWORK_RETRIES", int, "2"),
        "STRIPE_CONNECT_COUNTRY": get("STRIPE_CONNECT_COUNTRY", "US"),
        "CHECKOUT_SESSION_MINUTES": number("CHECKOUT_SESSION_MINUTES", int, "30"),
        # A group buy whose deadline is nearer than this authorises cards, capturing them when
        # the group fills; a longer wait charges at once and refunds a failed group (Stripe
        # keeps an authorisation 7 days; the margin is for the capture).
        "CARD_AUTHORISATION_HOURS": number("CARD_AUTHORISATION_HOURS", int, "144"),
        # Days a shopper has to pay a pre-sale's balance once it goes ahead (then the order is
        # cancelled and the deposit refunded).
        "PRESALE_BALANCE_DAYS": number("PRESALE_BALANCE_DAYS", int, "3"),
        "PLATFORM_FEE_BP": _percent_bp(get("PLATFORM_FEE_PERCENT", "5"), "PLATFORM_FEE_PERCENT"),
        "LEDGER_HOLD_DAYS": number("LEDGER_HOLD_DAYS", int, "7"),
        # A promoter's commission is booked this long after the order was delivered (shipped,
        # or collected at its pickup point): the time to arrive plus the refund window.
        "COMMISSION_HOLD_DAYS": number("COMMISSION_HOLD_DAYS", int, "14"),
        "PAYOUT_MINIMUM": number("PAYOUT_MINIMUM", int, "1000"),
        "PAYOUT_EVERY_HOURS": number("PAYOUT_EVERY_HOURS", int, "24"),
        # Waits between the tries of a failed transfer, in seconds (then it shows as failed).
        "PAYOUT_RETRY_SECONDS": [int(part) for part in
                                 get("PAYOUT_RETRY_SECONDS", "60,300,1800,7200").split(",") if part.strip()],
    }
    config.update(overrides)
    if config["MIGRATION_DATABASE_URI"] and (
            _database_of(config["MIGRATION_DATABASE_URI"]) != _database_of(config["SQLALCHEMY_DATABASE_URI"])):
        raise ConfigError("MIGRATION_DATABASE_URL must name the same database as DATABASE_URL "
                          "(only the user differs: the owner, and the app's role)")
    if not config["RLS_SCOPE_KEY"]:
        configured = bool(get("SECRET_KEY")) or "SECRET_KEY" in overrides
        config["RLS_SCOPE_KEY"] = _scope_key(config["SECRET_KEY"] if configured else "")
    if config["REDIS_URL"] and "JOBS_INLINE" not in overrides:
        config["JOBS_INLINE"] = False
    return config
