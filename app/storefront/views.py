"""The shopper-facing site on every non-platform host, rendered through the shop's theme."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import NamedTuple

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    request,
    send_file,
    send_from_directory,
    session,
    url_for,
)
from markupsafe import Markup

from app import i18n
from app.accounts.verification import shop_owner_verified
from app.config import STATIC_DIR
from app.deals import services as deals
from app.deals import weekly
from app.errors import DomainError
from app.extensions import csrf, limiter
from app.i18n import _
from app.integrations import stripe_gateway
from app.ledger.connect import status_of
from app.ledger.services import balances
from app.money import format_money
from app.orders import cart as carts
from app.orders import confirmation
from app.orders.fulfilment import tracking_of
from app.orders.lookup import send_order_links
from app.orders.pickup import collect as collect_at_point
from app.orders.pickup import orders_at
from app.orders.services import (
    CustomerDetails,
    OutOfStock,
    find_order_for_shopper,
    order_of_checkout,
)
from app.orders.shipping import shipping_zones
from app.payments.checkout import CheckoutUnavailable
from app.payments.checkout import checkout as checkout_use_case
from app.payments.holds import balance_due, start_balance_checkout
from app.payments.refunds import cancel_and_refund
from app.payments.services import confirm_return, open_payment
from app.payout_onboarding import secret_link_payout_routes
from app.remembered import remembered
from app.shops import browsing, pickup
from app.shops.hosts import read_again, resolve_shop
from app.shops.models import Collection, Listing
from app.shops.option_pickers import variant_choice
from app.shops.pricing import PriceRule, price_table
from app.tenancy import current_shop_id, for_shop, scope_requests
from app.themes.registry import static_file_path
from app.unit_of_work import refuse
from app.web import flash_refusal, local_path, row_id, same_site_form

from . import checkout_limits, checkout_quotes, pictures, seo, sharing, theming
from .forms import CheckoutForm, country_name
from .rendering import asset_version, render_storefront

bp = Blueprint("storefront", __name__)
ALWAYS_OPEN = {"storefront.asset", "storefront.shared_static", "storefront.favicon",
               "storefront.domain_verification"}
# A suspended shop takes no new orders, but shoppers can still follow the ones they placed
# and read its policies (returns, refunds).
OPEN_WHEN_CLOSED = {"storefront.order_status", "storefront.switch_language", "storefront.media", "storefront.robots",
                    "storefront.policy_page"}
PREVIEW_ENDPOINTS = {"storefront.start_preview", "storefront.exit_preview"}
THEME_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


@bp.url_value_preprocessor
def _drop_host(endpoint, values):
    if values is not None:
        values.pop("shop_host", None)


@bp.url_defaults
def _add_host(endpoint, values):
    if has_request_context() and "shop_host" not in values:
        values["shop_host"] = request.host


def _shop_of_host():
    if request.endpoint in ALWAYS_OPEN:
        return None
    shop = resolve_shop(request.host)
    if shop is None:
        g.unknown_shop = True
        abort(404)
    cache = current_app.extensions.get("page_cache")  # (app/storefront/page_cache.py)
    if cache is not None and cache.note_shop(shop.id):
        read_again(shop)  # after the generations the page will be stored under
    g.shop, g.theme = shop, shop.theme
    g.storefront = True  # the shop's language, not the signed-in user's (app/i18n.py)
    return for_shop(shop.id)


scope_requests(bp, _shop_of_host)


@bp.before_request
def _open_to_shoppers():
    """In the shop's scope: its theme, and whether it takes shoppers now."""
    shop = g.get("shop")
    if shop is None:
        return None
    theming.load_state(shop)
    if not shop.is_open and request.endpoint not in OPEN_WHEN_CLOSED:
        return render_storefront("closed.html", status=403)
    if _waiting_for_confirmed_owner(shop):
        return render_storefront("closed.html", status=403, opening_soon=True)
    return None


def _waiting_for_confirmed_owner(shop) -> bool:
    """A shop opens to shoppers once an owner has confirmed their e-mail address (a
    throw-away sign-up must not take orders). Until then the owner's draft preview may
    look around, but nobody can add to a cart or check out."""
    if request.endpoint in OPEN_WHEN_CLOSED or request.endpoint in PREVIEW_ENDPOINTS:
        return False
    if remembered("owner_verified", lambda: shop_owner_verified(shop.id), shop_id=shop.id):
        return False
    state = theming.current_state()
    return not (state is not None and state.is_draft and request.method in ("GET", "HEAD"))


