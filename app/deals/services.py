"""Group buys: the owner's offer, shoppers starting and joining groups, and the deadline.

A group moves from open to filled or to failed exactly once. Both moves are conditional
UPDATEs of the round's row (`status = 'open'`, and the member count or the deadline), so the
last joiner and the deadline job cannot both win: the database's row lock orders them, and
the loser matches no row. Members' orders take their stock when they join and wait
(`hold = "deal"`); a filled group sends them all to fulfilment in its transaction (the
outbox carries their e-mails and purchase orders); a failed one cancels them, returning the
stock, and tells every member. No one is ever added to a group but a shopper who ordered.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import case, func, select, update

from app.db_types import utcnow
from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import _, format_date, format_datetime, lazy_format, ngettext, speaking
from app.i18n import lazy_gettext as _l
from app.integrations.stripe_gateway import enabled as card_payments_enabled
from app.jobs.outbox import defer
from app.money import format_money, parse_amount
from app.orders.cart import Cart, CartLine
from app.orders.emails import email_shopper
from app.orders.models import Order
from app.orders.services import CustomerDetails, cancel_order, place_order, queue_fulfilment
from app.payments.holds import go_ahead, release, subscribe
from app.payments.services import CardCheckout, checkout_lifetime, start_card_checkout
from app.shops.hosts import storefront_host
from app.shops.models import Listing, Shop
from app.shops.pricing import PriceRule, cost_of, floor_of
from app.shops.timezones import from_local, local
from app.tenancy import get_for_shop, unscoped

from .models import DEAL_KINDS, Deal, DealEvent, DealRound, ProductionOrder

MIN_GROUP, MAX_GROUP = 2, 50
MIN_HOURS, MAX_HOURS = 1, 7 * 24
MAX_OPEN_GROUPS = 20
MAX_QUANTITY = 10
DEADLINE_JOB = "app.deals.jobs.close_round_if_due"


# The owner's offer ---------------------------------------------------------------------------


def deals_of_listing(listing_id: int) -> dict[str, Deal]:
    """A listing's deals by kind, "group" and "presale" (one of each at most): one query."""
    return {deal.kind: deal for deal in db.session.scalars(select(Deal).where(Deal.listing_id == listing_id))}


def deal_of_listing(listing_id: int) -> Deal | None:
    return deals_of_listing(listing_id).get("group")


def get_deal(deal_id) -> Deal:
    deal = get_for_shop(db.session, Deal, deal_id)
    if deal is None:
        raise NotFound(_('No such group buy in this shop.'))
    return deal


def _whole(text, field: str, low: int, high: int, what: str) -> int:
    try:
        number = int(str(text).strip())
    except (TypeError, ValueError):
        raise DomainError(_('Enter %(what)s as a whole number.', what=what), field=field) from None
    if not low <= number <= high:
        raise DomainError(_('Choose %(what)s from %(low)s to %(high)s.', what=what, low=low, high=high), field=field)
    return number


def _clean_prices(listing: Listing, prices: Mapping[int, str], what: str, below_regular: bool = True) -> dict:
    """{variant id: price} from the owner's form: every option priced, not under the
    supplier's wholesale cost or minimum retail price (and, for a group, under the regular)."""
    product = listing.supply_product
    currency = listing.currency  # the shop's; the supplier's prices converted into it
    rule = PriceRule.of(listing)
    cleaned = {}
    for variant in product.variants:
        field = f"price_{variant.id}"
        text = (prices.get(variant.id) or "").strip()
        if not text:
            raise DomainError(_('%(label)s: enter the %(what)s price.', label=variant.label, what=what), field=field)
        try:
            price = parse_amount(text, currency)
        except (ValueError, ArithmeticError):
            raise DomainError(_('%(label)s: enter a price like 12.50.', label=variant.label), field=field) from None
        floor = max(cost_of(variant, currency), floor_of(variant, currency))
        if price < floor:
            raise DomainError(_("%(label)s: at least %(floor)s (the supplier’s wholesale cost and minimum retail price).", label=variant.label, floor=format_money(floor, currency)), field=field)
        regular = rule.price_for(variant, currency)
        if below_regular and price >= regular:
            raise DomainError(_('%(label)s: a %(what)s price is below the regular %(regular)s.', label=variant.label, what=what, regular=format_money(regular, currency)), field=field)
        cleaned[str(variant.id)] = price
    return cleaned


