"""Product pictures on storefront pages: a page reads the main photos of the listings it
loaded, in one query per batch, never every photo of the shop (which grew with the shop)."""

from __future__ import annotations

from app.shops import listing_media


def test_a_page_reads_only_the_photos_of_the_listings_it_loaded(storefront, shop_a, catalog, monkeypatch):
    asked = []
    real = listing_media.main_photos

    def spy(listing_ids=None):
        asked.append(None if listing_ids is None else set(listing_ids))
        return real(listing_ids)

    monkeypatch.setattr(listing_media, "main_photos", spy)
    client = storefront(shop_a.shop)
    first, second = shop_a.listings
    assert client.get("/").status_code == 200
    assert asked == [{first.id, second.id}]  # every card's photo in one query
    asked.clear()
    assert client.get(f"/products/{first.handle}").status_code == 200
    assert asked and None not in asked and first.id in set().union(*asked)
    assert not [ids for ids in asked if not ids <= {first.id, second.id}]
