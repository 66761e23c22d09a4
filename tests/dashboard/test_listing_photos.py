"""The owner's own photos on a listing's edit page (app/dashboard/listing_media_views.py):
upload several, refusals shown beside the form with nothing written, order, attach to a
variant, remove; and another shop's owner can touch none of them."""

from __future__ import annotations

import io
import re

import pytest

from app.shops import listing_media
from app.shops.listing_media import ListingMedia
from app.shops.theme_models import ShopMedia
from app.tenancy import use_shop
from tests.dashboard.conftest import fetch_all, page_text
from tests.shops.photos import BLUE, GREEN, RED, colour_tee, jpeg, variant


@pytest.fixture
def tee(shop_a, catalog):
    return colour_tee(shop_a, catalog.supplier)


def _upload(client, listing, *files, shop="alpha", **fields):
    data = {"photos": [(io.BytesIO(content), name) for content, name in files], **fields}
    return client.post(f"/dashboard/{shop}/products/{listing.id}/photos", data=data,
                       content_type="multipart/form-data")


def _photos(listing):
    return sorted(fetch_all(ListingMedia, listing_id=listing.id), key=lambda p: (p.position, p.id))


def test_the_edit_page_offers_photos_with_the_supplier_picture_as_fallback(owner, tee):
    page = page_text(owner.get(f"/dashboard/alpha/products/{tee.id}"))
    assert 'id="photos"' in page and "No photos of your own yet: shoppers see the supplier’s picture" in page
    assert 'enctype="multipart/form-data"' in page and 'name="photos" multiple' in page
    assert '<option value="">Every option</option>' in page and ">S / Red</option>" in page


def test_uploading_several_photos_shows_them_in_order(owner, shop_a, tee):
    s_red = variant(tee, "S", "Red")
    response = _upload(owner, tee, (jpeg(RED), "red.jpg"), (jpeg(BLUE), "blue.jpg"),
                       variant_id=str(s_red.id), alt_text="The tee, flat")
    assert response.status_code == 302 and response.location.endswith(f"/products/{tee.id}#photos")
    photos = _photos(tee)
    assert [p.position for p in photos] == [1, 2] and {p.variant_id for p in photos} == {s_red.id}
    assert all(p.shop_id == shop_a.shop.id and p.alt_text == "The tee, flat" for p in photos)
    page = page_text(owner.get(f"/dashboard/alpha/products/{tee.id}"))
    assert "2 photos added to “Colour Tee”." in page and "2 of 12" in page
    for photo in photos:
        media = fetch_all(ShopMedia, id=photo.media_id)[0]
        assert f'src="http://alpha.flagship.test/media/{media.filename}"' in page
    assert "Main photo" in page and "For S / Red" in page


@pytest.mark.parametrize(("files", "message"), [
    ([(b"%PDF-1.7", "notes.pdf")], "“notes.pdf”: That file is not an image we can read"),
    ([(jpeg(RED), "red.jpg"), (b"<svg></svg>", "logo.svg")], "“logo.svg”: That file is not an image we can read"),
    ([], "Choose one or more photos to upload."),
])
def test_a_refused_upload_is_shown_at_the_form_and_writes_nothing(owner, tee, files, message):
    response = _upload(owner, tee, *files)
    page = page_text(response)
    assert response.status_code == 422 and message in page
    assert re.search(r'id="photo-files"[^>]*aria-invalid="true"', page)
    assert 'id="photo-files-error" role="alert"' in page
    assert _photos(tee) == [] and fetch_all(ShopMedia) == []