@bp.context_processor
def _cart_badge():
    shop = getattr(g, "shop", None)
    return {"cart_count": sum(_raw_cart().values()) if shop else 0,
            "nav_collections": _nav_collections, "cart_summary": _cart_summary,
            "current_path": request.full_path.rstrip("?") if shop else "/",
            "listing_picture": pictures.listing_picture}


def _cart_summary():
    """The cart's count and subtotal, for themes with a sticky cart bar (a callable, so
    only those themes pay for building the cart)."""
    if getattr(g, "shop", None) is None:
        return None
    return carts.build_cart(_raw_cart(), g.shop.currency)


class MenuItem(NamedTuple):
    handle: str
    title: str


def _nav_collections() -> list[MenuItem]:
    """The header menu's collections (non-empty ones). A callable, so only templates that
    show the menu pay for it; kept between requests until the shop changes."""
    if getattr(g, "shop", None) is None:
        return []
    return remembered("menu", lambda: [MenuItem(c.handle, c.title) for c in browsing.storefront_collections()],
                      shop_id=current_shop_id())


def _raw_cart() -> dict[str, int]:
    return carts.raw_cart(session, g.shop.id)


def _save_cart(raw: dict[str, int]) -> None:
    carts.save_raw_cart(session, g.shop.id, raw)


def _offer(listing: Listing) -> dict:
    """What a product card shows: the lowest variant price and whether anything is in stock."""
    product = listing.supply_product
    prices = [PriceRule.of(listing).price_for(v, g.shop.currency) for v in product.variants]
    paused = listing.status == "paused"  # a supplier price move the owner has not approved
    in_stock = not paused and product.is_available and any(v.stock > 0 for v in product.variants)
    return {"listing": listing, "product": product, "price": min(prices) if prices else 0,
            "varies": len(set(prices)) > 1, "in_stock": in_stock, "paused": paused,
            "image": pictures.listing_picture(listing)}


def _collection_offers(collection: Collection) -> list[dict]:
    """The cards of a collection's products that are on sale (visible, not paused)."""
    return [_offer(e.listing) for e in collection.entries if e.listing.on_sale]


class Shelf(Sequence):
    """The home page's products: the shop's listings on sale, in its order, made into cards
    only when a section shows them. A home whose grid shows 48 products loads and prices
    those 48 (and its featured collections'), whether the shop sells 100 or 10,000; `len`
    is their number. Sections slice it (`offers[:limit]`); iterating loads it a chunk at a
    time."""

    CHUNK = 48  # the product grid's default size: the first slice is one query

    def __init__(self):
        self.ids = browsing.shelf_ids()
        self.ids_on_sale = set(self.ids)
        self.made: dict[int, dict] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.offers(self.ids[index])
        return self.offers([self.ids[index]])[0]

    def __iter__(self):
        for start in range(0, len(self.ids), self.CHUNK):
            yield from self.offers(self.ids[start:start + self.CHUNK])

    def offers(self, listing_ids: list[int]) -> list[dict]:
        """The cards of these listings (all on sale), in this order. The first load takes
        the first CHUNK too (the share card's pictures, a hero's mosaic and the grid all
        start there: one query for all of them)."""
        first = [] if self.made else self.ids[:self.CHUNK]
        missing = [i for i in dict.fromkeys([*first, *listing_ids]) if i not in self.made]
        if missing:
            for listing in browsing.cards(missing):
                self.made[listing.id] = _offer(listing)
        return [self.made[listing_id] for listing_id in listing_ids]


