"""Issue 14, item 13: a sold-out item in the cart sends the shopper back before the checkout
form, and a paused listing (a price the owner has not approved) shows no price by URL."""

from __future__ import annotations

import re

from sqlalchemy import update

from app.catalog.models import SupplyVariant
from app.extensions import db
from app.shops.models import Listing
from app.tenancy import unscoped
from tests.payments.helpers import add_to_cart


def test_a_sold_out_item_is_caught_before_the_checkout_form(shop_a, storefront):
    client = storefront(shop_a.shop)
    crisps = shop_a.listings[1]
    add_to_cart(client, crisps)
    with unscoped():
        db.session.execute(update(SupplyVariant).where(SupplyVariant.id == crisps.supply_product.variants[0].id)
                           .values(stock=0))
        db.session.flush()
    sent_back = client.get("/checkout")
    assert sent_back.status_code == 302 and sent_back.location.endswith("/cart")
    assert "sold out" in client.get("/cart").get_data(as_text=True)


def test_a_paused_listing_shows_no_price(shop_a, storefront):
    tee = shop_a.listings[0]
    with unscoped():
        db.session.execute(update(Listing).where(Listing.id == tee.id).values(status="paused"))
        db.session.flush()
    page = storefront(shop_a.shop).get(f"/products/{tee.handle}").get_data(as_text=True)
    assert "Currently unavailable" in page and "$18.00" not in page and "product:price:amount" not in page
    assert '"offers"' not in page and 'name="variant_id"' not in page


def test_asking_for_more_than_the_stock_keeps_the_choice(shop_a, storefront):
    """Issue 14, item 10: the tee's second option has 1 left; asking for 3 comes back with
    that option and 3 still chosen, and the reason."""
    client = storefront(shop_a.shop)
    tee = shop_a.listings[0]
    medium = tee.supply_product.variants[1]
    refused = client.post("/cart/add", data={"listing_id": tee.id, "variant_id": medium.id, "quantity": 3})
    assert refused.status_code == 302 and f"variant={medium.id}" in refused.location and "qty=3" in refused.location
    page = client.get(refused.location).get_data(as_text=True)
    selected = re.search(r'<option value="(\d+)" selected', page)  # the variant the form sends
    assert selected and int(selected.group(1)) == medium.id
    assert re.search(r'name="option-0" id="option-0-\d+" value="M" checked', page)  # its size picker
    assert 'name="quantity" value="3"' in page
