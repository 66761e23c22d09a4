"""Checkout and the order life cycle. Stock is taken atomically; every status move is checked."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update

from app.catalog.models import SupplyVariant
from app.db_types import utcnow
from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import _, current_language
from app.i18n import lazy_gettext as _l
from app.jobs import defer
from app.ledger.services import record_sale, record_supplier_returns
from app.shops.models import Shop
from app.shops.pricing import cost_of
from app.status_words import status_in_sentence
from app.tenancy import get_for_shop, require_shop_id

from .cart import Cart
from .countries import NO_POSTCODE
from .discounts import give_back, redeem
from .fulfilment import cancel_purchase_orders, has_shipped
from .jobs import route_order_to_suppliers, send_new_order_to_owners, send_order_confirmation
from .models import Order, OrderLine, OrderNumber
from .quotes import Quote, quote_order

# Which moves an owner may make: anything else is refused.
TRANSITIONS = {
    "pending": {"paid", "cancelled"},
    "paid": {"refunded", "cancelled"},
    "refunded": {"cancelled"},  # all money given back; cancelling still returns the stock
    "cancelled": set(),
}
_NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L: read out over the phone


class OutOfStock(DomainError):
    pass


# What a shopper's missing or wrong detail says: the checkout form's words (app/storefront/
# forms.py) and this module's check's, so an order placed another way reads the same.
DETAIL_MESSAGES = {
    "name": _l("Enter your full name: the courier needs it."),
    "email": _l("Enter your e-mail address: your order confirmation goes there."),
    "email_format": _l("Enter an e-mail address like name@example.com."),
    "phone": _l("Enter a phone number the courier can call."),
    "line1": _l("Enter the street and house number."),
    "city": _l("Enter the city."),
    "postcode": _l("Enter the postcode."),
    "country": _l("Choose the country."),
}


@dataclass
class CustomerDetails:
    name: str
    email: str
    phone: str
    line1: str
    city: str
    postcode: str
    country: str
    line2: str = ""
    region: str = ""

    def cleaned(self) -> CustomerDetails:
        """Trimmed details, or DomainError naming the first field that is wrong."""
        values = {k: (v or "").strip() for k, v in self.__dict__.items()}
        required = ["name", "email", "phone", "line1", "city", "postcode", "country"]
        if values["country"].upper() in NO_POSTCODE:
            required.remove("postcode")
        for field in required:
            if not values[field]:
                raise DomainError(str(DETAIL_MESSAGES[field]), field=field)
        try:
            values["email"] = validate_email(values["email"], check_deliverability=False).normalized
        except EmailNotValidError:
            raise DomainError(str(DETAIL_MESSAGES["email_format"]), field="email") from None
        digits = sum(ch.isdigit() for ch in values["phone"])
        if not 6 <= digits <= 20:
            raise DomainError(_('Enter a phone number with 6 to 20 digits.'), field="phone")
        values["country"] = values["country"].upper()
        if len(values["country"]) != 2 or not values["country"].isalpha():
            raise DomainError(_('Choose a country.'), field="country")
        limits = {"name": 120, "line1": 200, "line2": 200, "city": 100, "region": 100, "postcode": 20}
        for field, limit in limits.items():
            if len(values[field]) > limit:
                raise DomainError(_('That is too long (at most %(limit)s characters).', limit=limit), field=field)
        return CustomerDetails(**values)


def new_order_number() -> str:
    return "FS-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))


def new_access_token() -> str:
    return secrets.token_urlsafe(24)


_placed_handlers: list = []


def on_order_placed(handler) -> None:
    """Call `handler(order, shop)` for every order placed, inside its transaction (the
    referral programme attributes it to a promoter): packages above orders subscribe,
    so orders imports none of them. Idempotent."""
    if handler not in _placed_handlers:
        _placed_handlers.append(handler)


def _shopper_language() -> str | None:
    """The language a shopper buys in on a storefront (their e-mails speak it); None
    elsewhere (an order made by a job or the demo speaks the shop's)."""
    from flask import g, has_request_context

    return current_language() if has_request_context() and g.get("storefront") else None


def place_order(shop, cart: Cart, customer: CustomerDetails, payment_method: str = "cod", *,
                number: str | None = None, access_token: str | None = None,
                checkout_key: str | None = None, held: bool = False, made_to_order: bool = False,
                pickup_point=None, discount_code: str = "", quote: Quote | None = None) -> Order:
    """Turn a priced cart into an order, taking stock atomically. A pay-on-delivery order
    goes to fulfilment at once, unless `held` for a confirmation (app/orders/confirmation.py).
    A `made_to_order` one (a pre-sale) takes no stock: the supplier makes what is ordered.
    With a `pickup_point` (app/shops/pickup.py) the order ships to that point, for the shopper
    to collect with the order's pickup code. A `discount_code` comes off the goods (its use is
    counted here, atomically: app/orders/discounts.py) and shipping is charged by the shop's
    zones (app/orders/shipping.py); `quote` is the cart's quote already made for these
    details (a card checkout charges it before the order exists).

    Each variant's stock is decremented with a conditional UPDATE (`stock >= quantity`), so
    two checkouts racing for the last unit cannot both win: the loser's UPDATE matches no
    row and the whole order is rolled back to the savepoint, leaving nothing half-written.
    """
    if shop.status != "active":
        raise DomainError(_('This shop is closed for now.'))
    if cart.is_empty:
        raise DomainError(_('Your cart is empty.'))
    if cart.problems:
        raise OutOfStock(" ".join(cart.problems))
    customer = with_pickup_address(customer, pickup_point).cleaned()
    shop_id = require_shop_id()
    if quote is None:
        quote = quote_order(shop, cart, country=customer.country, pickup=pickup_point is not None,
                            code=discount_code, email=customer.email)
    quote.refuse_if_not_placeable()

    with db.session.begin_nested():
        # Lock rows in a fixed order so concurrent checkouts never deadlock.
        for line in sorted(cart.lines, key=lambda cart_line: cart_line.variant.id):
            if made_to_order:
                break
            taken = db.session.execute(
                update(SupplyVariant)
                .where(SupplyVariant.id == line.variant.id, SupplyVariant.stock >= line.quantity)
                .values(stock=SupplyVariant.stock - line.quantity)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                raise OutOfStock(
                    _('Sorry, %(title)s (%(label)s) just sold out. Your cart was updated.', title=line.listing.title, label=line.variant.label)
                )
        order = Order(
            shop_id=shop_id,
            language=_shopper_language(),
            number=number or new_order_number(),
            access_token=access_token or new_access_token(),
            checkout_key=checkout_key,
            status="pending",
            payment_method=payment_method,
            currency=cart.currency,
            subtotal=quote.subtotal,
            discount_total=quote.discount_total,
            discount_code=quote.discount_code,
            shipping_total=quote.shipping_total,
            total=quote.total,
            customer_name=customer.name,
            customer_email=customer.email,
            customer_phone=customer.phone,
            ship_line1=customer.line1,
            ship_line2=customer.line2,
            ship_city=customer.city,
            ship_region=customer.region,
            ship_postcode=customer.postcode,
            ship_country=customer.country,
            made_to_order=made_to_order,
            pickup_point_id=pickup_point.id if pickup_point is not None else None,
            pickup_code=new_pickup_code() if pickup_point is not None else None,
        )
        for line, discount in zip(cart.lines, quote.line_discounts, strict=True):
            product = line.listing.supply_product
            order.lines.append(OrderLine(
                shop_id=shop_id,
                listing_id=line.listing.id,
                supply_variant_id=line.variant.id,
                supplier_id=product.supplier_id,
                title=line.listing.title,
                variant_label=line.variant.label if line.variant.options else "",
                sku=line.variant.sku,
                image_url=product.image_url,
                currency=cart.currency,
                unit_price=line.unit_price,
                unit_cost=cost_of(line.variant, cart.currency),  # converted into the shop's currency
                quantity=line.quantity,
                discount_total=discount,
            ))
        db.session.add(order)
        db.session.flush()
        db.session.add(OrderNumber(number=order.number, shop_id=shop_id, order_id=order.id))
        db.session.flush()
        if quote.discount_total:
            redeem(quote.discount, order)
    # The conditional UPDATEs bypassed the identity map: reload stock figures on next access.
    for line in cart.lines:
        db.session.expire(line.variant, ["stock"])
    for handler in _placed_handlers:
        handler(order, shop)
    if payment_method == "cod" and not held:
        queue_fulfilment(order)  # pay on delivery: the suppliers can start now
    return order


def with_pickup_address(customer: CustomerDetails, pickup_point) -> CustomerDetails:
    """The shopper's details with the pickup point's address (where the supplier ships)."""
    if pickup_point is None:
        return customer
    if not pickup_point.active:
        raise DomainError(_('That pickup point is closed; choose another.'), field="delivery")
    return replace(customer, line1=pickup_point.line1, line2=f"c/o {pickup_point.name}", region="",
                   city=pickup_point.city, postcode=pickup_point.postcode, country=pickup_point.country)


PICKUP_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"  # no look-alikes (0/O, 1/I, 5/S, 8/B, 2/Z)


def new_pickup_code() -> str:
    """A code the shopper shows at the pickup point: 8 letters and digits, unique in the
    shop (its unique index backs this up)."""
    while True:
        code = "".join(secrets.choice(PICKUP_ALPHABET) for _ in range(8))
        if db.session.scalar(select(Order.id).where(Order.pickup_code == code)) is None:
            return code


def queue_fulfilment(order: Order) -> None:
    """The order goes ahead (paid, or placed to pay on delivery): the shopper's confirmation,
    the owners' new-order e-mail and the routing to the suppliers, as outbox jobs in this
    same transaction, so a committed order can never miss them (whatever Redis or the
    process does next)."""
    defer(send_order_confirmation, order.id, queue="notifications",
          job_id=f"order-confirmation-{order.id}")
    defer(send_new_order_to_owners, order.id, queue="notifications", job_id=f"new-order-{order.id}")
    defer(route_order_to_suppliers, order.id, job_id=f"route-order-{order.id}")


def _move(order: Order, new_status: str) -> None:
    if new_status not in TRANSITIONS.get(order.status, set()):
        raise DomainError(_('An order that is %(status)s cannot become %(new_status)s.', status=status_in_sentence(order.status),
                            new_status=status_in_sentence(new_status)))
    order.status = new_status


def mark_paid(order: Order) -> Order:
    """The owner received the money (pay on delivery): the order enters the ledger."""
    if order.payment_method != "cod":
        raise DomainError(_("A card order is marked paid by Stripe when the shopper’s payment succeeds."))
    if order.hold:
        raise DomainError(_('This order waits for a confirmation: approve it first.'))
    _move(order, "paid")
    order.paid_at = utcnow()
    db.session.flush()
    record_sale(order, db.session.get(Shop, order.shop_id))
    return order


def mark_card_paid(order: Order) -> bool:
    """pending -> paid for a card order, for exactly one caller (the webhook and the
    shopper’s return from Stripe may race): a conditional UPDATE. True if this call won."""
    now = utcnow()
    won = db.session.execute(
        update(Order).where(Order.id == order.id, Order.shop_id == order.shop_id,
                            Order.status == "pending")
        .values(status="paid", paid_at=now).execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.refresh(order)
    return won


def cancel_order(order: Order, reason: str = "", *, source: str = "dashboard",
                 user_id: int | None = None) -> Order:
    """Cancel and put every line's quantity back into the supplier's stock. Its open
    purchase orders are cancelled too; refused once any line has shipped. An order with
    money still paid is cancelled by its refund (app.payments.refunds.cancel_and_refund),
    which calls this once the money is back: payments use orders, never the reverse."""
    if "cancelled" not in TRANSITIONS.get(order.status, set()):
        raise DomainError(_('An order that is %(status)s cannot become cancelled.', status=status_in_sentence(order.status)))
    if has_shipped(order):
        raise DomainError(_('Part of this order has already shipped, so it can no longer be cancelled.'))
    if order.status in ("paid", "refunded") and order.net_total > 0:
        raise DomainError(_('A paid order is cancelled with a refund of its payment.'))
    cancel_purchase_orders(order)
    record_supplier_returns(order)
    _move(order, "cancelled")
    order.cancel_reason = reason[:200]
    order.cancelled_at = utcnow()
    if order.payment_method == "card" and order.paid_at is None:
        give_back(order)  # the card never paid: the code was never spent
    for line in [] if order.made_to_order else order.lines:
        db.session.execute(
            update(SupplyVariant)
            .where(SupplyVariant.id == line.supply_variant_id)
            .values(stock=SupplyVariant.stock + line.quantity)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    return order


def order_of_checkout(checkout_key: str | None) -> Order | None:
    """The order a checkout form already placed (current shop), if any."""
    if not checkout_key:
        return None
    return db.session.scalar(select(Order).where(Order.checkout_key == checkout_key))


def get_order(order_id) -> Order:
    order = get_for_shop(db.session, Order, order_id)
    if order is None:
        raise NotFound(_('No such order in this shop.'))
    return order


def find_order_for_shopper(number: str, token: str) -> Order | None:
    """The order behind a private status link, in the current shop only."""
    order = db.session.scalar(select(Order).where(Order.number == (number or "").upper()))
    # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    if order is None or not secrets.compare_digest(order.access_token.encode(), (token or "").encode()):
        return None
    return order