def save_group_buy(listing: Listing, *, prices: Mapping[int, str], group_size, time_limit_hours,
                   max_open_groups) -> Deal:
    """Create or change the listing's group-buy offer. Every variant needs a group price under
    the regular price, and not under the wholesale cost or the supplier’s minimum retail
    price. Raises DomainError naming the field."""
    size = _whole(group_size, "group_size", MIN_GROUP, MAX_GROUP, "the group size")
    hours = _whole(time_limit_hours, "time_limit_hours", MIN_HOURS, MAX_HOURS, "the time limit (hours)")
    running = _whole(max_open_groups, "max_open_groups", 1, MAX_OPEN_GROUPS, "how many groups may run at once")
    cleaned = _clean_prices(listing, prices, "group")
    deal = deal_of_listing(listing.id)
    created = deal is None
    if created:
        deal = Deal(listing_id=listing.id, kind="group")
        db.session.add(deal)
    deal.prices, deal.group_size, deal.max_open_groups = cleaned, size, running
    deal.time_limit_minutes = hours * 60
    db.session.flush()
    _event(deal, "created" if created else "changed",
           detail=_l('groups of %(size)s, %(hours)s h, up to %(running)s at once', size=size, hours=hours,
                     running=running))
    return deal


# Pre-sales ---------------------------------------------------------------------------------

PRESALE_MIN_HOURS, PRESALE_MAX_DAYS = 1, 60
MAX_MINIMUM = 10_000


def presale_of_listing(listing_id: int) -> Deal | None:
    return deals_of_listing(listing_id).get("presale")


def current_run(deal: Deal) -> DealRound | None:
    """A pre-sale's open run, else its latest."""
    return db.session.scalar(select(DealRound).where(DealRound.deal_id == deal.id)
                             .order_by((DealRound.status == "open").desc(), DealRound.opened_at.desc()).limit(1))


def _moment(text, field: str, refusal: str, shop, *, date_only: bool = False) -> datetime:
    """A date (its end) or date and time typed on the shop's clock, as a UTC moment."""
    text = (text or "").strip()
    try:
        value = datetime.strptime(text, "%Y-%m-%d") if date_only else datetime.fromisoformat(text)
    except ValueError:
        raise DomainError(str(refusal), field=field) from None
    if date_only:
        value = value.replace(hour=23, minute=59)
    return from_local(value, shop)


MIN_DEPOSIT, MAX_DEPOSIT = 10, 50  # percent


