"""Issue 15: a rendered page's rows are freed as soon as the request ends, not left in
reference cycles for the garbage collector (app/storefront/rendering.py's `_render`
empties the template contexts the page made: each section's copy of the context and the
macros defined in it refer to each other; pricing a card's variants no longer links each
back to its product: app.catalog.exchange.priced_in)."""

from __future__ import annotations

import gc
import weakref

from sqlalchemy import event

from app.catalog.models import SupplyProduct, SupplyVariant
from app.shops.models import Listing


def test_a_rendered_pages_listings_are_freed_with_the_request(app, storefront, shop_a):
    client = storefront(shop_a.shop)
    client.flask_client.set_cookie("fs_ref", "unreadable", domain=client.host)  # always rendered
    assert client.get("/").status_code == 200  # templates compiled, kept answers made
    title = shop_a.listings[0].title  # (read now: the fixture's own rows stay alive, of course)
    loaded: list[tuple[type, weakref.ref]] = []

    def remember(row, _context):
        loaded.append((type(row), weakref.ref(row)))

    models = (Listing, SupplyProduct, SupplyVariant)  # a card: its listing, product and variants
    for model in models:
        event.listen(model, "load", remember)
    gc.collect()
    gc.disable()
    try:
        response = client.get("/")
        assert response.status_code == 200 and title in response.get_data(as_text=True)
        del response
        alive = [ref() for _, ref in loaded if ref() is not None]
    finally:
        gc.enable()
        for model in models:
            event.remove(model, "load", remember)
    assert {model for model, _ in loaded} == set(models)
    assert alive == []
