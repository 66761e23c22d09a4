"""The orders CSV of a large shop, made by a job: up to `inline_most()` orders the file is
written in the request; past that a web worker would spend seconds on it (2.2 s for 50,000
orders), so the owner asks for it, a job writes it into an `OrderExport` (gzip) and e-mails
them a link, and it stays downloadable for KEPT_DAYS."""

from __future__ import annotations

import gzip
from datetime import timedelta

from flask import current_app, render_template, url_for
from sqlalchemy import delete, select

from app.accounts.models import User
from app.db_types import utcnow
from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import _, speaking
from app.i18n import lazy_gettext as _l
from app.jobs import defer
from app.notifications.jobs import send_after_commit
from app.notifications.services import record_email
from app.pagination import count_up_to
from app.shops.models import Shop
from app.tenancy import current_shop_id, unscoped, use_shop

from . import search
from .export_models import OrderExport

KEPT_DAYS = 7
SHOWN = 3  # the newest exports the orders page lists


def inline_most() -> int:
    """The most orders a download writes in the request (ORDERS_CSV_INLINE_MOST)."""
    return current_app.config["ORDERS_CSV_INLINE_MOST"]


def too_big_to_download(filters: search.OrderFilters) -> bool:
    """Does this export have more orders than a request should write?"""
    return count_up_to(search.matching(filters), inline_most()) is None


def request_export(filters: search.OrderFilters, user) -> OrderExport:
    """An export of what `filters` find, made by a job once this transaction commits (the
    row and its job commit together, or neither does)."""
    export = OrderExport(shop_id=current_shop_id(), requested_by_id=user.id, filters=filters.query_args())
    db.session.add(export)
    db.session.flush()
    defer(build_export, export.shop_id, export.id, job_id=f"order-export-{export.shop_id}-{export.id}",
          timeout=600)
    return export


def recent_exports() -> list[OrderExport]:
    """The shop's newest exports still kept, newest first."""
    return list(db.session.scalars(
        select(OrderExport).where(OrderExport.created_at >= utcnow() - timedelta(days=KEPT_DAYS))
        .order_by(OrderExport.id.desc()).limit(SHOWN)))


def export_file(export_id: int) -> tuple[OrderExport, bytes]:
    """A ready export of the current shop and its CSV. NotFound for none or another shop's;
    DomainError for one not made (yet) or past KEPT_DAYS."""
    export = db.session.get(OrderExport, export_id)
    if export is None or export.shop_id != current_shop_id():
        raise NotFound(export_id)
    if export.created_at < utcnow() - timedelta(days=KEPT_DAYS):
        raise DomainError(_("That file is no longer kept: download the orders again from this page."))
    if export.status == "failed":
        raise DomainError(_("That file could not be made. Download the orders again from this page."))
    if export.status != "ready":
        raise DomainError(_("That file is not ready yet: we will e-mail you when it is."))
    return export, gzip.decompress(export.file_gzip)


def file_name(export: OrderExport, shop: Shop) -> str:
    return f"orders-{shop.subdomain}-{export.created_at:%Y-%m-%d}-{export.id}.csv"


def build_export(shop_id: int, export_id: int) -> str:
    """A job: write the export's CSV and e-mail its link to who asked. Safe to run twice (a
    ready export is left as it is; its e-mail is recorded once). A failure is kept on the
    row, for the orders page to say, and raised, so RQ retries it."""
    with use_shop(shop_id):
        export = db.session.get(OrderExport, export_id)
        if export is None:
            return "missing"
        if export.status == "ready":
            return "already ready"
        shop = db.session.get(Shop, shop_id)
        try:
            filters = search.OrderFilters.read(export.filters, shop.timezone)
            text, count = search.orders_export(filters)
        except Exception as error:
            db.session.rollback()
            export = db.session.get(OrderExport, export_id)
            export.status, export.finished_at = "failed", utcnow()
            export.error = error.message if isinstance(error, DomainError) else type(error).__name__
            db.session.commit()
            raise
        export.file_gzip = gzip.compress(text.encode(), compresslevel=6)
        export.row_count, export.status, export.error, export.finished_at = count, "ready", "", utcnow()
        _email_ready(export, shop)
        db.session.commit()
    return f"{count} orders"


def _email_ready(export: OrderExport, shop: Shop) -> None:
    user = db.session.get(User, export.requested_by_id) if export.requested_by_id else None
    if user is None:
        return  # the account is gone: the file is still on the orders page
    url = url_for("dashboard.order_export", shop=shop.subdomain, export_id=export.id, _external=True)
    values = {"shop": shop, "export": export, "url": url, "kept_days": KEPT_DAYS}
    with speaking(user.language or shop.language):
        email, _created = record_email(
            f"order-export:{shop.id}:{export.id}", to=user.email,
            subject=str(_l("Your orders export from {shop} is ready")).format(shop=shop.name),
            body_text=render_template("emails/order_export_ready.txt", **values),
            body_html=render_template("emails/order_export_ready.html", **values), shop_id=shop.id)
    send_after_commit(email)


def forget_old_exports() -> int:
    """A periodic job: delete exports past KEPT_DAYS (their files hold shoppers' addresses)."""
    with unscoped():
        gone = db.session.execute(delete(OrderExport).where(
            OrderExport.created_at < utcnow() - timedelta(days=KEPT_DAYS))).rowcount
        db.session.commit()
    return gone
