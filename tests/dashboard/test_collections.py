"""Collections: create with chosen listings in order, edit, delete, bad input."""

from app.shops.models import Collection, CollectionListing, Listing
from app.shops.services import create_collection, update_collection
from app.tenancy import use_shop
from tests.dashboard.conftest import fetch_all, page_text


def _make(fixture, title="Picks", listing_ids=()):
    with use_shop(fixture.shop.id):
        collection = create_collection(title, "About these.")
        update_collection(collection, title=title, description="About these.",
                          listing_ids=list(listing_ids))
    return collection


def _entries(collection):
    rows = fetch_all(CollectionListing, collection_id=collection.id)
    return [row.listing_id for row in sorted(rows, key=lambda row: row.position)]


def test_create_with_listings_in_the_order_of_their_positions(owner, shop_a):
    tee, crisps = shop_a.listings
    assert owner.get("/dashboard/alpha/collections/new").status_code == 200
    response = owner.post("/dashboard/alpha/collections/new", data={
        "title": "Summer picks", "description": "Sunny days.",
        "listing": [str(tee.id), str(crisps.id)],
        f"position-{tee.id}": "2", f"position-{crisps.id}": "1"})
    assert response.status_code == 302
    [collection] = fetch_all(Collection, shop_id=shop_a.shop.id)
    assert (collection.title, collection.description, collection.handle) == (
        "Summer picks", "Sunny days.", "summer-picks")
    assert _entries(collection) == [crisps.id, tee.id]
    listing_page = page_text(owner.get("/dashboard/alpha/collections"))
    assert "Summer picks" in listing_page


def test_edit_changes_title_and_membership(owner, shop_a):
    tee, crisps = shop_a.listings
    collection = _make(shop_a, listing_ids=[tee.id, crisps.id])
    url = f"/dashboard/alpha/collections/{collection.id}"
    page = page_text(owner.get(url))
    assert f'value="{tee.id}" id="listing-{tee.id}" checked' in page
    response = owner.post(url, data={"title": "Only crisps", "description": "",
                                     "listing": [str(crisps.id)], f"position-{tee.id}": "1",
                                     f"position-{crisps.id}": ""})
    assert response.status_code == 302
    saved = fetch_all(Collection, id=collection.id)[0]
    assert saved.title == "Only crisps" and saved.handle == "only-crisps"
    assert _entries(collection) == [crisps.id]


def test_bad_title_is_refused_and_nothing_written(owner, shop_a):
    page = owner.post("/dashboard/alpha/collections/new", data={
        "title": "x", "listing": [str(shop_a.listings[0].id)]})
    assert page.status_code == 422
    assert "The collection title needs 2 to 120 characters." in page_text(page)
    assert fetch_all(Collection, shop_id=shop_a.shop.id) == []


def test_bad_position_is_refused_and_nothing_changes(owner, shop_a):
    tee, crisps = shop_a.listings
    collection = _make(shop_a, listing_ids=[tee.id])
    page = owner.post(f"/dashboard/alpha/collections/{collection.id}", data={
        "title": "Renamed", "listing": [str(tee.id), str(crisps.id)],
        f"position-{tee.id}": "first", f"position-{crisps.id}": "2"})
    assert page.status_code == 422
    assert "as a whole number" in page_text(page)
    assert 'value="first"' in page_text(page)
    assert fetch_all(Collection, id=collection.id)[0].title == "Picks"
    assert _entries(collection) == [tee.id]


def test_another_shops_listing_cannot_be_put_in_a_collection(owner, shop_a, shop_b):
    collection = _make(shop_a)
    foreign = shop_b.listings[0]
    response = owner.post(f"/dashboard/alpha/collections/{collection.id}", data={
        "title": "Sneaky", "listing": [str(foreign.id)]})
    assert response.status_code == 404
    assert fetch_all(Collection, id=collection.id)[0].title == "Picks"
    assert _entries(collection) == []
    new = owner.post("/dashboard/alpha/collections/new", data={
        "title": "Sneaky", "listing": [str(foreign.id)]})
    assert new.status_code == 404
    assert [c.title for c in fetch_all(Collection, shop_id=shop_a.shop.id)] == ["Picks"]


def test_delete_keeps_the_listings(owner, shop_a):
    collection_id = _make(shop_a, listing_ids=[shop_a.listings[0].id]).id
    response = owner.post(f"/dashboard/alpha/collections/{collection_id}/delete")
    assert response.status_code == 302
    assert fetch_all(Collection, id=collection_id) == []
    assert fetch_all(CollectionListing, collection_id=collection_id) == []
    assert "Its products stay in your shop" in page_text(owner.get(response.location))
    assert len(fetch_all(Listing, shop_id=shop_a.shop.id)) == 2
