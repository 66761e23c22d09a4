"""A shopper's path: product page, cart, checkout, confirmation."""

from sqlalchemy import select

from app.catalog.models import SupplyVariant
from app.extensions import db
from app.notifications.models import OutboundEmail
from app.orders.models import Order
from app.shops.services import set_shop_status
from app.tenancy import unscoped

CHECKOUT = {"name": "Ada Shopper", "email": "ada@example.com", "phone": "+1 555 0100 200",
            "line1": "1 Main Street", "city": "Springfield", "postcode": "12345", "country": "US"}


def _add(client, listing, variant, quantity=1):
    return client.post("/cart/add", data={"listing_id": listing.id, "variant_id": variant.id,
                                          "quantity": quantity})


def test_product_page_shows_variants_prices_and_recommendation(shop_a, storefront):
    listing = shop_a.listings[0]
    page = storefront(shop_a.shop).get(f"/products/{listing.handle}")
    assert page.status_code == 200
    assert b"Why alpha loves it." in page.data
    assert b"$18.00" in page.data  # 1200 wholesale + 50 % markup
    assert b"Sand" in page.data


def test_full_checkout_places_order_takes_stock_and_emails(shop_a, storefront):
    client = storefront(shop_a.shop)
    listing = shop_a.listings[0]
    variant = listing.supply_product.variants[0]
    stock_before = variant.stock
    assert _add(client, listing, variant, 2).status_code == 302
    cart = client.get("/cart")
    assert b"$36.00" in cart.data

    response = client.post("/checkout", data=CHECKOUT)
    assert response.status_code == 302
    assert "/orders/FS-" in response.location
    confirmation = client.get(response.location)
    assert confirmation.status_code == 200

    with unscoped():
        order = db.session.scalar(select(Order).where(Order.shop_id == shop_a.shop.id))
        assert order.total == 3600 and order.currency == "USD" and order.status == "pending"
        line = order.lines[0]
        assert (line.unit_price, line.unit_cost, line.quantity) == (1800, 1200, 2)
        assert line.title == listing.title and line.supplier_id == listing.supply_product.supplier_id
        assert order.number.encode() in confirmation.data
        db.session.refresh(variant)
        assert variant.stock == stock_before - 2
        email = db.session.scalar(select(OutboundEmail).where(
            OutboundEmail.dedupe_key == f"order-confirmation:{order.id}"))
        assert email.to_address == "ada@example.com"
        assert order.access_token in email.body_text
    assert client.get("/cart").data.count(b"qty-") == 0  # the cart is empty again


def test_checkout_form_errors_are_shown_and_nothing_is_written(shop_a, storefront):
    client = storefront(shop_a.shop)
    listing = shop_a.listings[1]
    _add(client, listing, listing.supply_product.variants[0])
    bad = dict(CHECKOUT, email="not-an-email", phone="12")
    page = client.post("/checkout", data=bad)
    assert page.status_code == 422
    assert "Enter an e-mail address like name@example.com." in page.get_data(as_text=True)
    # Each empty field says what to type, in the shop's language.
    empty = dict(CHECKOUT, name="", email="", phone="", line1="", city="")
    text = client.post("/checkout", data=empty).get_data(as_text=True)
    for message in ("Enter your full name: the courier needs it.",
                    "Enter your e-mail address: your order confirmation goes there.",
                    "Enter a phone number the courier can call.", "Enter the street and house number.",
                    "Enter the city."):
        assert message in text
    assert "This field is required." not in text
    with unscoped():
        assert db.session.scalar(select(Order).where(Order.shop_id == shop_a.shop.id)) is None


def test_cannot_add_more_than_in_stock(shop_a, storefront):
    client = storefront(shop_a.shop)
    listing = shop_a.listings[0]
    last_unit = listing.supply_product.variants[1]  # stock 1
    response = _add(client, listing, last_unit, 2)
    assert response.status_code == 302 and "/products/" in response.location
    assert b"Only 1 left" in client.get(response.location).data


def test_sold_out_between_cart_and_checkout_is_refused_cleanly(shop_a, storefront):
    client = storefront(shop_a.shop)
    listing = shop_a.listings[0]
    variant = listing.supply_product.variants[1]
    other = shop_a.listings[1]
    _add(client, other, other.supply_product.variants[0], 3)
    _add(client, listing, variant, 1)
    stock_other = other.supply_product.variants[0].stock
    variant.stock = 0  # someone else bought the last one
    db.session.flush()
    response = client.post("/checkout", data=CHECKOUT)
    assert response.status_code == 302 and response.location.endswith("/cart")
    with unscoped():
        assert db.session.scalar(select(Order).where(Order.shop_id == shop_a.shop.id)) is None
        assert db.session.get(SupplyVariant, other.supply_product.variants[0].id).stock == stock_other


def test_cart_update_and_remove(shop_a, storefront):
    client = storefront(shop_a.shop)
    listing = shop_a.listings[1]
    variant = listing.supply_product.variants[0]
    _add(client, listing, variant, 1)
    key = f"{listing.id}:{variant.id}"
    client.post("/cart/update", data={f"qty-{key}": "4"})
    assert b"$15.00" in client.get("/cart").data  # 4 x 375
    client.post("/cart/update", data={f"remove-{key}": "1"})
    assert b"qty-" not in client.get("/cart").data


def test_carts_are_per_shop(shop_a, shop_b, storefront):
    client_a = storefront(shop_a.shop)
    listing = shop_a.listings[1]
    _add(client_a, listing, listing.supply_product.variants[0])
    assert b"qty-" not in storefront(shop_b.shop).get("/cart").data


def test_empty_cart_checkout_redirects(shop_a, storefront):
    response = storefront(shop_a.shop).get("/checkout")
    assert response.status_code == 302 and response.location.endswith("/cart")


def test_suspended_shop_shows_closed_page(shop_a, storefront):
    from tests.factories import make_order

    order = make_order(shop_a)
    status_path = f"/orders/{order.number}/{order.access_token}"
    set_shop_status(shop_a.shop, "suspended", "Unpaid fees")
    # shoppers can still follow orders they placed
    assert storefront(shop_a.shop).get(status_path).status_code == 200
    page = storefront(shop_a.shop).get("/")
    assert page.status_code == 403
    assert b"alpha Organic Cotton Tee" not in page.data
    assert storefront(shop_a.shop).get(f"/products/{shop_a.listings[0].handle}").status_code == 403


def test_owner_text_is_escaped_everywhere(catalog, storefront):
    from app.shops.pricing import PriceRule
    from app.shops.services import add_listing, create_shop
    from app.tenancy import use_shop
    from tests.factories import make_user

    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    shop = create_shop(make_user(), name="Evil " + evil[:40], subdomain="evil", currency="USD",
                       bio=evil)
    with use_shop(shop.id):
        listing = add_listing(shop, catalog.snack.id, rule=PriceRule("markup", 5000),
                              title="Crisps " + evil, recommendation=evil)
    db.session.flush()
    client = storefront(shop)
    for path in ("/", f"/products/{listing.handle}", "/search?q=Crisps"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert b"<script>alert" not in page.data
        assert b"<img src=x onerror" not in page.data


def test_every_storefront_page_says_how_shoppers_can_pay(fake_stripe, shop_a, storefront):
    """The footer's "Pay by card" held only on the storefront blueprint's own pages: a
    storefront's "not found" page for an address no route knows said "no card needed"."""
    client = storefront(shop_a.shop)
    for path in ("/", "/products/no-such-product", "/no-such-page"):
        text = client.get(path).get_data(as_text=True)
        assert "Pay by card, or on delivery." in text and "no card needed" not in text, path