def test_a_photo_too_large_is_refused(app, owner, tee, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_MAX_UPLOAD_BYTES", 1024 * 1024)
    response = _upload(owner, tee, (jpeg(RED) + b"\0" * (1024 * 1024), "huge.jpg"))
    assert response.status_code == 422
    assert "“huge.jpg”: That image is larger than 1 MB. Use a smaller one." in page_text(response)
    assert _photos(tee) == []


def test_photos_are_reordered_and_removed(owner, tee):
    _upload(owner, tee, (jpeg(RED), "r.jpg"), (jpeg(BLUE), "b.jpg"), (jpeg(GREEN), "g.jpg"))
    red, blue, green = _photos(tee)
    base = f"/dashboard/alpha/products/{tee.id}/photos"
    moved = owner.post(f"{base}/{green.id}/move", data={"direction": "first"})
    assert moved.status_code == 302 and moved.location.endswith(f"#listing-photo-{green.id}")
    owner.post(f"{base}/{red.id}/move", data={"direction": "down"})
    assert [p.id for p in _photos(tee)] == [green.id, blue.id, red.id]
    owner.post(f"{base}/{red.id}/move", data={"direction": "up"})
    assert [p.id for p in _photos(tee)] == [green.id, red.id, blue.id]
    assert owner.post(f"{base}/{red.id}/move", data={"direction": "away"}).status_code == 400
    removed = owner.post(f"{base}/{red.id}/remove")
    assert removed.status_code == 302 and [p.id for p in _photos(tee)] == [green.id, blue.id]
    assert "Photo removed from this product." in page_text(owner.get(removed.location))


def test_a_photo_is_attached_to_a_variant_and_described(owner, tee):
    _upload(owner, tee, (jpeg(RED), "r.jpg"))
    [photo] = _photos(tee)
    m_red = variant(tee, "M", "Red")
    url = f"/dashboard/alpha/products/{tee.id}/photos/{photo.id}"
    assert owner.post(url, data={"variant_id": str(m_red.id), "alt_text": "Red tee"}).status_code == 302
    [photo] = _photos(tee)
    assert (photo.variant_id, photo.alt_text) == (m_red.id, "Red tee")
    # The owner sees what it does: the red photo shows for the red tee in every size.
    page = page_text(owner.get(f"/dashboard/alpha/products/{tee.id}"))
    assert "For M / Red" in page and "Shown when a shopper chooses S / Red, M / Red, or L / Red." in page
    other = fetch_all(ListingMedia)  # a variant of another product is refused, beside its photo
    refused = owner.post(url, data={"variant_id": str(tee.id + 10_000), "alt_text": "x"})
    page = page_text(refused)
    assert refused.status_code == 422 and f'id="photo-error-{photo.id}" role="alert"' in page
    assert "Choose one of this product’s options" in page
    assert [(p.variant_id, p.alt_text) for p in fetch_all(ListingMedia)] == [(p.variant_id, p.alt_text) for p in other]


def test_another_shops_owner_cannot_touch_the_photos(owner, shop_a, shop_b, catalog, storefront):
    """By URL (the other shop's dashboard) and by id (the other shop's listing or photo
    through one's own shop): 404 every time, and nothing changes."""
    tee_b = colour_tee(shop_b, catalog.supplier)
    with use_shop(shop_b.shop.id):
        [photo_b] = listing_media.add_photos(tee_b, [(jpeg(BLUE), "b.jpg")])
    own = shop_a.listings[0]
    _upload(owner, own, (jpeg(RED), "r.jpg"))
    [photo_a] = _photos(own)

    by_url = f"/dashboard/bravo/products/{tee_b.id}/photos"
    assert _upload(owner, tee_b, (jpeg(RED), "r.jpg"), shop="bravo").status_code == 404
    assert owner.get(f"/dashboard/bravo/products/{tee_b.id}").status_code == 404
    for path, data in ((f"{by_url}/{photo_b.id}", {"alt_text": "mine"}), (f"{by_url}/{photo_b.id}/move", {"direction": "up"}),
                       (f"{by_url}/{photo_b.id}/remove", {})):
        assert owner.post(path, data=data).status_code == 404, path

    # Shop B's listing id through shop A's dashboard, and shop B's photo under shop A's listing.
    assert _upload(owner, tee_b, (jpeg(RED), "r.jpg")).status_code == 404
    for base in (f"/dashboard/alpha/products/{tee_b.id}/photos/{photo_b.id}",
                 f"/dashboard/alpha/products/{own.id}/photos/{photo_b.id}"):
        assert owner.post(base, data={"alt_text": "mine"}).status_code == 404, base
        assert owner.post(f"{base}/move", data={"direction": "first"}).status_code == 404, base
        assert owner.post(f"{base}/remove").status_code == 404, base
    # A's own photo under A's other listing is not found either.
    crisps = shop_a.listings[1]
    assert owner.post(f"/dashboard/alpha/products/{crisps.id}/photos/{photo_a.id}/remove").status_code == 404

    [still] = fetch_all(ListingMedia, shop_id=shop_b.shop.id)
    assert (still.id, still.alt_text, still.position) == (photo_b.id, "", 1)
    assert [p.id for p in fetch_all(ListingMedia, shop_id=shop_a.shop.id)] == [photo_a.id]
    # Shop B's storefront never shows shop A's photos (both list the same supply product).
    media_a = fetch_all(ShopMedia, id=photo_a.media_id)[0]
    shared = shop_b.listings[0]
    assert media_a.filename not in storefront(shop_b.shop).get(f"/products/{shared.handle}").get_data(as_text=True)
    assert storefront(shop_b.shop).get(f"/media/{media_a.filename}").status_code == 404
