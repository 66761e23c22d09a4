"""Flagship: a multi-tenant store builder on one shared supply platform."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from flask import flash, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError

from .access_log import install_log_redaction
from .config import BASE_DIR, load_config
from .extensions import compress, csrf, db, limiter, login_manager, migrate
from .sites import FlagshipFlask, SiteSessionInterface

BLUEPRINTS = (
    "app.platform.views:bp",
    "app.accounts.views:bp",
    "app.dashboard.views:bp",
    "app.admin.views:bp",
    "app.supplier.views:bp",
    "app.payments.webhooks:bp",
    "app.storefront.views:bp",
)


def create_app(config: dict | None = None) -> FlagshipFlask:
    """Application factory: config -> extensions -> blueprints -> error pages -> CLI."""
    settings = load_config(config)
    app = FlagshipFlask(
        __name__, host_matching=True, static_folder=None,
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.update(settings)
    app.session_interface = SiteSessionInterface()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_redaction(app.logger)  # no private-link tokens in request logs

    _load_themes(app)
    _install_request_hooks(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_error_pages(app)

    from .cli import register_cli

    register_cli(app)
    return app


def _load_themes(app: FlagshipFlask) -> None:
    """Validate every theme package now: a bad theme stops the start with a message naming
    the file and the field, instead of failing in front of a shopper."""
    from pathlib import Path

    from .themes.packages import load_themes

    app.extensions["themes"] = load_themes(Path(app.config["THEMES_DIR"]))


def _install_request_hooks(app: FlagshipFlask) -> None:
    """Before the extensions, so malformed input is refused ahead of the CSRF check."""
    from . import request_guards, security_headers

    request_guards.install(app)
    security_headers.install(app)


def _init_extensions(app: FlagshipFlask) -> None:
    from sqlalchemy.orm import configure_mappers

    from . import models  # noqa: F401 - every model registered before migrations look
    from .config import engine_options
    from .deals.services import subscribe_to_payments
    from .jobs.outbox import install_outbox_hooks, relay_committed, sweep_inline_now_and_then
    from .ledger.services import install_ledger_guard
    from .referrals.services import subscribe as subscribe_referrals
    from .tenancy import install_tenancy_guards

    # Now rather than at the first query: a mapping mistake stops the start, and what
    # configuring makes (about 15,000 objects) exists before a web worker freezes it.
    configure_mappers()
    # From the URI the app ends up with (a test may swap PostgreSQL for SQLite).
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            _configure_engine(engine, app.config["RLS_SCOPE_KEY"], app.config["RLS_SET_LOCAL"])
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    compress.init_app(app)
    from . import i18n

    i18n.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    # Flashed in the visitor's language (Flask-Login's own message is English only).
    login_manager.login_message = i18n.N_("Please log in to see this page.")
    login_manager.localize_callback = i18n.gettext
    login_manager.id_attribute = "login_token"  # revocable, see app/accounts/sessions.py
    install_tenancy_guards()
    install_ledger_guard()
    install_outbox_hooks()
    subscribe_to_payments()
    subscribe_referrals()

    @app.after_request
    def _relay_outbox(response):
        """The jobs this request committed go to RQ now (inline: run now), before the
        answer; what cannot go waits in the outbox for the sweep."""
        relay_committed()
        if app.config["JOBS_INLINE"]:
            sweep_inline_now_and_then()
        return response

    from . import unit_of_work

    unit_of_work.install(app)  # runs before the relay above: commit, then relay

    @login_manager.user_loader
    def load_user(token: str):
        from .accounts.sessions import user_for_token

        return user_for_token(token)


def _configure_engine(engine, rls_scope_key: str, rls_set_local: str = "auto") -> None:
    """PostgreSQL: keep the row-level-security setting in step with the tenancy scope.
    SQLite: enforce foreign keys, and let SQLAlchemy (not pysqlite) issue BEGIN, so
    transactions and SAVEPOINTs behave as on PostgreSQL. BEGIN IMMEDIATE takes the write
    lock up front: two transactions that read and then write (a request and a webhook)
    would otherwise deadlock, and SQLite answers that with "database is locked" at once
    instead of waiting. The embedded default serialises its transactions; PostgreSQL,
    the production database, does not need to."""
    from sqlalchemy import event

    from .tenancy.rls import install_rls_session_setting

    install_rls_session_setting(engine, rls_scope_key, rls_set_local)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _register_blueprints(app: FlagshipFlask) -> None:
    import importlib

    from .platform.views import register_static

    register_static(app)
    for path in BLUEPRINTS:
        module_name, _, attr = path.partition(":")
        app.register_blueprint(getattr(importlib.import_module(module_name), attr))
    from .storefront import page_cache

    page_cache.install(app)
    from .analytics import counting

    counting.install(app)  # outside the page cache: pages served from it count too


def _register_template_helpers(app: FlagshipFlask) -> None:
    from flask import g, has_app_context
    from markupsafe import Markup, escape

    from .catalog.models import category_label
    from .ledger.memos import memo_text
    from .money import format_money
    from .orders.countries import country_name
    from .shops.hosts import storefront_host
    from .shops.timezones import local, zone_city

    if app.testing:
        from app.template_undefined import AttributeCheckedUndefined

        app.jinja_env.undefined = AttributeCheckedUndefined
    app.jinja_env.filters["money"] = lambda amount, currency: format_money(amount, currency)
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.filters["category_label"] = category_label
    app.jinja_env.filters["memo_text"] = memo_text  # a ledger entry's memo in the reader's language
    app.jinja_env.filters["zone_city"] = zone_city  # "Shanghai" / "上海", for "... time"

    def paragraphs(text: str) -> Markup:
        """Owner-written plain text as escaped paragraphs (line breaks kept)."""
        blocks = [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]
        return Markup("".join(
            "<p>" + str(escape(block)).replace("\n", "<br>") + "</p>" for block in blocks
        ))

    app.jinja_env.filters["paragraphs"] = paragraphs

    def local_time(moment, shop=None):
        """A stored UTC moment on the shop's clock (`shop`, else the request's shop); format it
        with `%Z` to name the zone."""
        return local(moment, shop if shop is not None else (g.get("shop") if has_app_context() else None))

    app.jinja_env.filters["local"] = local_time
    from .pagination import found_text

    app.jinja_env.globals["found_text"] = found_text

    @app.context_processor
    def site_globals():
        def storefront_url(shop, path: str = "/") -> str:
            return f"{app.config['PREFERRED_URL_SCHEME']}://{storefront_host(shop)}{path}"

        return {"storefront_url": storefront_url, "platform_fee_terms": platform_fee_terms}

    def platform_fee_terms(shop=None, price: int = 2400, cost: int = 1500) -> dict:
        """The platform fee (the shop's, or the platform's before a shop exists) and what an
        owner gets of one item at `price` costing `cost`, as the ledger books a sale."""
        from .ledger.services import fee_bp_for, fee_percent, take_for

        return {"percent": fee_percent(fee_bp_for(shop)), "example": take_for(shop, price, cost),
                "currency": shop.currency if shop is not None else app.config["DEFAULT_CURRENCY"]}


def _register_error_pages(app: FlagshipFlask) -> None:
    from .i18n import gettext as _
    from .i18n import lazy_gettext as _l
    from .shops.hosts import is_platform_request
    from .sites import STOREFRONT_PREFIX
    from .web import local_path, wants_json

    def render_error(status: int, title: str, message: str):
        if not is_platform_request() or (request.endpoint or "").startswith(STOREFRONT_PREFIX):
            from .storefront.rendering import render_storefront_error

            return render_storefront_error(status, title, message)
        return render_template("error.html", status=status, title=str(title), message=str(message)), status

    @app.errorhandler(400)
    def bad_request(error):
        return render_error(400, _l("That request didn’t look right"), getattr(error, "description", ""))

    @app.errorhandler(CSRFError)
    def expired_form(error):
        """A form whose token this browser's session no longer holds: opened before a log-in
        or log-out (in any tab), or its cookies were cleared. Nothing was done; the visitor
        gets the page they sent it from again, with a fresh token, and a word why (Flask-WTF
        would say "The CSRF token is missing.", in English)."""
        if wants_json():
            return jsonify(error=_("Nothing was saved: this page is out of date. Reload it and try again.")), 400
        referrer = urlsplit(request.referrer or "")
        back = local_path(urlunsplit(("", "", referrer.path, referrer.query, ""))) \
            if referrer.netloc == request.host else None
        if back is None:
            return render_error(400, _l("That page had expired"), _l(
                "Nothing was saved: the page you sent it from was opened before you last logged in "
                "or out, or your browser’s cookies were cleared. Go back, reload that page and send it again."))
        # "expired-error": an error the back office's script answers by putting back what was
        # typed (app/static/platform.js); a storefront shows it as any error.
        flash(_("Nothing was saved: this page was opened before you last logged in or out, or your "
                "browser’s cookies were cleared. Please fill it in and send it again."), "expired-error")
        return redirect(back, 303)

    @app.errorhandler(403)
    def forbidden(error):
        return render_error(403, _l("Not allowed"), _l("You don’t have access to this page."))

    @app.errorhandler(404)
    def not_found(error):
        return render_error(404, _l("Page not found"), _l("We couldn’t find what you were looking for."))

    @app.errorhandler(405)
    def method_not_allowed(error):
        return render_error(405, _l("Not allowed"), _l("That action isn’t available here."))

    @app.errorhandler(413)
    def too_large(error):
        return render_error(413, _l("File too large"), _l("That upload is larger than we accept."))

    @app.errorhandler(429)
    def too_many(error):
        return render_error(429, _l("Slow down"), _l("Too many attempts. Please wait a minute and try again."))

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500, _l("Something went wrong"), _l("We’ve been told. Please try again."))