def open_presale(listing: Listing, *, prices: Mapping[int, str], minimum, closes_at, ships_by,
                 deposit_percent="", now: datetime | None = None) -> tuple[Deal, DealRound]:
    """Open a pre-sale on the listing: a price per option (not under the supplier's wholesale
    cost or minimum retail price), the minimum total quantity, when it closes (1 hour to 60
    days from now, on the shop's clock) and the promised ship-by date (after the close). Made to order: no
    stock is taken. With a `deposit_percent` (10 to 50), shoppers pay that part by card when
    they pre-order and the balance once it goes ahead. One run at a time. Raises DomainError
    naming the field."""
    now = now or utcnow()
    deal = presale_of_listing(listing.id)
    if deal is not None and (run := current_run(deal)) is not None and run.status == "open":
        raise DomainError(_('A pre-sale is running on this product: close it before opening another.'))
    target = _whole(minimum, "minimum", 1, MAX_MINIMUM, "the minimum quantity")
    shop = db.session.get(Shop, listing.shop_id)
    closes = _moment(closes_at, "closes_at", _l("Enter when the pre-sale closes as a date and time."), shop)
    if not now + timedelta(hours=PRESALE_MIN_HOURS) <= closes <= now + timedelta(days=PRESALE_MAX_DAYS):
        raise DomainError(_('Close the pre-sale between %(presale_min_hours)s hour and %(presale_max_days)s days from now.', presale_min_hours=PRESALE_MIN_HOURS, presale_max_days=PRESALE_MAX_DAYS), field="closes_at")
    ships = _moment(ships_by, "ships_by", _l("Enter the ship-by date as a date."), shop, date_only=True)
    if ships <= closes:
        raise DomainError(_('The ship-by date comes after the pre-sale closes.'), field="ships_by")
    deposit = 0
    if str(deposit_percent or "").strip() not in ("", "0"):
        deposit = _whole(deposit_percent, "deposit_percent", MIN_DEPOSIT, MAX_DEPOSIT, "the deposit (%)")
        if not card_payments_enabled():
            raise DomainError(_('A deposit is paid by card: card payments are not set up on the platform.'),
                              field="deposit_percent")
    cleaned = _clean_prices(listing, prices, "pre-sale", below_regular=False)
    created = deal is None
    if created:
        deal = Deal(listing_id=listing.id, kind="presale", group_size=1, time_limit_minutes=0, max_open_groups=1)
        db.session.add(deal)
    deal.prices, deal.status = cleaned, "active"
    db.session.flush()
    run = DealRound(deal_id=deal.id, token=secrets.token_urlsafe(12), target=target, progress=0, opened_at=now,
                    deadline=closes, ships_by=ships, deposit_bp=deposit * 100)
    db.session.add(run)
    db.session.flush()
    closing, shipping = lazy_format(format_datetime, local(closes, shop)), lazy_format(format_date, local(ships, shop))
    _event(deal, "opened", run, detail=_l('minimum %(target)s, closes %(closes)s, ships by %(ships)s, %(deposit)s%% deposit',
                                          target=target, closes=closing, ships=shipping, deposit=deposit) if deposit
           else _l('minimum %(target)s, closes %(closes)s, ships by %(ships)s', target=target, closes=closing, ships=shipping))
    defer(DEADLINE_JOB, run.id, run_at=run.deadline, job_id=f"deal-round-deadline-{run.id}")
    return deal, run


def production_orders_of(round_: DealRound) -> list[ProductionOrder]:
    return list(db.session.scalars(select(ProductionOrder).where(ProductionOrder.round_id == round_.id)
                                   .order_by(ProductionOrder.id)))


def production_orders_to_make(limit: int = 20) -> list[ProductionOrder]:
    """A supplier's portal (supplier scope: its own rows only): what pre-sales ordered made,
    the soonest ship-by first."""
    return list(db.session.scalars(select(ProductionOrder).order_by(ProductionOrder.ships_by,
                                                                    ProductionOrder.id).limit(limit)))


def orders_of_run(round_: DealRound) -> list[Order]:
    return list(db.session.scalars(select(Order).where(Order.deal_round_id == round_.id).order_by(Order.id)))


def set_deal_status(deal: Deal, status: str) -> Deal:
    """Pause (no new groups or members; running groups still close at their deadline) or resume."""
    if status not in ("active", "paused"):
        raise DomainError(_('Pause or resume the group buy.'))
    if deal.status != status:
        deal.status = status
        db.session.flush()
        _event(deal, "paused" if status == "paused" else "resumed")
    return deal


def deals_of_shop() -> list[Deal]:
    return list(db.session.scalars(select(Deal).order_by(Deal.created_at.desc())))


# Groups ----------------------------------------------------------------------------------


def open_rounds(deal: Deal, now: datetime | None = None, limit: int = 10) -> list[DealRound]:
    """The deal's groups still taking members, the nearest to filling first."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(DealRound).where(DealRound.deal_id == deal.id, DealRound.status == "open",
                                DealRound.deadline > now, DealRound.progress > 0)  # a group with members
        .order_by(DealRound.target - DealRound.progress, DealRound.deadline).limit(limit)))


def round_by_token(token: str) -> DealRound | None:
    if not token or len(token) > 24:
        return None
    return db.session.scalar(select(DealRound).where(DealRound.token == token))


def presale_run_of(order: Order) -> DealRound | None:
    """The pre-sale run of a made-to-order order, if it is one."""
    if not order.made_to_order:
        return None
    return round_of(order)


def round_of(order: Order) -> DealRound | None:
    if order.deal_round_id is None:
        return None
    return db.session.scalar(select(DealRound).where(DealRound.id == order.deal_round_id))


def awaits_payment(round_: DealRound, number: str) -> bool:
    """Is the order `number` this group's card order whose money has not arrived yet?"""
    if not number or len(number) > 40:
        return False
    return db.session.scalar(select(func.count(Order.id)).where(
        Order.deal_round_id == round_.id, Order.number == number.upper(), Order.hold == "deal-pay",
        Order.status == "pending")) > 0


