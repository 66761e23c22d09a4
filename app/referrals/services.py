"""The referral programme: promoters, the shoppers they bring, and what they earn.

- A promoter's link is any storefront address with `?ref=<code>`. The first visit through
  it (in a browser not already brought by someone else) counts a click and binds that
  browser to the promoter for the shop's binding period (a signed cookie, the storefront's
  `Visit`). At checkout the shopper's e-mail is bound for the rest of that period, so their
  later orders count too, from any device, as a guest too. The first promoter wins.
- An order through a promoter records a pending commission for them (level 1) and, when
  the shop pays one, for their recruiter (level 2): never more (app/referrals/models.py).
- A refund lowers a commission, a cancel ends it; once the order was delivered (shipped,
  or collected at its pickup point) and COMMISSION_HOLD_DAYS have passed, the commission is
  booked in the ledger (promoter +, shop -) and paid out with the promoter's next payout.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, has_app_context, render_template, url_for
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import selectinload

from app.catalog.models import SupplyProduct
from app.db_types import utcnow
from app.deals.models import Deal
from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import _
from app.i18n import lazy_gettext as _l
from app.ledger import memos
from app.ledger.services import (
    balances,
    fee_percent,
    is_booked,
    on_money_back,
    order_money,
    record_commission,
    shop_sale_share,
    shop_total,
    take_for,
)
from app.notifications.jobs import send_after_commit
from app.notifications.services import record_email
from app.orders.models import Order
from app.orders.services import on_order_placed
from app.shops.hosts import storefront_host
from app.shops.models import Listing
from app.shops.pricing import PriceRule, cost_of
from app.tenancy import get_for_shop, unscoped, use_shop

from .arithmetic import capped, commission, kept_base
from .models import Commission, Promoter, ReferralBinding

CODE = re.compile(r"[a-z0-9]{4,16}")
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (l/1, o/0, i)
MAX_RATE_BP = 5_000  # 50 %: a rate past this is a typo
percent = fee_percent  # 1000 -> "10%", 750 -> "7.5%": the ledger's one way to show basis points
DEAL_PRICES = {"group": _l("group price"), "presale": _l("pre-sale price")}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Visit:
    """A browser brought by a promoter's link: who, and when (the binding starts then)."""

    promoter_id: int
    bound_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normal_code(raw) -> str | None:
    code = str(raw or "").strip().lower()
    return code if CODE.fullmatch(code) else None


def binding_period(shop) -> timedelta:
    return timedelta(days=shop.referral_binding_days)


def subscribe() -> None:
    """Hear of every order placed and every refund or cancel (orders and the ledger sit
    below and never import the programme)."""
    on_order_placed(attribute)
    on_money_back(money_back)


# The programme ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MarginRow:
    """One price a shopper can pay for an item, and what the owner keeps of it."""

    listing_id: int
    title: str
    label: str  # the variant, and which price: "Large · group price"
    price: int
    take: int  # after the supplier's cost and the platform fee
    commission: int  # every level's commission on one item
    currency: str

    @property
    def after(self) -> int:
        return self.take - self.commission


def margin_effect(shop, level1_bp: int, level2_bp: int) -> list[MarginRow]:
    """Every price the shop sells at (each variant of each listing, and each running group
    buy's or pre-sale's price), with the commission a promoter and their recruiter would
    earn on it: the slimmest margin first."""
    rows = []
    deals: dict[int, list] = {}
    for deal in db.session.scalars(select(Deal).where(Deal.status == "active")):
        deals.setdefault(deal.listing_id, []).append(deal)
    listings = select(Listing).order_by(Listing.position, Listing.id).options(
        selectinload(Listing.supply_product).selectinload(SupplyProduct.variants))  # not a query per listing
    for listing in db.session.scalars(listings):
        product = listing.supply_product
        rule = PriceRule.of(listing)
        for variant in product.variants:
            prices = [("", rule.price_for(variant, shop.currency))]
            prices += [(f" · {DEAL_PRICES.get(deal.kind) or deal.kind}", deal.price_of(variant.id))
                       for deal in deals.get(listing.id, []) if deal.price_of(variant.id) is not None]
            for suffix, price in prices:
                take = take_for(shop, price, cost_of(variant, shop.currency)).amount
                rows.append(MarginRow(listing.id, listing.title, ((variant.label or "") + suffix).strip(" ·"), price, take,
                                      commission(price, level1_bp + level2_bp), shop.currency))
    return sorted(rows, key=lambda row: (row.after, row.title))


