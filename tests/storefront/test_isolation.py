"""Shop A's storefront never shows shop B's listings or orders, however the URL is guessed."""

from app.extensions import db
from tests.factories import make_order


def test_home_and_search_show_only_own_listings(shop_a, shop_b, storefront):
    client = storefront(shop_a.shop)
    for path in ("/", "/search?q=Tee", "/search?q=bravo"):
        page = client.get(path)
        assert page.status_code == 200
        # The search page echoes the query back ("bravo", also in the language switcher's
        # way back to this page); nothing else of shop B may show.
        shown = page.data.lower().replace(b'value="bravo"', b"").replace("“bravo”".encode(), b"")
        shown = shown.replace(b"q%3dbravo", b"")
        assert b"bravo" not in shown


def test_other_shops_product_handle_is_404(shop_a, shop_b, storefront):
    handle_b = shop_b.listings[0].handle
    assert storefront(shop_b.shop).get(f"/products/{handle_b}").status_code == 200
    assert storefront(shop_a.shop).get(f"/products/{handle_b}").status_code == 404


def test_adding_another_shops_listing_id_to_the_cart_is_404(shop_a, shop_b, storefront):
    listing_b = shop_b.listings[0]
    response = storefront(shop_a.shop).post("/cart/add", data={
        "listing_id": listing_b.id, "variant_id": listing_b.supply_product.variants[0].id,
        "quantity": 1})
    assert response.status_code == 404


def test_other_shops_order_link_is_404_even_with_the_right_token(shop_a, shop_b, storefront):
    order_b = make_order(shop_b)
    db.session.flush()
    path = f"/orders/{order_b.number}/{order_b.access_token}"
    assert storefront(shop_b.shop).get(path).status_code == 200
    assert storefront(shop_a.shop).get(path).status_code == 404


def test_order_link_needs_the_token(shop_a, storefront):
    order = make_order(shop_a)
    client = storefront(shop_a.shop)
    assert client.get(f"/orders/{order.number}/wrong-token").status_code == 404
    assert client.get(f"/orders/{order.number}/{order.access_token}").status_code == 200


def test_collection_handle_of_another_shop_is_404(shop_a, shop_b, storefront):
    from app.shops.services import create_collection, update_collection
    from app.tenancy import use_shop

    with use_shop(shop_b.shop.id):
        collection = create_collection("Bravo picks")
        update_collection(collection, title="Bravo picks", description="",
                          listing_ids=[shop_b.listings[0].id])
    assert storefront(shop_b.shop).get("/collections/bravo-picks").status_code == 200
    assert storefront(shop_a.shop).get("/collections/bravo-picks").status_code == 404


def test_unknown_subdomain_gets_a_friendly_404(storefront):
    page = storefront("nosuchshop.flagship.test").get("/")
    assert page.status_code == 404
    assert b"<html" in page.data


def test_platform_pages_do_not_answer_on_shop_hosts(shop_a, storefront):
    client = storefront(shop_a.shop)
    for path in ("/dashboard/", "/admin/", "/login", "/signup"):
        assert client.get(path).status_code == 404


def test_the_unknown_shop_page_leads_back_to_the_platform(storefront):
    """Issue finding: the page offered no way on (and http://127.0.0.1:5000/ lands there)."""
    text = storefront("nosuchshop.flagship.test").get("/").get_data(as_text=True)
    assert 'href="http://flagship.test/"' in text and "Browse the shops on Flagship" in text
    assert 'href="http://flagship.test/signup"' in text