def rounds_of(deal: Deal, limit: int = 50) -> list[DealRound]:
    return list(db.session.scalars(select(DealRound).where(DealRound.deal_id == deal.id)
                                   .order_by(DealRound.opened_at.desc()).limit(limit)))


def members(round_: DealRound) -> list[str]:
    """The members' initials, in the order they joined (what the group page may show)."""
    names = db.session.scalars(select(Order.customer_name).where(
        Order.deal_round_id == round_.id, Order.status != "cancelled", Order.hold != "deal-pay")
        .order_by(Order.id))
    return [_initials(name) for name in names]


def _initials(name: str) -> str:
    parts = [p for p in (name or "").split() if p[:1].isalnum()]
    return ("".join(p[0] for p in parts[:2]) or "?").upper()


def events_of(deal: Deal, limit: int = 100) -> list[DealEvent]:
    return list(db.session.scalars(select(DealEvent).where(DealEvent.deal_id == deal.id)
                                   .order_by(DealEvent.at.desc(), DealEvent.id.desc()).limit(limit)))


def join(shop: Shop, deal: Deal, token: str | None, variant_id, quantity, customer: CustomerDetails, *,
         checkout_key: str | None = None, now: datetime | None = None, pickup_point=None) -> tuple[Order, DealRound]:
    """A shopper starts a group (no token) or joins the group of `token`, with one order at
    the group price, paid on delivery. Returns the order and its round (filled if this
    member completed it). Raises DomainError; nothing is written then."""
    now = now or utcnow()
    cart = _group_cart(shop, deal, variant_id, quantity)
    round_ = _round_to_join(deal, token, now)
    if round_.deposit_bp:
        raise DomainError(_('This pre-sale takes a deposit by card.'), field="payment_method")
    if _admit(round_, now, _counted(deal, cart)) is None:
        raise DomainError(_closed_message(deal))
    order = place_order(shop, cart, customer, checkout_key=checkout_key, held=True,
                        made_to_order=deal.kind == "presale", pickup_point=pickup_point)
    order.hold, order.deal_round_id = "deal", round_.id
    db.session.flush()
    _joined(deal, round_, order, shop)
    return order, round_


def join_by_card(shop: Shop, deal: Deal, token: str | None, variant_id, quantity, customer: CustomerDetails, *,
                 status_url, cancel_url, checkout_key: str | None = None,
                 now: datetime | None = None, pickup_point=None) -> tuple[CardCheckout, DealRound]:
    """Start or join a group paying by card: the order waits (`hold = "deal-pay"`) while the
    shopper pays on Stripe's page, and counts as a member only once the money arrives
    (`member_paid`), so the group's progress is never a promise. Where the group's deadline
    is within a card authorisation's life, the card is only authorised now and captured
    when the group fills (cancelled if it fails); otherwise it is charged now and refunded
    in full if the group fails."""
    now = now or utcnow()
    cart = _group_cart(shop, deal, variant_id, quantity)
    round_ = _round_to_join(deal, token, now)
    full = deal.kind == "group" and round_.progress >= round_.target
    if round_.status != "open" or round_.deadline <= now or full:
        raise DomainError(_closed_message(deal))
    deposit = None
    if round_.deposit_bp:  # charged at once: the balance follows when it goes ahead
        title = cart.lines[0].listing.title
        deposit = (round_.deposit_of(cart.subtotal), f"Deposit ({round_.deposit_bp // 100}%) for {title}")
    card = start_card_checkout(shop, cart, customer, status_url=status_url, cancel_url=cancel_url,
                               checkout_key=checkout_key, hold="deal-pay",
                               capture_manually=deposit is None and round_.deadline - now <= authorisation_life(),
                               pay_by=round_.deadline, made_to_order=deal.kind == "presale", deposit=deposit,
                               pickup_point=pickup_point)
    card.order.deal_round_id = round_.id
    db.session.flush()
    return card, round_


