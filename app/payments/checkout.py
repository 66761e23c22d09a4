"""Checkout as one use case: place the order (and open its card payment), committed before
the shopper is sent on, to Stripe or to the order's page.

It owns its transaction, unlike ordinary views' services (app/unit_of_work.py): the shopper
must never be sent to pay for an order that is not saved, and a database that goes away
during the commit (before it, or after it with the answer lost) must not make the shopper
order twice. So the commit is here, and a failed one is asked about again.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError

from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.orders import confirmation
from app.orders.services import CustomerDetails, order_of_checkout, place_order
from app.unit_of_work import commit

from .services import start_card_checkout

log = logging.getLogger(__name__)


class CheckoutUnavailable(DomainError):
    """The database failed and the order was not placed: nothing was charged."""

    status = 503


def checkout(shop, cart, customer: CustomerDetails, *, pay_by_card: bool, checkout_key: str | None,
             status_url, cancel_url, confirm_url, pickup_point=None, discount_code: str = "",
             quote=None):
    """The placed order (committed). Raises OutOfStock or another DomainError (nothing
    written), or CheckoutUnavailable when the database failed before the order was saved.
    A pay-on-delivery order may be held for the shopper's or the owner's confirmation
    (the shop's choice); `confirm_url(number, token)` is the shopper's e-mailed link.
    `discount_code`: a code the shopper typed (refused with a DomainError on its field);
    `quote`: the cart's quote the page already made for these details (its code is counted,
    and checked again, as the order is placed). The order speaks the shopper's language
    (`place_order` writes it from the storefront's request)."""
    try:
        if pay_by_card:
            order = start_card_checkout(shop, cart, customer, checkout_key=checkout_key,
                                        status_url=status_url, cancel_url=cancel_url, pickup_point=pickup_point,
                                        discount_code=discount_code, quote=quote).order
        else:
            waits_for = confirmation.hold_for(shop)
            order = place_order(shop, cart, customer, checkout_key=checkout_key, held=bool(waits_for),
                                pickup_point=pickup_point, discount_code=discount_code, quote=quote)
            if waits_for:
                confirmation.hold(order, shop, waits_for, confirm_url=confirm_url)
        # The caller reads back only what this wrote (the order's number and token for its
        # redirect, the shop it already had): not read again after the commit.
        commit(keep_loaded=True)
    except OperationalError:
        db.session.rollback()
        log.exception("checkout: the database failed")
        placed = _placed_after_all(checkout_key)
        if placed is None:
            raise CheckoutUnavailable(_('We could not place your order just now and nothing was charged. Please try again in a moment.')) from None
        return placed
    return order


def _placed_after_all(checkout_key: str | None):
    """Look again on a fresh connection: did the commit go through, its answer lost?"""
    try:
        return order_of_checkout(checkout_key)
    except OperationalError:
        db.session.rollback()
        return None