@bp.get("/")
def home():
    offers = Shelf()
    collections = browsing.storefront_collections()
    by_handle = {c.handle: c for c in collections}

    # Each collection's listings on sale, in its order (as the shelf holds them).
    on_sale_in = {collection_id: [i for i in ids if i in offers.ids_on_sale]
                  for collection_id, ids in browsing.listing_ids_held(collections).items()}

    def collection_offers(handle: str, limit: int = 0) -> tuple[Collection | None, list[dict]]:
        """A featured-collection section's collection and its products on sale, in the
        collection's order (as the shelf's cards)."""
        found = by_handle.get(handle) if handle else (collections[0] if collections else None)
        if found is None:
            return None, []
        ids = on_sale_in[found.id]
        return found, offers.offers(ids[:limit] if limit else ids)

    @functools.cache
    def first_pictures() -> dict[int, str]:
        """Each collection's first product's picture: from the shelf's card when it made one
        (the share card made the first CHUNK already), else read, in one query."""
        firsts = [ids[0] for ids in on_sale_in.values() if ids]
        carded = {i: offers.made[i]["image"] for i in firsts if i in offers.made}
        rest = [i for i in firsts if i not in carded]
        return {**carded, **(pictures.listing_pictures(rest) if rest else {})}

    def collection_card(collection: Collection) -> tuple[int, str]:
        """A collection-list card's figures: how many of its products are on sale, and the
        first one's picture ("" when none is; every collection's read at the first call)."""
        ids = on_sale_in[collection.id]
        return len(ids), (first_pictures().get(ids[0]) or "") if ids else ""

    return render_storefront(
        "home.html", offers=offers, collections=collections,
        collection_offers=collection_offers, collection_card=collection_card, meta=seo.home_meta(g.shop),
        week=weekly.on_show(),
        share=sharing.share_of(sharing.home_target(g.shop, offers)),
    )


@bp.get("/language")
def switch_language():
    """The shopper's language switcher: remembered in the `lang` cookie (no session, so the
    shop's stored pages still serve them), then back to the page they were on."""
    response = redirect(local_path(request.args.get("next")) or url_for(".home"), code=303)
    i18n.set_language_cookie(response, request.args.get("to", ""))
    return response


@bp.get("/collections/<handle>")
def collection(handle: str):
    found = browsing.collection_by_handle(handle)
    if found is None:
        abort(404)
    offers = _collection_offers(found)
    return render_storefront("collection.html", collection=found, offers=offers,
                             meta=seo.collection_meta(g.shop, found, offers),
                             share=sharing.share_of(sharing.collection_target(g.shop, found, offers)))


@bp.get("/products/<handle>")
def product(handle: str):
    listing = browsing.visible_listing(handle)
    if listing is None:
        abort(404)
    prices = price_table(PriceRule.of(listing), listing.supply_product, g.shop.currency)
    offer = _offer(listing)
    offered = deals.deals_of_listing(listing.id)
    deal, presale = offered.get("group"), offered.get("presale")
    if deal is not None and deal.status != "active":
        deal = None
    chosen = request.args.get("variant", type=row_id)
    choice = variant_choice(prices, for_sale=listing.supply_product.is_available, chosen_id=chosen)
    gallery = pictures.product_gallery(listing, choice.default_id if chosen else None)
    return render_storefront("product.html", offer=offer, listing=listing, prices=prices, choice=choice,
                             gallery=gallery, chosen_quantity=min(request.args.get("qty", 1, type=row_id) or 1, 99),
                             meta=seo.product_meta(g.shop, listing, offer, prices,
                                                   [picture.url for picture in gallery.pictures]), deal=deal,
                             groups=deals.open_rounds(deal, limit=5) if deal else [],
                             presale=presale, presale_run=deals.current_run(presale) if presale else None,
                             week=weekly.on_show(), share=sharing.share_of(sharing.product_target(g.shop, listing, offer)))


@bp.get("/search")
def search():
    query = (request.args.get("q") or "").strip()[:browsing.MAX_QUERY]
    offers = [_offer(listing) for listing in browsing.search_listings(query)]
    return render_storefront("search.html", query=query, offers=offers)


@bp.get("/cart")
def cart():
    return render_storefront("cart.html", cart=carts.build_cart(_raw_cart(), g.shop.currency),
                             shipping_charged=bool(shipping_zones()))