def member_paid(order: Order, payment) -> str:
    """A card member's money arrived (payments calls this, app/payments/holds.py): they count
    now if the group is still open; if it filled or failed meanwhile, their order is
    cancelled and the money goes straight back."""
    round_ = db.session.scalar(select(DealRound).where(DealRound.id == order.deal_round_id))
    deal = db.session.scalar(select(Deal).where(Deal.id == round_.deal_id))
    shop = db.session.get(Shop, order.shop_id)
    if _admit(round_, utcnow(), _counted(deal, order)) is None:
        db.session.refresh(round_)
        order.hold = ""
        release(order, _("The group closed before the payment arrived"))
        _event(deal, "missed", round_, order, detail=_l("paid after the group filled: money returned")
               if round_.status == "filled" else _l("paid after the group closed: money returned"))
        _email_member(order, shop, round_, "deal_missed", _l("Your group for {title} closed before you joined"))
        return f"order {order.number}: group {round_.status}, payment released"
    order.hold = "deal"
    db.session.flush()
    _joined(deal, round_, order, shop)
    return f"order {order.number} joined group {round_.token} ({round_.progress} of {round_.target})"


def subscribe_to_payments() -> None:
    """Card members' money arrives through payments, which calls back here (payments
    never imports deals)."""
    subscribe("deal-pay", member_paid)


def authorisation_life() -> timedelta:
    """How long a card authorisation is trusted to hold (Stripe keeps one 7 days; a margin
    for the capture job)."""
    return timedelta(hours=current_app.config["CARD_AUTHORISATION_HOURS"])


GROUP_CLOSED = _l("This group has just closed. Start a new one, or join another.")


def _closed_message(deal: Deal) -> str:
    return GROUP_CLOSED if deal.kind == "group" else _('This pre-sale has closed.')


def _counted(deal: Deal, cart_or_order) -> int:
    """What one order adds to its round: a member to a group, its quantity to a pre-sale."""
    return 1 if deal.kind == "group" else sum(line.quantity for line in cart_or_order.lines)


def _group_cart(shop: Shop, deal: Deal, variant_id, quantity) -> Cart:
    if deal.status != "active" or shop.status != "active":
        raise DomainError(_('This group buy is not taking new members just now.'))
    listing = deal_listing(deal)
    variant = next((v for v in listing.supply_product.variants if str(v.id) == str(variant_id)), None)
    price = deal.price_of(variant.id) if variant is not None else None
    if price is None:
        raise DomainError(_("Choose one of the product’s options."), field="variant_id")
    quantity = _whole(quantity, "quantity", 1, MAX_QUANTITY, "the quantity")
    made_to_order = deal.kind == "presale"  # the supplier makes what is ordered: no stock to take
    available = (made_to_order or variant.stock >= quantity) and listing.supply_product.is_available
    return Cart([CartLine(key=f"{listing.id}:{variant.id}", listing=listing, variant=variant,
                          quantity=quantity, unit_price=price,
                          problem=None if available else _('Sorry, %(title)s (%(label)s) is sold out.', title=listing.title, label=variant.label))],
                shop.currency)


def _round_to_join(deal: Deal, token: str | None, now: datetime) -> DealRound:
    if deal.kind == "presale":  # one run at a time: the open one
        round_ = current_run(deal)
        if round_ is None or round_.status != "open":
            raise DomainError(_('This pre-sale has closed.'))
        return round_
    if not token:
        return _start_round(deal, now)
    round_ = round_by_token(token)
    if round_ is None or round_.deal_id != deal.id:
        raise NotFound(_('No such group.'))
    return round_


