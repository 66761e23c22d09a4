"""Shop A's owner can reach nothing of shop B: not by B's URLs, not by B's ids under A's.

Every dashboard URL that names a shop or takes an id is requested (GET and POST) and must
be a 404, and B's rows must be exactly as they were.
"""

import pytest

from app.extensions import db
from app.orders.models import Order
from app.shops.models import Collection, CollectionListing, Listing, Shop
from app.shops.services import create_collection, update_collection
from app.tenancy import use_shop
from tests.dashboard.conftest import fetch_all
from tests.factories import make_order, make_user

LISTING_FORM = {"title": "Hijacked", "recommendation": "x", "price_rule": "fixed",
                "fixed_price": "99", "is_visible": "", "action": "save"}
COLLECTION_FORM = {"title": "Hijacked", "description": "x"}
SETTINGS_FORM = {"name": "Hijacked", "bio": "x", "theme": "default"}


@pytest.fixture
def bravo(shop_b):
    """Shop B with a collection and an order, and a snapshot of all its rows."""
    with use_shop(shop_b.shop.id):
        collection = create_collection("Bravo picks")
        update_collection(collection, title="Bravo picks", description="",
                          listing_ids=[listing.id for listing in shop_b.listings])
    order = make_order(shop_b)
    return {"fixture": shop_b, "listing": shop_b.listings[1], "collection": collection,
            "order": order}


def _snapshot(shop_id):
    def rows(model, *columns):
        return [tuple(getattr(row, c) for c in columns) for row in fetch_all(model, shop_id=shop_id)]

    shop = db.session.get(Shop, shop_id)
    return {
        "shop": (shop.name, shop.bio, shop.theme),
        "listings": rows(Listing, "id", "title", "recommendation", "price_rule",
                         "markup_basis_points", "fixed_price", "is_visible", "position"),
        "collections": rows(Collection, "id", "title", "description"),
        "entries": rows(CollectionListing, "collection_id", "listing_id", "position"),
        "orders": rows(Order, "id", "status", "paid_at", "cancelled_at"),
    }


def _requests(shop: str, listing_id: int, collection_id: int, order_id: int):
    """(method, path, form data) for every dashboard URL taking a shop or an id."""
    base = f"/dashboard/{shop}"
    listing, collection, order = (f"{base}/products/{listing_id}",
                                  f"{base}/collections/{collection_id}", f"{base}/orders/{order_id}")
    return [
        ("GET", listing, None),
        ("POST", listing, LISTING_FORM),
        ("POST", listing, dict(LISTING_FORM, action="preview")),
        ("POST", f"{listing}/hide", None),
        ("POST", f"{listing}/show", None),
        ("POST", f"{listing}/move", {"direction": "up"}),
        ("POST", f"{listing}/move", {"direction": "down"}),
        ("POST", f"{listing}/remove", None),
        ("GET", collection, None),
        ("POST", collection, COLLECTION_FORM),
        ("POST", f"{collection}/delete", None),
        ("GET", order, None),
        ("POST", f"{order}/mark-paid", None),
        ("GET", f"{order}/cancel", None),
        ("POST", f"{order}/cancel", None),
    ]


def _shop_requests(shop: str, product_id: int):
    base = f"/dashboard/{shop}"
    return [
        ("GET", f"{base}/", None),
        ("GET", f"{base}/settings", None),
        ("POST", f"{base}/settings", SETTINGS_FORM),
        ("GET", f"{base}/catalog", None),
        ("GET", f"{base}/catalog/{product_id}/add", None),
        ("POST", f"{base}/catalog/{product_id}/add", LISTING_FORM),
        ("GET", f"{base}/products", None),
        ("GET", f"{base}/collections", None),
        ("GET", f"{base}/collections/new", None),
        ("POST", f"{base}/collections/new", COLLECTION_FORM),
        ("GET", f"{base}/orders", None),
    ]


def _assert_all_404(client, requests):
    for method, path, data in requests:
        response = client.open(path, method=method, data=data or {})
        assert response.status_code == 404, (method, path, response.status_code)


def test_shop_b_urls_are_404_for_shop_a_owner(owner, bravo, catalog):
    b = bravo["fixture"].shop.id
    before = _snapshot(b)
    _assert_all_404(owner, _shop_requests("bravo", catalog.snack.id))
    _assert_all_404(owner, _requests("bravo", bravo["listing"].id, bravo["collection"].id,
                                     bravo["order"].id))
    assert _snapshot(b) == before


def test_shop_b_ids_under_shop_a_urls_are_404(owner, shop_a, bravo):
    b = bravo["fixture"].shop.id
    before_b, before_a = _snapshot(b), _snapshot(shop_a.shop.id)
    _assert_all_404(owner, _requests("alpha", bravo["listing"].id, bravo["collection"].id,
                                     bravo["order"].id))
    assert _snapshot(b) == before_b
    assert _snapshot(shop_a.shop.id) == before_a


def test_shop_a_urls_still_work_for_its_owner(owner, shop_a):
    """The control: the same requests on A's own ids and URLs are not 404s."""
    with use_shop(shop_a.shop.id):
        collection = create_collection("Alpha picks")
    order = make_order(shop_a)
    requests = (_shop_requests("alpha", shop_a.listings[0].supply_product_id)
                + _requests("alpha", shop_a.listings[1].id, collection.id, order.id))
    for method, path, data in requests:
        response = owner.open(path, method=method, data=data or {})
        assert response.status_code in (200, 302, 422), (method, path, response.status_code)


def test_a_user_of_no_shop_gets_404_everywhere(client, login, bravo, catalog):
    stranger = login(make_user())
    b = bravo["fixture"].shop.id
    before = _snapshot(b)
    _assert_all_404(stranger, _shop_requests("bravo", catalog.snack.id))
    _assert_all_404(stranger, _requests("bravo", bravo["listing"].id, bravo["collection"].id,
                                        bravo["order"].id))
    assert _snapshot(b) == before


def test_unknown_shop_is_404(owner):
    assert owner.get("/dashboard/no-such-shop/").status_code == 404