def _rate_bp(raw, field: str, label: str) -> int:
    try:
        percent = round(float(str(raw).strip() or "0") * 100)
    except ValueError:
        raise DomainError(_('Enter the %(label)s as a number, like 10 or 7.5.', label=label), field=field) from None
    if not 0 <= percent <= MAX_RATE_BP:
        raise DomainError(_('The %(label)s must be between 0%% and 50%%.', label=label), field=field)
    return percent


def read_rates(level1_percent, level2_percent) -> tuple[int, int]:
    level1 = _rate_bp(level1_percent, "level1_percent", "promoter's commission")
    level2 = _rate_bp(level2_percent, "level2_percent", "recruiter's commission")
    if level2 > level1:
        raise DomainError(_("The recruiter’s commission can’t be more than the promoter’s own."),
                          field="level2_percent")
    return level1, level2


def save_programme(shop, *, is_open: bool, invite_only: bool, level1_bp: int, level2_bp: int,
                   binding_days: int) -> list[MarginRow]:
    """Set the shop's programme. Refused if any price would leave the owner less than
    nothing once the commissions are paid. Returns the margin effect."""
    if is_open and level1_bp <= 0:
        raise DomainError(_("Set the promoter’s commission above 0%% to open the programme."),
                          field="level1_percent")
    if not 1 <= binding_days <= 365:
        raise DomainError(_('The binding period is 1 to 365 days.'), field="binding_days")
    effect = margin_effect(shop, level1_bp, level2_bp)
    below = [row for row in effect if row.after < 0]
    if below:
        from app.money import format_money

        named = "; ".join(f"{row.title}{' (' + row.label + ')' if row.label else ''} at "
                          f"{format_money(row.price, row.currency)} would leave you "
                          f"{format_money(row.after, row.currency)}" for row in below[:3])
        more = f" and {len(below) - 3} more" if len(below) > 3 else ""
        raise DomainError(_('These rates would push prices below zero margin: %(named)s%(more)s. Lower the rates or raise those prices.', named=named, more=more), field="level1_percent")
    shop.referral_open, shop.referral_invite_only = is_open, invite_only
    shop.referral_level1_bp, shop.referral_level2_bp = level1_bp, level2_bp
    shop.referral_binding_days = binding_days
    db.session.flush()
    return effect


def price_problem(shop, price: int, cost: int, label: str = "") -> str | None:
    """Why a new price is refused while the programme runs: it leaves less than the
    commissions (None when it is fine). The listing and deal forms ask before saving."""
    if not shop.referral_open:
        return None
    rates = shop.referral_level1_bp + shop.referral_level2_bp
    take = take_for(shop, price, cost).amount
    if take - commission(price, rates) >= 0:
        return None
    from app.money import format_money

    amounts = {"price": format_money(price, shop.currency), "take": format_money(take, shop.currency),
               "paid": format_money(commission(price, rates), shop.currency)}
    if label:
        return _("%(label)s: %(price)s leaves you %(take)s after the supplier's cost and the platform fee, less "
                 "than the %(paid)s your referral programme pays on it.", label=label, **amounts)
    return _("%(price)s leaves you %(take)s after the supplier's cost and the platform fee, less than the "
             "%(paid)s your referral programme pays on it.", **amounts)