@bp.post("/cart/add")
@csrf.exempt
@same_site_form
def cart_add():
    listing = browsing.visible_listing_by_id(request.form.get("listing_id", type=row_id))
    if listing is None:
        abort(404)
    try:
        _save_cart(carts.add_to_cart(_raw_cart(), listing, request.form.get("variant_id"),
                                     request.form.get("quantity", 1)))
    except DomainError as error:
        flash(error.message, "error")
        # Back to the product with the shopper's choice kept (option and quantity).
        return redirect(local_path(request.form.get("return_to"))
                        or url_for(".product", handle=listing.handle,
                                   variant=request.form.get("variant_id", type=row_id),
                                   qty=request.form.get("quantity", type=row_id)))
    flash(_("Added %(title)s to your cart.", title=listing.title), "success")
    # Quick-add buttons on product cards send the shopper back to where they were.
    return redirect(local_path(request.form.get("return_to")) or url_for(".cart"))


@bp.post("/cart/update")
def cart_update():
    raw = _raw_cart()
    for key in list(raw):
        if request.form.get(f"remove-{key}"):
            raw = carts.set_quantity(raw, key, 0)
        elif f"qty-{key}" in request.form:
            raw = carts.set_quantity(raw, key, request.form.get(f"qty-{key}"))
    _save_cart(raw)
    return redirect(url_for(".cart"))


@bp.route("/checkout", methods=["GET", "POST"])
def checkout():
    cart = carts.build_cart(_raw_cart(), g.shop.currency)
    if cart.is_empty:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for(".cart"))
    if cart.problems and request.method == "GET":
        # Before the shopper types a whole address: the cart has something to fix first.
        flash(" ".join(cart.problems), "error")
        return redirect(url_for(".cart"))
    form = CheckoutForm()
    card_payments = stripe_gateway.enabled()
    if card_payments:
        form.offer_card()
    form.offer_pickup(pickup.pickup_points(active_only=True))
    checkout_quotes.offer_countries(form)
    status = 200

    def page(status: int, quote=None, rates=None):
        if quote is None:
            quote, rates = checkout_quotes.quotes(form, cart)
        return render_storefront("checkout.html", cart=cart, form=form, card_payments=card_payments,
                                 pickup_points=form.points, quote=quote, rates=rates, status=status)

    if form.is_submitted() and (request.form.get("apply_code") or request.form.get("remove_code")):
        # "Apply" (or "Remove") a discount code: the page again, with what it does; nothing is placed.
        if request.form.get("remove_code"):
            form.discount_code.data = ""
        quote, rates = checkout_quotes.quotes(form, cart)
        return page(422 if form.discount_code.errors else 200, quote, rates)
    if form.validate_on_submit():
        key = form.checkout_key.data or None
        placed = order_of_checkout(key)
        if placed is not None:  # this form was sent before (a retry, a double click)
            return _after_checkout(placed)
        details = CustomerDetails(**{k: form.data[k] for k in (
            "name", "email", "phone", "line1", "line2", "city", "region", "postcode", "country")})
        quote, rates = checkout_quotes.quotes(form, cart)
        if form.errors or (form.quoted() is not None and form.quoted() != quote.total):
            # The shopper has not seen this total yet (a code typed but not applied, another
            # country's shipping without the page's script): show it first.
            if not form.errors:
                flash(_("Your total is now %(total)s. Check it, then place your order.",
                        total=format_money(quote.total, cart.currency)), "info")
            return page(422 if form.errors else 409, quote, rates)
        if not checkout_limits.allows_checkout(g.shop.id, details.email):
            flash(str(checkout_limits.REFUSAL), "error")
            return page(429, quote, rates)
        try:
            order = checkout_use_case(
                g.shop, cart, details, pay_by_card=form.payment_method.data == "card",
                checkout_key=key, discount_code=form.discount_code.data or "",
                status_url=lambda number, token: url_for(".order_status", number=number,
                                                         token=token, _external=True),
                cancel_url=lambda number, token: url_for(".cancel_payment", number=number,
                                                         token=token, _external=True),
                confirm_url=lambda number, token: url_for(".confirm_order", number=number,
                                                          token=token, _external=True),
                pickup_point=form.chosen_point(), quote=quote)
        except OutOfStock as error:
            flash_refusal(error)
            return redirect(url_for(".cart"))
        except CheckoutUnavailable as error:
            flash_refusal(error)
            status = error.status
        except DomainError as error:
            if error.field and error.field in form:
                refuse()
                form[error.field].errors.append(error.message)
            else:
                flash_refusal(error)
        else:
            return _after_checkout(order)
    elif not form.is_submitted():
        form.draw_checkout_key()
    return page(422 if form.errors else status)