def _admit(round_: DealRound, now: datetime, count: int = 1) -> str | None:
    """Count a member (or a pre-order's quantity) if the round is still open at this row's
    update: one the deadline closed, or a group that filled a moment ago, takes nobody. A
    group fills with its last member; a pre-sale stays open until it closes. The round's
    new status ("open" or "filled"), or None."""
    if round_.deal.kind == "presale":
        return db.session.execute(
            update(DealRound)
            .where(DealRound.id == round_.id, DealRound.shop_id == round_.shop_id, DealRound.status == "open",
                   DealRound.deadline > now)
            .values(progress=DealRound.progress + count).returning(DealRound.status)).scalar()
    return db.session.execute(
        update(DealRound)
        .where(DealRound.id == round_.id, DealRound.shop_id == round_.shop_id, DealRound.status == "open",
               DealRound.progress < DealRound.target, DealRound.deadline > now)
        .values(progress=DealRound.progress + 1,
                status=case((DealRound.progress + 1 >= DealRound.target, "filled"), else_="open"),
                closed_at=case((DealRound.progress + 1 >= DealRound.target, now), else_=None))
        .returning(DealRound.status)).scalar()


def _joined(deal: Deal, round_: DealRound, order: Order, shop: Shop) -> None:
    db.session.refresh(round_)
    _event(deal, "joined", round_, order, detail=_l("%(progress)s of %(target)s", progress=round_.progress,
                                                    target=round_.target))
    if deal.kind == "presale":
        _email_member(order, shop, round_, "presale_joined", _l("Your pre-order of {title}"))
    elif round_.status == "filled":
        _go_ahead(deal, round_)
    else:
        _email_member(order, shop, round_, "deal_joined", _l("You’re in the group for {title}"))


def deal_listing(deal: Deal) -> Listing:
    return db.session.scalar(select(Listing).where(Listing.id == deal.listing_id))


def _start_round(deal: Deal, now: datetime) -> DealRound:
    # A group whose starter is still paying counts while their payment page is open; one
    # they abandoned (no member) does not block new groups.
    paying_since = now - checkout_lifetime()
    running = db.session.scalar(select(func.count(DealRound.id)).where(
        DealRound.deal_id == deal.id, DealRound.status == "open", DealRound.deadline > now,
        (DealRound.progress > 0) | (DealRound.opened_at > paying_since)))
    if running >= deal.max_open_groups:
        raise DomainError(_('Every group the shop runs at once is open: join one of them below.'))
    round_ = DealRound(deal_id=deal.id, token=secrets.token_urlsafe(12), target=deal.group_size,
                       progress=0, opened_at=now, deadline=now + timedelta(minutes=deal.time_limit_minutes))
    db.session.add(round_)
    db.session.flush()
    shop = db.session.get(Shop, deal.shop_id)
    _event(deal, "opened", round_, detail=_l("%(target)s needed by %(deadline)s", target=round_.target,
                                             deadline=lazy_format(format_datetime, local(round_.deadline, shop))))
    # The deadline: a job at that moment (the periodic sweep catches one that was missed).
    defer(DEADLINE_JOB, round_.id, run_at=round_.deadline, job_id=f"deal-round-deadline-{round_.id}")
    return round_


def _orders_of(round_: DealRound, hold: str = "deal") -> list[Order]:
    """The round's members still waiting (or, with hold "deal-pay", its card orders whose
    money has not arrived)."""
    return list(db.session.scalars(select(Order).where(
        Order.deal_round_id == round_.id, Order.hold == hold, Order.status == "pending").order_by(Order.id)))


def _go_ahead(deal: Deal, round_: DealRound, event: bool = True) -> None:
    """The group filled: every member's order is confirmed and goes ahead now (a card's
    authorisation is captured by a job, which then starts the fulfilment)."""
    for order in _orders_of(round_):
        order.hold, order.confirmed_at = "", utcnow()
        if order.payment_method == "card":
            go_ahead(order)
        else:
            queue_fulfilment(order)  # its confirmation e-mail and purchase orders, after the commit
    db.session.flush()
    if event:
        _event(deal, "filled", round_, detail=_l("%(num)s members", num=round_.progress))


def close_round(round_id: int, now: datetime | None = None) -> str:
    """At the deadline (current shop scope). A group still open fails: its orders are
    cancelled (stock back, money released or refunded) and every member told; orders still
    on Stripe's page are cancelled too, their page closed. A pre-sale closes: with its
    minimum reached it goes ahead (see `_presale_ahead`), else it fails like a group.
    'failed', 'filled', or why nothing changed."""
    now = now or utcnow()
    return _close(round_id, now, DealRound.deadline <= now)