def check_deal_prices(shop, listing, prices: dict) -> None:
    """A group buy's or pre-sale's prices ({variant id: price}) must leave the commissions'
    worth too: DomainError naming each that does not."""
    variants = {str(variant.id): variant for variant in listing.supply_product.variants}
    problems = [problem for key, price in prices.items() if (variant := variants.get(str(key))) is not None
                and (problem := price_problem(shop, price, cost_of(variant, shop.currency), variant.label))]
    if problems:
        first = next(key for key, price in prices.items() if str(key) in variants)
        raise DomainError(" ".join(problems), field=f"price_{first}")


# Promoters -------------------------------------------------------------------------------


def _new_code(name: str) -> str:
    letters = "".join(ch for ch in unicodedata.normalize("NFKD", name.lower()) if "a" <= ch <= "z")[:6]
    while True:
        code = letters + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8 - min(len(letters), 4)))
        if db.session.scalar(select(Promoter.id).where(Promoter.code == code)) is None:
            return code


def _clean_person(name, email) -> tuple[str, str]:
    name = " ".join(str(name or "").split())
    if not 1 <= len(name) <= 80:
        raise DomainError(_('Enter a name (up to 80 characters).'), field="name")
    email = str(email or "").strip().lower()
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise DomainError(_('Enter a valid e-mail address.'), field="email")
    return name, email


def promoter_by_code(code) -> Promoter | None:
    code = normal_code(code)
    return None if code is None else db.session.scalar(select(Promoter).where(Promoter.code == code))


def join(shop, *, name, email, recruited_by: str | None = None,
         by_owner: bool = False) -> tuple[Promoter | None, str | None]:
    """Make someone a promoter of the current shop (or, if they already are, give them a
    new page link). Returns the promoter and the secret of their page link, which goes to
    their e-mail address only (`send_page_link`); (None, None) when the shop takes new
    promoters by invitation only (the page answers the same: no telling who is one)."""
    if not shop.referral_open and not by_owner:
        raise DomainError(_("This shop’s referral programme is closed."))
    name, email = _clean_person(name, email)
    token = secrets.token_urlsafe(24)
    promoter = db.session.scalar(select(Promoter).where(Promoter.email == email))
    if promoter is None and shop.referral_invite_only and not by_owner:
        return None, None
    if promoter is None:
        recruiter = promoter_by_code(recruited_by) if recruited_by else None
        promoter = Promoter(name=name, email=email, code=_new_code(name), page_token_hash=_hash(token),
                            recruited_by_id=recruiter.id if recruiter is not None and recruiter.is_active else None)
        db.session.add(promoter)
    else:
        promoter.page_token_hash = _hash(token)
    db.session.flush()
    return promoter, token


def page_url(promoter: Promoter, shop, token: str) -> str:
    return url_for("storefront.promoter_page", shop_host=storefront_host(shop), promoter_id=promoter.id,
                   token=token, _external=True)


def link_of(promoter: Promoter, shop) -> str:
    """The promoter's link: the shop's home with their code."""
    return url_for("storefront.home", shop_host=storefront_host(shop), ref=promoter.code, _external=True)


def send_page_link(promoter: Promoter, shop, token: str) -> None:
    """E-mail the promoter their page's secret link (through the outbox)."""
    values = {"promoter": promoter, "shop": shop, "page_url": page_url(promoter, shop, token),
              "link": link_of(promoter, shop), "rate": percent(shop.referral_level1_bp),
              "binding_days": shop.referral_binding_days}
    email, _created = record_email(
        f"promoter-link:{promoter.id}:{_hash(token)[:16]}", to=promoter.email,
        subject=_("Your promoter page at %(shop)s", shop=shop.name),
        body_text=render_template("emails/promoter_link.txt", **values),
        body_html=render_template("emails/promoter_link.html", **values), shop_id=shop.id)
    send_after_commit(email)


