"""Price guardrails run after a supplier catalog sync (issue 3, part 4).

After a sync run, every listing (in every shop) of a product the run touched is checked:
a markup listing follows the new wholesale price; a move beyond the shop's tolerance, a
margin under the shop's floor, or a price now under the wholesale cost or the supplier's
minimum retail price pauses the listing and leaves a notice for the owner. A discontinued
or sold-out product leaves a notice too (the storefront already shows it as sold out).
Each shop gets one e-mail digest per run. Safe to run twice.
"""

from __future__ import annotations

from flask import render_template, url_for
from sqlalchemy import select

from app.accounts.models import ShopMembership, User
from app.catalog.feeds_models import SyncRun
from app.catalog.models import SupplyProduct
from app.db_types import utcnow
from app.errors import NotFound
from app.extensions import db
from app.i18n import _, format_percent, ngettext, speaking
from app.i18n import lazy_gettext as _l
from app.money import format_money
from app.notifications.services import deliver, record_email
from app.tenancy import get_for_shop, unscoped, use_shop

from .models import Listing, Shop
from .notice_models import ListingNotice
from .pricing import PriceRule, cost_of, floor_of, listing_prices

PRICE_KINDS = ("below_minimum", "margin_floor", "price_change")
STOCK_KINDS = ("discontinued", "out_of_stock")
KIND_LABELS = {
    "price_change": _l("Price moved"),
    "margin_floor": _l("Margin under your floor"),
    "below_minimum": _l("Price under cost or minimum"),
    "discontinued": _l("Discontinued"),
    "out_of_stock": _l("Out of stock"),
}


def _percent(basis_points: int) -> str:
    """1250 -> "12.5%" in the reader's way of writing it."""
    return format_percent(basis_points / 10_000, digits=2, trim=True)