def close_presale_now(deal: Deal, now: datetime | None = None) -> str:
    """The owner closes the running pre-sale early: it goes ahead if its minimum is reached,
    else it fails (every order cancelled, money returned)."""
    run = current_run(deal)
    if deal.kind != "presale" or run is None or run.status != "open":
        raise DomainError(_('No pre-sale is running on this product.'))
    return _close(run.id, now or utcnow(), True, by_owner=True)


def _close(round_id: int, now: datetime, due, by_owner: bool = False) -> str:
    deal = db.session.scalar(select(Deal).join(DealRound, (DealRound.deal_id == Deal.id)
                                               & (DealRound.shop_id == Deal.shop_id))
                             .where(DealRound.id == round_id))
    presale = deal is not None and deal.kind == "presale"
    outcome = case((DealRound.progress >= DealRound.target, "filled"), else_="failed") if presale else "failed"
    closed = db.session.execute(
        update(DealRound).where(DealRound.id == round_id, DealRound.status == "open", due)
        .values(status=outcome, closed_at=now).execution_options(synchronize_session=False)).rowcount
    round_ = db.session.scalar(select(DealRound).where(DealRound.id == round_id)
                               .execution_options(populate_existing=True))
    if round_ is None:
        return "missing"
    if closed != 1:
        return "not due" if round_.status == "open" else f"already {round_.status}"
    if round_.status == "filled":
        _presale_ahead(deal, round_, by_owner)
        return "filled"
    shop = db.session.get(Shop, round_.shop_id)
    reason = _('The group did not fill in time') if deal.kind == "group" else _('The pre-sale did not reach its minimum')
    for order in _orders_of(round_):
        order.hold = ""
        if order.payment_method == "card":
            release(order, reason)
            _event(deal, "refunded", round_, order, detail=_('card payment returned'))
        else:
            cancel_order(order, reason, source="system")
        _email_member(order, shop, round_, "deal_failed",
                      _l("Your group for {title} did not fill") if deal.kind == "group"
                      else _l("The pre-sale of {title} did not go ahead"))
    _release_unpaid(round_, reason)
    detail = (_l("%(progress)s of %(target)s, closed by the owner", progress=round_.progress, target=round_.target)
              if by_owner else
              _l("%(progress)s of %(target)s by the deadline", progress=round_.progress, target=round_.target))
    _event(deal, "failed", round_, detail=detail)
    return "failed"


def _release_unpaid(round_: DealRound, reason: str) -> None:
    """The round closed with card orders still on Stripe's page: never paid, not members,
    nobody to tell. They are cancelled, their page closed (money that still comes goes back)."""
    for order in _orders_of(round_, hold="deal-pay"):
        order.hold = ""
        release(order, reason)


def _presale_ahead(deal: Deal, round_: DealRound, by_owner: bool) -> None:
    """The pre-sale reached its minimum: every order goes ahead, and each supplier gets one
    consolidated, made-to-order purchase order for the whole quantity (`ProductionOrder`).
    Orders still on Stripe's page when it closed are cancelled: too late for this run."""
    orders = _orders_of(round_)
    _go_ahead(deal, round_, event=False)
    _release_unpaid(round_, "The pre-sale closed before the payment arrived")
    made: dict[int, dict[int, dict]] = {}
    for order in orders:
        for line in order.lines:
            row = made.setdefault(line.supplier_id, {}).setdefault(line.supply_variant_id, {
                "sku": line.sku, "title": line.title, "variant": line.variant_label, "quantity": 0,
                "unit_cost": line.unit_cost})
            row["quantity"] += line.quantity
    currency = orders[0].currency if orders else "USD"
    for n, (supplier_id, lines) in enumerate(sorted(made.items()), start=1):
        db.session.add(ProductionOrder(round_id=round_.id, supplier_id=supplier_id, number=f"PRE-{round_.id}-{n}",
                                       ships_by=round_.ships_by, lines=list(lines.values()), currency=currency))
    db.session.flush()
    going_ahead = lazy_format(ngettext, "%(progress)s ordered (minimum %(target)s): going ahead, %(num)d production order",
                              "%(progress)s ordered (minimum %(target)s): going ahead, %(num)d production orders",
                              len(made), progress=round_.progress, target=round_.target)
    _event(deal, "closed", round_, detail=_l("%(going_ahead)s; closed by the owner", going_ahead=going_ahead)
           if by_owner else going_ahead)