def _after_checkout(order):
    """Where a placed order sends the shopper: Stripe's page while a card order waits to be
    paid there, else the order's status page. The cart is done with."""
    _save_cart({})
    payment = open_payment(order)
    if payment is not None and payment.checkout_url:
        return redirect(payment.checkout_url, code=303)
    return redirect(url_for(".order_status", number=order.number, token=order.access_token,
                            placed=1))


@bp.get("/orders/<number>/<token>")
def order_status(number: str, token: str):
    order = find_order_for_shopper(number, token)
    if order is None:
        abort(404)
    session_id = request.args.get("session_id", "")
    just_paid = False
    if session_id:
        if order.status == "pending":
            # Back from Stripe: ask it now instead of waiting for the webhook.
            confirm_return(order, session_id)  # commits with the page (app/unit_of_work.py)
        # The webhook may have won the race: back from Stripe and paid is still "just paid".
        just_paid = order.status == "paid"
        joined = deals.round_of(order)
        if joined is not None and joined.deal.kind == "group" and order.status != "cancelled":
            # A group's member: their group's page, with its progress and share link.
            return redirect(url_for(".group", token=joined.token, order=order.number))
    return render_storefront("order.html", order=order, presale_run=deals.presale_run_of(order),
                             pickup_point=pickup.get_pickup_point(order.pickup_point_id) if order.pickup_point_id else None,
                             pickup_qr=_pickup_qr(order),
                             balance=balance_due(order) if order.hold == "balance" else 0,
                             just_placed=bool(request.args.get("placed")) or just_paid,
                             payment=open_payment(order),
                             country_name=country_name(order.ship_country),
                             tracking=tracking_of(order))


def _pickup_qr(order):
    """The pickup code as a QR code the person in charge can scan from the shopper's phone."""
    if not order.pickup_code:
        return None
    return Markup(segno.make(order.pickup_code, error="m").svg_inline(  # noqa: S704 - segno's own SVG
        scale=6, border=2, dark="#111111", omitsize=True))


@bp.route("/pickup/<int:point_id>/<token>", methods=["GET", "POST"])
def pickup_desk(point_id: int, token: str):
    """The person in charge of a pickup point: type (or scan) a shopper's code and hand the
    order over. Reached by the point's secret link; any other link is a 404."""
    point = pickup.point_for_staff(point_id, token)
    if point is None:
        abort(404)
    status, code = 200, ""
    if request.method == "POST":
        code = request.form.get("code", "")
        try:
            order = collect_at_point(point, code)
        except DomainError as error:
            refuse()
            flash(error.message, "error")
            status = 422
        else:
            flash(_("Order %(number)s for %(name)s: collected. Hand it over.", number=order.number, name=order.customer_name),
                  "success")
            return redirect(url_for(".pickup_desk", point_id=point.id, token=token))
    return render_storefront("pickup_desk.html", point=point, orders=orders_at(point), code=code, status=status,
                             earned=balances("pickup_point", point.id), payouts=status_of("pickup_point", point.id))


def _point_or_404(point_id: int, token: str):
    point = pickup.point_for_staff(point_id, token)
    if point is None:
        abort(404)
    return point


secret_link_payout_routes(bp, name="pickup_payouts", rule="/pickup/<int:point_id>/<token>",
                          payee_type="pickup_point", find=_point_or_404, email_of=lambda point: "",
                          page="pickup_desk")


def _find_orders_limit() -> str:
    return current_app.config["CHECKOUT_EMAIL_RATE_LIMIT"]


@bp.route("/orders/find", methods=["GET", "POST"])
@limiter.limit(_find_orders_limit, methods=["POST"])
def find_orders():
    """'Find my order': the links to a shopper's orders, e-mailed to them (app/orders/lookup.py)."""
    email, error = request.form.get("email", "").strip()[:254], ""
    if request.method == "POST":
        try:
            send_order_links(g.shop, email)
        except DomainError as refusal:
            refuse()
            error = refusal.message
        else:
            return render_storefront("find_orders.html", sent=True, email=email)
    return render_storefront("find_orders.html", sent=False, email=email, error=error,
                             status=422 if error else 200)