def promoter_for_page(promoter_id, token: str) -> Promoter | None:
    promoter = get_for_shop(db.session, Promoter, promoter_id)
    if promoter is None or not token or not secrets.compare_digest(promoter.page_token_hash, _hash(token)):
        return None
    return promoter


def get_promoter(promoter_id) -> Promoter:
    promoter = get_for_shop(db.session, Promoter, promoter_id)
    if promoter is None:
        raise NotFound(_('No such promoter in this shop.'))
    return promoter


def set_paused(promoter: Promoter, paused: bool) -> Promoter:
    """A paused promoter's link brings nobody new and their new orders earn nothing; what
    they already earned stands."""
    promoter.status = "paused" if paused else "active"
    promoter.paused_at = utcnow() if paused else None
    db.session.flush()
    return promoter


# Visits and attribution --------------------------------------------------------------------


def land(shop, code, visit: Visit | None, now: datetime | None = None) -> Visit | None:
    """A visit through `?ref=<code>`: the Visit to remember (a new one counts a click), or
    None to keep what the browser has. A browser already brought by a promoter stays theirs
    for the binding period."""
    now = now or utcnow()
    if not shop.referral_open:
        return None
    if visit is not None and visit.bound_at + binding_period(shop) > now:
        return None
    code = normal_code(code)
    if code is None:
        return None
    # One statement finds the active promoter of the code and counts the click.
    promoter_id = db.session.execute(
        update(Promoter).where(Promoter.code == code, Promoter.is_active)
        .values(clicks=Promoter.clicks + 1).returning(Promoter.id)
        .execution_options(synchronize_session=False)).scalar()
    return None if promoter_id is None else Visit(promoter_id, now)


def current_visit() -> Visit | None:
    """The visitor the storefront's request read from its referral cookie, if any."""
    return g.get("referral_visit") if has_app_context() else None


def visiting_promoter(shop) -> Promoter | None:
    """Who brought this visitor, for the storefront to say so (None if nobody, or paused)."""
    visit = current_visit()
    if visit is None or not shop.referral_open or visit.bound_at + binding_period(shop) <= utcnow():
        return None
    promoter = get_for_shop(db.session, Promoter, visit.promoter_id)
    return promoter if promoter is not None and promoter.is_active else None


def _bound_promoter(shop, email: str, now: datetime) -> Promoter | None:
    """The promoter this shopper is bound to now: their e-mail's binding, else the one whose
    link this browser came through (which binds the e-mail for the rest of its period)."""
    binding = db.session.scalar(select(ReferralBinding).where(ReferralBinding.email == email))
    if binding is not None and binding.expires_at > now:
        return get_for_shop(db.session, Promoter, binding.promoter_id)
    visit = current_visit()
    if visit is None or visit.bound_at + binding_period(shop) <= now:
        return None
    promoter = get_for_shop(db.session, Promoter, visit.promoter_id)
    if promoter is None:
        return None
    expires = visit.bound_at + binding_period(shop)
    if binding is None:
        db.session.add(ReferralBinding(email=email, promoter_id=promoter.id, bound_at=visit.bound_at,
                                       expires_at=expires))
    else:
        binding.promoter_id, binding.bound_at, binding.expires_at = promoter.id, visit.bound_at, expires
    return promoter


def attribute(order, shop) -> list[Commission]:
    """Subscribed to every order placed: the commissions it earns, pending. Nobody earns on
    their own purchase, and a paused promoter earns nothing new."""
    if not shop.referral_open or shop.referral_level1_bp <= 0:
        return []
    now = utcnow()
    email = order.customer_email.strip().lower()
    promoter = _bound_promoter(shop, email, now)
    earners = []
    if promoter is not None and promoter.is_active and promoter.email != email:
        earners.append((1, promoter, shop.referral_level1_bp))
        recruiter = (get_for_shop(db.session, Promoter, promoter.recruited_by_id)
                     if promoter.recruited_by_id and shop.referral_level2_bp > 0 else None)
        if recruiter is not None and recruiter.is_active and recruiter.email != email:
            earners.append((2, recruiter, shop.referral_level2_bp))
    base = order.subtotal - order.discount_total  # what the shopper pays for the goods
    made = [Commission(order_id=order.id, promoter_id=earner.id, level=level, rate_bp=rate, base=base,
                       amount=commission(base, rate), currency=order.currency)
            for level, earner, rate in earners]
    db.session.add_all(made)
    db.session.flush()
    return made