def price_problems(listing: Listing, shop: Shop) -> list[tuple[str, str]]:
    """[(kind, plain-words reason)] for this listing's current prices; empty when all is well."""
    product = listing.supply_product
    currency = shop.currency  # the supplier's prices converted into it (app/shops/pricing.py)
    rule = PriceRule.of(listing)
    approved = listing.approved_prices or {}
    problems: list[tuple[str, str]] = []
    for variant in product.variants:
        price = rule.price_for(variant, currency)
        cost, floor = cost_of(variant, currency), floor_of(variant, currency)
        money = lambda amount: format_money(amount, currency)  # noqa: E731
        label = variant.label
        if price < cost:
            problems.append(("below_minimum", _(
                "%(option)s: your price %(price)s is under the new wholesale cost of %(cost)s.",
                option=label, price=money(price), cost=money(cost))))
            continue
        if price < floor:
            problems.append(("below_minimum", _(
                "%(option)s: your price %(price)s is under the supplier's minimum retail price of %(floor)s.",
                option=label, price=money(price), floor=money(floor))))
            continue
        if shop.margin_floor_bp and price > 0:
            margin = price - cost
            if margin * 10_000 < shop.margin_floor_bp * price:
                problems.append(("margin_floor", _(
                    "%(option)s: your margin is %(margin)s on %(price)s (%(share)s), under your floor of %(floor)s.",
                    option=label, margin=money(margin), price=money(price),
                    share=_percent(margin * 10_000 // price), floor=_percent(shop.margin_floor_bp))))
                continue
        old = approved.get(str(variant.id))
        if old is not None and old > 0 and price != old:
            change = abs(price - old)
            if change * 10_000 > shop.price_change_tolerance_bp * old:
                moved = dict(option=label, old=money(old), price=money(price),
                             change=_percent(change * 10_000 // old),
                             tolerance=_percent(shop.price_change_tolerance_bp))
                problems.append(("price_change", _(
                    "%(option)s: the price rises from %(old)s to %(price)s (%(change)s), more than your "
                    "tolerance of %(tolerance)s.", **moved) if price > old else _(
                    "%(option)s: the price falls from %(old)s to %(price)s (%(change)s), more than your "
                    "tolerance of %(tolerance)s.", **moved)))
    return problems


def _notice(listing: Listing, kind: str, run_id: int | None, message: str) -> bool:
    """Record a notice once per (listing, kind, run); an open notice of the same kind from an
    earlier run is brought up to date instead of doubled. True when something new was written."""
    existing = db.session.scalars(
        select(ListingNotice).where(ListingNotice.listing_id == listing.id, ListingNotice.kind == kind,
                                    ListingNotice.resolved_at.is_(None))
    ).all()
    for notice in existing:
        if notice.sync_run_id == run_id:
            return False
    if existing:
        notice = existing[0]
        notice.sync_run_id, notice.message, notice.created_at = run_id, message[:500], utcnow()
        db.session.flush()
        return True
    if run_id is not None and db.session.scalar(
        select(ListingNotice.id).where(ListingNotice.listing_id == listing.id, ListingNotice.kind == kind,
                                       ListingNotice.sync_run_id == run_id)
    ):
        return False  # already raised by this run and since resolved by the owner
    db.session.add(ListingNotice(shop_id=listing.shop_id, listing_id=listing.id, sync_run_id=run_id,
                                 kind=kind, message=message[:500]))
    db.session.flush()
    return True


def _resolve(listing: Listing, kinds) -> int:
    notices = db.session.scalars(
        select(ListingNotice).where(ListingNotice.listing_id == listing.id,
                                    ListingNotice.kind.in_(kinds), ListingNotice.resolved_at.is_(None))
    ).all()
    now = utcnow()
    for notice in notices:
        notice.resolved_at = now
    db.session.flush()
    return len(notices)


def review_listing(listing: Listing, shop: Shop, run_id: int | None) -> bool:
    """Apply the guardrails to one listing of the current shop. True if it acted. Notices and
    pause reasons are written in the shop's language: its owners read them."""
    with speaking(shop.language):
        return _review(listing, shop, run_id)


def _review(listing: Listing, shop: Shop, run_id: int | None) -> bool:
    product = listing.supply_product
    acted = False
    if product.status != "active":
        acted |= _notice(listing, "discontinued", run_id,
                         _('%(title)s was discontinued by the supplier. Your storefront shows “%(listing)s” as sold out.', title=product.title, listing=listing.title))
        return acted
    if product.total_stock <= 0:
        acted |= _notice(listing, "out_of_stock", run_id,
                         _('%(title)s is out of stock at the supplier in every option. Your storefront shows “%(listing)s” as sold out until it is restocked.', title=product.title, listing=listing.title))
    problems = price_problems(listing, shop)
    prices = listing_prices(listing)
    if problems:
        kind = next(k for k in PRICE_KINDS if any(p[0] == k for p in problems))
        reason = " ".join(message for _, message in problems)
        if listing.status != "paused" or listing.pause_reason != reason[:300]:
            listing.status, listing.pause_reason = "paused", reason[:300]
            acted = True
        acted |= _notice(listing, kind, run_id, reason)
    elif listing.status == "paused":
        # The move was undone (or the owner's floor changed): nothing left to approve.
        listing.status, listing.pause_reason, listing.approved_prices = "active", "", prices
        _resolve(listing, PRICE_KINDS)
        acted = True
    elif (listing.approved_prices or {}) != prices:
        listing.approved_prices = prices  # a small move: follow it silently
        acted = True
    db.session.flush()
    return acted


def approve_listing_prices(listing: Listing) -> Listing:
    """The owner accepts today's prices: the listing is sold again and its notices are closed."""
    listing.approved_prices = listing_prices(listing)
    listing.status, listing.pause_reason = "active", ""
    _resolve(listing, PRICE_KINDS)
    db.session.flush()
    return listing


# Notices in the dashboard -----------------------------------------------------------


def open_notices() -> list[ListingNotice]:
    """The current shop's unresolved notices, newest first."""
    return list(db.session.scalars(
        select(ListingNotice).where(ListingNotice.resolved_at.is_(None))
        .order_by(ListingNotice.created_at.desc(), ListingNotice.id.desc())
    ))


def attention_count() -> int:
    """How many of the current shop's listings have an open notice."""
    return len({notice.listing_id for notice in open_notices()})


def get_notice(notice_id) -> ListingNotice:
    notice = get_for_shop(db.session, ListingNotice, notice_id)
    if notice is None:
        raise NotFound(_('No such notice in this shop.'))
    return notice


def dismiss_notice(notice: ListingNotice) -> None:
    """Mark a notice read. A price notice stays until the price is approved or the rule changed."""
    if notice.kind in PRICE_KINDS and notice.resolved_at is None:
        listing = get_for_shop(db.session, Listing, notice.listing_id)
        if listing is not None and listing.status == "paused":
            from app.errors import DomainError

            raise DomainError(_('Approve the new price or change the price rule to clear this notice.'))
    notice.resolved_at = notice.resolved_at or utcnow()
    db.session.flush()


# The job -------------------------------------------------------------------------------


def _touched(run: SyncRun) -> tuple[list[int], dict[int, list[int]]]:
    """Products the run touched, and {shop id: [listing ids]} of the listings of them."""
    product_ids = list(db.session.scalars(
        select(SupplyProduct.id).where(SupplyProduct.supplier_id == run.supplier_id,
                                       SupplyProduct.updated_at >= run.started_at)
    ))
    by_shop: dict[int, list[int]] = {}
    if product_ids:
        with unscoped():
            rows = db.session.execute(
                select(Listing.shop_id, Listing.id).where(Listing.supply_product_id.in_(product_ids))
                .order_by(Listing.shop_id, Listing.id)
            )
            for shop_id, listing_id in rows:
                by_shop.setdefault(shop_id, []).append(listing_id)
    return product_ids, by_shop


def _owner_address(shop_id: int) -> str | None:
    return db.session.scalar(
        select(User.email).join(ShopMembership, ShopMembership.user_id == User.id)
        .where(ShopMembership.shop_id == shop_id, ShopMembership.role == "owner")
        .order_by(ShopMembership.id).limit(1)
    )


def _send_digest(shop: Shop, run: SyncRun) -> None:
    notices = list(db.session.scalars(
        select(ListingNotice).where(ListingNotice.sync_run_id == run.id,
                                    ListingNotice.resolved_at.is_(None))
        .order_by(ListingNotice.listing_id, ListingNotice.id)
    ))
    if not notices:
        return
    to = _owner_address(shop.id)
    if not to:
        return
    listings = {listing.id: listing for listing in db.session.scalars(
        select(Listing).where(Listing.id.in_({n.listing_id for n in notices})))}
    items = [
        {"notice": notice, "listing": listings.get(notice.listing_id), "label": KIND_LABELS[notice.kind],
         "url": url_for("dashboard.edit_listing", shop=shop.subdomain, listing_id=notice.listing_id,
                        _external=True)}
        for notice in notices
    ]
    count = len({notice.listing_id for notice in notices})
    context = {"shop": shop, "run": run, "items": items, "count": count,
               "notices_url": url_for("dashboard.notices", shop=shop.subdomain, _external=True)}
    with speaking(shop.language):
        email, created = record_email(
            f"sync-digest:{run.id}:{shop.id}",
            to=to,
            subject=ngettext("%(num)d listing in %(shop)s needs your attention",
                             "%(num)d listings in %(shop)s need your attention", count, shop=shop.name),
            body_text=render_template("emails/sync_digest.txt", **context),
            body_html=render_template("emails/sync_digest.html", **context),
            shop_id=shop.id,
        )
    db.session.commit()
    if email.status != "sent":
        try:
            deliver(email)
        except Exception:  # recorded on the outbox row; the review itself is done
            pass
        finally:
            db.session.commit()


def review_listings_after_sync(run_id: int) -> int:
    """Review every listing of the products a SyncRun touched; returns how many it acted on."""
    run = db.session.get(SyncRun, run_id)
    if run is None or run.started_at is None:
        return 0
    _, by_shop = _touched(run)
    acted = 0
    for shop_id, listing_ids in by_shop.items():
        with use_shop(shop_id):
            shop = db.session.get(Shop, shop_id)
            listings = db.session.scalars(
                select(Listing).where(Listing.id.in_(listing_ids)).order_by(Listing.id)
            ).unique()
            for listing in listings:
                if review_listing(listing, shop, run.id):
                    acted += 1
            db.session.commit()
            _send_digest(shop, run)
    return acted


def review_listings_after_rate_change(source: str, target: str) -> int:
    """A new exchange rate moved the cost and floor of every product priced in `source` for
    the shops selling in `target`: review their listings as after a supplier's price change
    (a small move followed silently, a large one or one under the floor paused with a
    notice). Returns how many it acted on; safe to run twice."""
    with unscoped():
        rows = db.session.execute(
            select(Listing.shop_id, Listing.id).join(Shop, Shop.id == Listing.shop_id)
            .join(SupplyProduct, SupplyProduct.id == Listing.supply_product_id)
            .where(Shop.currency == target, SupplyProduct.currency == source)
            .order_by(Listing.shop_id, Listing.id)).all()
    by_shop: dict[int, list[int]] = {}
    for shop_id, listing_id in rows:
        by_shop.setdefault(shop_id, []).append(listing_id)
    acted = 0
    for shop_id, listing_ids in by_shop.items():
        with use_shop(shop_id):
            shop = db.session.get(Shop, shop_id)
            for listing in db.session.scalars(select(Listing).where(Listing.id.in_(listing_ids))).unique():
                acted += review_listing(listing, shop, None)
            db.session.commit()
    return acted


# The shop's own limits ------------------------------------------------------------------


def _percent_field(text, field: str, label: str, high: int, current: int) -> int:
    from decimal import Decimal, InvalidOperation

    from app.errors import DomainError

    cleaned = (text or "").strip().rstrip("%").strip()
    if not cleaned:
        return current  # left blank (or not on the form): keep the current value
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise DomainError(_('Enter the %(label)s as a number, like 15 or 12.5.', label=label), field=field)
    if not 0 <= value <= high:
        raise DomainError(_('The %(label)s must be between 0%% and %(high)s%%.', label=label, high=high), field=field)
    basis_points = value.scaleb(2)
    if basis_points != basis_points.to_integral_value():
        raise DomainError(_('Use at most two decimals for the %(label)s.', label=label), field=field)
    return int(basis_points)


def set_price_guardrails(shop: Shop, *, tolerance, margin_floor) -> Shop:
    """Set the price-change tolerance (0-100 %) and the margin floor (0-90 %) from form text."""
    tolerance_bp = _percent_field(tolerance, "price_change_tolerance", _("price-change tolerance"), 100,
                                  shop.price_change_tolerance_bp)
    floor_bp = _percent_field(margin_floor, "margin_floor", _("margin floor"), 90, shop.margin_floor_bp)
    shop.price_change_tolerance_bp, shop.margin_floor_bp = tolerance_bp, floor_bp
    db.session.flush()
    return shop