@bp.post("/orders/<number>/<token>/balance")
def pay_balance(number: str, token: str):
    """A pre-order that went ahead: Stripe's page for its balance."""
    order = find_order_for_shopper(number, token)
    if order is None:
        abort(404)
    try:
        url = start_balance_checkout(
            order, status_url=url_for(".order_status", number=order.number, token=order.access_token, _external=True),
            cancel_url=url_for(".order_status", number=order.number, token=order.access_token, _external=True))
    except DomainError as error:
        flash_refusal(error)
        return redirect(url_for(".order_status", number=order.number, token=order.access_token))
    return redirect(url, code=303)


@bp.route("/orders/<number>/<token>/confirm", methods=["GET", "POST"])
def confirm_order(number: str, token: str):
    """The link e-mailed for a held pay-on-delivery order (`token` is the confirmation
    token, not the order's link). A GET only asks (mail scanners open links); a POST confirms."""
    if request.method == "POST":
        try:
            order = confirmation.confirm_by_shopper(number, token)
        except DomainError:
            refuse()
            return render_storefront("confirm_order.html", order=None, status=410)
        flash(_("Thank you: your order is confirmed and goes to the supplier now."), "success")
        return redirect(url_for(".order_status", number=order.number, token=order.access_token))
    order = confirmation.order_to_confirm(number, token)
    return render_storefront("confirm_order.html", order=order, status=200 if order else 410)


@bp.get("/orders/<number>/<token>/cancel-payment")
def confirm_cancel_payment(number: str, token: str):
    """Stripe Checkout's cancel_url: the shopper pressed "back" on Stripe's page. A GET
    changes nothing (a link or an image could send one); it asks, and the answer is a POST."""
    order = find_order_for_shopper(number, token)
    if order is None:
        abort(404)
    if not _payment_cancellable(order):
        return redirect(url_for(".order_status", number=number, token=token))
    return render_storefront("cancel_payment.html", order=order, payment=open_payment(order))


def _payment_cancellable(order) -> bool:
    return order.status == "pending" and order.payment_method == "card"


@bp.post("/orders/<number>/<token>/cancel-payment")
def cancel_payment(number: str, token: str):
    """Close the payment, cancel the pending order so its stock goes back, and put the
    items back in the cart."""
    order = find_order_for_shopper(number, token)
    if order is None:
        abort(404)
    if _payment_cancellable(order):
        try:
            cancel_and_refund(order, reason=_("The shopper went back from the card payment."),
                              source="shopper")
        except DomainError as error:
            flash_refusal(error)
            return redirect(url_for(".order_status", number=number, token=token))
        joined = deals.round_of(order)
        if joined is not None:  # a group's or pre-sale's order: back where the shopper started
            flash(_("Payment cancelled: you did not join."), "info")
            if joined.deal.kind == "group":
                return redirect(url_for(".group", token=joined.token))
            return redirect(url_for(".product", handle=deals.deal_listing(joined.deal).handle))
        _save_cart({carts.line_key(line.listing_id, line.supply_variant_id): line.quantity
                    for line in order.lines})
        flash(_("Payment cancelled. Your cart is just as you left it."), "info")
        return redirect(url_for(".checkout"))
    return redirect(url_for(".order_status", number=number, token=token))


@bp.get("/assets/<theme>/<path:filename>")
def asset(theme: str, filename: str):
    path = static_file_path(theme, filename) if THEME_NAME.fullmatch(theme) else None
    if path is None:
        abort(404)
    if request.args.get("v") != asset_version(path):  # not the current content's URL
        return send_file(path, max_age=0)
    # The URL names this content: cache it for a year, never ask again (no no-cache).
    response = send_file(path, max_age=31536000)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@bp.get("/static/<path:filename>")
def shared_static(filename: str):
    """Platform static files (catalog images such as the demo's) on shop hosts too, so a
    catalog image path like /static/demo/tee.svg works on every host."""
    return send_from_directory(STATIC_DIR, filename, max_age=3600)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on every host; answer with the platform's icon."""
    return send_from_directory(STATIC_DIR, "favicon.svg", mimetype="image/svg+xml", max_age=86400)


# Sitemaps, robots, media, previews, newsletter, domain checks; group buys; referrals; sharing;
# the shop's policy pages and contact form.
from . import deal_views, page_views, referral_views, share_views, site_views  # noqa: E402,F401
