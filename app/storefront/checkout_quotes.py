"""What the checkout pages show of an order's cost: the quote for the shopper's choices (a
discount code, the country or a pickup point), and the quote for every other country the
shop ships to, which checkout.js switches between as the shopper changes the country (the
server's figures, never the browser's arithmetic)."""

from __future__ import annotations

from dataclasses import replace

from flask import g, request

from app.i18n import _
from app.money import format_money
from app.orders.countries import likely_country
from app.orders.quotes import Quote, quotes_by_country
from app.orders.shipping import ShippingCharge, refusal_for, shippable_countries, shipping_zones

from .forms import CheckoutForm


def _zones() -> list:
    """The shop's shipping zones, read once a request: the country list and every quote of
    a checkout page use them (nothing on these pages changes them)."""
    if "checkout_zones" not in g:
        g.checkout_zones = shipping_zones()
    return g.checkout_zones


def offer_countries(form: CheckoutForm) -> None:
    """Only the countries the shop ships to; another is refused in plain words. Before the
    shopper picks one, the likeliest is chosen (their browser's region, the shop's currency)."""
    form.offer_countries(shippable_countries(_zones()), lambda code: refusal_for(g.shop, code))
    if not form.is_submitted() and not form.country.data:
        offered = [choice[0] for choice in form.country.iter_choices()]
        form.country.data = likely_country(offered, list(request.accept_languages.values()), g.shop.currency)


def quotes(form: CheckoutForm, cart, *, codes: bool = True, deposit: int | None = None) -> tuple[Quote, dict]:
    """The quote of the form's choices, and the page's table of every choice's figures. A
    code that does not apply says why on its field (and is left out); `codes`: False for
    group buys and pre-sales, which take none; a pre-sale's `deposit` is paid now, the rest
    (shipping too) later."""
    code = (form.discount_code.data or "") if codes else ""
    offered = [choice[0] for choice in form.country.iter_choices()]
    every = quotes_by_country(g.shop, cart, offered, code=code, email=form.email.data or "", zones=_zones())
    discount = every["pickup"].discount
    if discount is not None and discount.refusal and discount.refusal not in form.discount_code.errors:
        form.discount_code.errors = [*form.discount_code.errors, discount.refusal]
    chosen = "pickup" if form.chosen_point() is not None else form.chosen_country()
    quote = every.get(chosen)
    if quote is None:  # a country the shop does not ship to (a stale or crafted form)
        quote = replace(every["pickup"], shipping=ShippingCharge(refusal=refusal_for(g.shop, chosen)))
    return quote, {key: _figures(each, cart.currency, deposit) for key, each in every.items()}


def _figures(quote: Quote, currency: str, deposit: int | None) -> dict:
    shipping = quote.shipping
    figures = {"shipping": "—" if shipping.refusal else format_money(shipping.amount, currency) if shipping.amount
               else _("Free"),
               "note": shipping.refusal or shipping.note, "total": format_money(quote.total, currency),
               "amount": quote.total}
    if deposit is not None:
        figures["balance"] = format_money(quote.total - deposit, currency)
    return figures