def commissions_of(order_id: int) -> list[Commission]:
    return list(db.session.scalars(select(Commission).where(Commission.order_id == order_id)
                                   .order_by(Commission.level)))


def order_commissions(order_id: int) -> list[tuple[Commission, Promoter]]:
    """The order's commissions with their promoters (the owner's order page)."""
    return list(db.session.execute(
        select(Commission, Promoter).join(Promoter, (Promoter.shop_id == Commission.shop_id)
                                          & (Promoter.id == Commission.promoter_id))
        .where(Commission.order_id == order_id).order_by(Commission.level)).all())


# Refunds, cancels and settling ---------------------------------------------------------------


def money_back(order, event: str) -> None:
    """Subscribed to the ledger: a refund lowers the order's commissions to what the shopper
    kept; a cancel ends them. Already booked ones give the difference back through the
    ledger (the promoter's next payout nets it)."""
    live = [c for c in db.session.scalars(
        select(Commission).where(Commission.order_id == order.id, Commission.status != "cancelled")
        .order_by(Commission.level).with_for_update())]
    if not live:
        return
    refunded = order_money(order.id).refunded
    now = utcnow()
    for c in live:
        due = 0 if event == "cancel" else commission(kept_base(c.base, order.total, refunded), c.rate_bp)
        if c.status == "payable":
            due = min(due, c.booked)
            record_commission(key=f"commission:{c.id}:back:{refunded}", order=order, promoter_id=c.promoter_id,
                              amount=due - c.booked, memo=memos.memo("commission_refund", number=order.number),
                              now=now)
            c.booked = due
        c.amount = min(c.amount, due)
        if c.amount == 0:
            c.status, c.cancelled_at = "cancelled", now
    db.session.flush()


def delivered_at(order: Order) -> datetime | None:
    """When the shopper had the goods: collected at the point, else shipped."""
    return order.collected_at if order.pickup_point_id else order.shipped_at


def hold_period() -> timedelta:
    return timedelta(days=current_app.config["COMMISSION_HOLD_DAYS"])


def settle_order(order: Order, now: datetime | None = None) -> list[Commission]:
    """Book the order's pending commissions once it was delivered and its refund window
    passed, within the shop's margin on it. Safe to run twice (rows locked, keys unique)."""
    now = now or utcnow()
    pending = list(db.session.scalars(
        select(Commission).where(Commission.order_id == order.id, Commission.status == "pending")
        .order_by(Commission.level).with_for_update()))
    when = delivered_at(order)
    if not pending or order.status == "cancelled" or when is None or when + hold_period() > now:
        return []
    if not is_booked(order.id):
        return []  # not paid yet (pay on delivery): nothing is earned until it is
    refunded = order_money(order.id).refunded
    # The cap: the shop's margin on what the shopper kept (a refund's cost to the shop is
    # not the promoter's to bear, nor theirs to gain from).
    margin = (kept_base(shop_sale_share(order.id, order.shop_id), order.total, refunded)
              + shop_total(order.id, order.shop_id, "pickup_fee"))  # a pickup point's fee came first
    wanted = [commission(kept_base(c.base, order.total, refunded), c.rate_bp) for c in pending]
    for c, amount in zip(pending, capped(wanted, margin), strict=True):
        record_commission(key=f"commission:{c.id}", order=order, promoter_id=c.promoter_id, amount=amount,
                          memo=memos.memo("commission", number=order.number, level=c.level), now=now)
        c.amount = c.booked = amount
        c.status, c.settled_at = ("payable", now) if amount else ("cancelled", None)
        c.cancelled_at = None if amount else now
    db.session.flush()
    return pending