def rounds_due(now: datetime | None = None, limit: int = 200) -> list[tuple[int, int]]:
    """(shop id, round id) of open groups past their deadline, across shops."""
    with unscoped():
        return [tuple(row) for row in db.session.execute(
            select(DealRound.shop_id, DealRound.id)
            .where(DealRound.status == "open", DealRound.deadline <= (now or utcnow()))
            .order_by(DealRound.deadline).limit(limit))]


# The platform's view (admin, platform-wide scope) -------------------------------------------


def platform_activity(*, shop_id: int | None = None, kind: str | None = None, limit: int = 100):
    """The latest deal events across shops: (event, shop, deal kind, listing title, round token)."""
    query = (select(DealEvent, Shop, Deal.kind, Listing.title, DealRound.token)
             .join(Deal, (Deal.id == DealEvent.deal_id) & (Deal.shop_id == DealEvent.shop_id))
             .join(Shop, Shop.id == DealEvent.shop_id)
             .join(Listing, (Listing.id == Deal.listing_id) & (Listing.shop_id == Deal.shop_id))
             .outerjoin(DealRound, (DealRound.id == DealEvent.round_id) & (DealRound.shop_id == DealEvent.shop_id))
             .order_by(DealEvent.at.desc(), DealEvent.id.desc()).limit(limit))
    if shop_id is not None:
        query = query.where(DealEvent.shop_id == shop_id)
    if kind in DEAL_KINDS:
        query = query.where(Deal.kind == kind)
    return db.session.execute(query).all()


def running_rounds(now: datetime | None = None) -> dict[str, int]:
    """How many groups and pre-sales are open now, across shops."""
    rows = db.session.execute(
        select(Deal.kind, func.count(DealRound.id))
        .join(Deal, (Deal.id == DealRound.deal_id) & (Deal.shop_id == DealRound.shop_id))
        .where(DealRound.status == "open", DealRound.deadline > (now or utcnow())).group_by(Deal.kind)).all()
    return {kind: 0 for kind in DEAL_KINDS} | dict(rows)


def overdue_rounds(now: datetime | None = None, grace: timedelta = timedelta(minutes=5), limit: int = 50):
    """Open rounds past their deadline by more than `grace`: their deadline job and the sweep
    both missed them (the worker is down?). (round, shop) pairs, the oldest first."""
    return db.session.execute(
        select(DealRound, Shop).join(Shop, Shop.id == DealRound.shop_id)
        .where(DealRound.status == "open", DealRound.deadline <= (now or utcnow()) - grace)
        .order_by(DealRound.deadline).limit(limit)).all()


def group_url(shop: Shop, round_: DealRound) -> str:
    """The page to share: a group's own, a pre-sale's product page."""
    if round_.deal.kind == "presale":
        return url_for("storefront.product", shop_host=storefront_host(shop), handle=deal_listing(round_.deal).handle,
                       _external=True)
    return url_for("storefront.group", shop_host=storefront_host(shop), token=round_.token, _external=True)


def _event(deal: Deal, kind: str, round_: DealRound | None = None, order: Order | None = None,
           detail="") -> None:
    """Log what happened to a deal. The detail (a lazy message) is written in the shop's
    language, whoever's request or job wrote it: its owners read the log."""
    with speaking(db.session.get(Shop, deal.shop_id).language):
        text = str(detail)
    db.session.add(DealEvent(deal_id=deal.id, round_id=round_.id if round_ else None,
                             order_id=order.id if order else None, kind=kind, detail=text[:300]))
    db.session.flush()


def _email_member(order: Order, shop: Shop, round_: DealRound, template: str, subject: str) -> None:
    email_shopper(order, shop, template, subject, round=round_, group_url=group_url(shop, round_),
                  title=order.lines[0].title if order.lines else shop.name)