def due_orders(now: datetime | None = None) -> list[tuple[int, int]]:
    """(shop id, order id) of every order with a pending commission whose refund window may
    have passed: platform-wide, for the settling job."""
    cutoff = (now or utcnow()) - hold_period()
    delivered = case((Order.pickup_point_id.is_not(None), Order.collected_at), else_=Order.shipped_at)
    with unscoped():
        return list(db.session.execute(
            select(Order.shop_id, Order.id).join(
                Commission, (Commission.shop_id == Order.shop_id) & (Commission.order_id == Order.id))
            .where(Commission.status == "pending", delivered <= cutoff)
            .group_by(Order.shop_id, Order.id).order_by(Order.id)).all())


def settle_due(now: datetime | None = None) -> int:
    """The periodic job: book every commission whose refund window passed, one order per
    transaction. Returns how many orders were settled."""
    settled = 0
    for shop_id, order_id in due_orders(now):
        with use_shop(shop_id):
            order = db.session.get(Order, order_id)
            settled += bool(settle_order(order, now))
            db.session.commit()
    return settled


# What promoters and owners see ---------------------------------------------------------------


@dataclass
class PromoterSummary:
    promoter: Promoter
    orders: int = 0  # orders through their own link (not cancelled)
    sales: int = 0  # what those orders' goods came to
    recruits: int = 0
    pending: int = 0  # waiting for delivery and the refund window
    earned: int = 0  # booked in the ledger
    paid_out: int = 0
    balance: int = 0  # earned and not paid out yet (negative: a refund to net)


def _sums(promoter_ids) -> dict[int, dict]:
    live = Commission.status != "cancelled"
    own = live & (Commission.level == 1)
    rows = db.session.execute(
        select(Commission.promoter_id,
               func.sum(case((own, 1), else_=0)),
               func.sum(case((own, Commission.base), else_=0)),
               func.sum(case((Commission.status == "pending", Commission.amount), else_=0)),
               func.sum(Commission.booked))
        .where(Commission.promoter_id.in_(promoter_ids)).group_by(Commission.promoter_id)).all()
    return {pid: {"orders": int(o or 0), "sales": int(s or 0), "pending": int(p or 0), "earned": int(b or 0)}
            for pid, o, s, p, b in rows}


def summary(promoter: Promoter) -> PromoterSummary:
    found = PromoterSummary(promoter, **_sums([promoter.id]).get(promoter.id, {}))
    found.recruits = db.session.scalar(select(func.count(Promoter.id))
                                       .where(Promoter.recruited_by_id == promoter.id)) or 0
    for balance in balances("promoter", promoter.id):
        found.paid_out += balance.paid_out
        found.balance += balance.available + balance.pending
    return found


def top_promoters(limit: int = 50) -> list[PromoterSummary]:
    """The shop's promoters, those who sold most first."""
    promoters = list(db.session.scalars(select(Promoter).order_by(Promoter.created_at)))
    sums = _sums([p.id for p in promoters]) if promoters else {}
    found = [PromoterSummary(p, **sums.get(p.id, {})) for p in promoters]
    return sorted(found, key=lambda s: (-s.sales, -s.promoter.clicks, s.promoter.id))[:limit]


def recent_commissions(promoter: Promoter, limit: int = 20) -> list[Commission]:
    return list(db.session.scalars(select(Commission).where(Commission.promoter_id == promoter.id)
                                   .order_by(Commission.id.desc()).limit(limit)))


def recruit_url(promoter: Promoter, shop) -> str:
    return url_for("storefront.join_promoters", shop_host=storefront_host(shop), by=promoter.code,
                   _external=True)
