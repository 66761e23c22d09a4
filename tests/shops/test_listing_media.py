"""A listing's own photos (app/shops/listing_media.py): added through the image pipeline, all
or nothing; ordered, attached to a variant, removed; and which photo a variant shows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import DomainError, NotFound
from app.extensions import db
from app.shops import listing_media
from app.shops.listing_media import ListingMedia
from app.shops.services import remove_listing
from app.shops.theme_models import ShopMedia
from app.tenancy import unscoped, use_shop
from tests.factories import make_product
from tests.shops.photos import BLUE, GREEN, RED, colour_tee, jpeg, variant


@pytest.fixture
def tee(shop_a, catalog):
    return colour_tee(shop_a, catalog.supplier)


def _rows(model=ListingMedia):
    with unscoped():
        return list(db.session.scalars(select(model).order_by(model.id).execution_options(populate_existing=True)))


def test_photos_are_re_encoded_and_added_in_order(app, shop_a, tee):
    with use_shop(shop_a.shop.id):
        added = listing_media.add_photos(tee, [(jpeg(RED), "red.jpg"), (jpeg(BLUE, (2400, 1800)), "blue.png")])
        photos = listing_media.listing_photos(tee.id)
    assert [p.id for p in photos] == [p.id for p in added] and [p.position for p in photos] == [1, 2]
    assert [p.media.kind for p in photos] == ["photo", "photo"]
    assert (photos[1].media.width, photos[1].media.height) == (1600, 1200)  # resized into 1600×1600
    assert photos[1].media.original_name == "blue.png" and photos[1].media.content_type == "image/jpeg"
    assert all(p.shop_id == shop_a.shop.id and p.variant_id is None for p in photos)


def test_the_same_picture_twice_is_kept_once(shop_a, tee):
    with use_shop(shop_a.shop.id):
        listing_media.add_photos(tee, [(jpeg(RED), "a.jpg")])
        again = listing_media.add_photos(tee, [(jpeg(RED), "b.jpg"), (jpeg(GREEN), "c.jpg")])
        assert len(again) == 1 and len(listing_media.listing_photos(tee.id)) == 2


@pytest.mark.parametrize(("upload", "message"), [
    (b"GIF89a not really", "“notes.gif”: That file is not an image we can read"),
    (b"%PDF-1.7 a document", "“notes.gif”: That file is not an image we can read"),
])
def test_a_file_that_is_not_an_image_refuses_the_whole_upload(shop_a, tee, upload, message):
    with use_shop(shop_a.shop.id), pytest.raises(DomainError) as refused:
        listing_media.add_photos(tee, [(jpeg(RED), "good.jpg"), (upload, "notes.gif")])
    assert refused.value.message.startswith(message) and refused.value.field == "photos"


def test_too_large_and_too_small_are_refused_clearly(app, shop_a, tee, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_MAX_UPLOAD_BYTES", 2000)
    with use_shop(shop_a.shop.id), pytest.raises(DomainError, match="“big.jpg”: That image is larger than"):
        listing_media.add_photos(tee, [(jpeg(RED, (900, 900)) + b"\0" * 2000, "big.jpg")])
    monkeypatch.setitem(app.config, "MEDIA_MAX_UPLOAD_BYTES", 8 * 1024 * 1024)
    with use_shop(shop_a.shop.id), pytest.raises(DomainError, match="a photo needs at least 300×300"):
        listing_media.add_photos(tee, [(jpeg(RED, (200, 120)), "tiny.jpg")])


def test_nothing_chosen_and_too_many_are_refused(shop_a, tee, monkeypatch):
    with use_shop(shop_a.shop.id), pytest.raises(DomainError, match="Choose one or more photos"):
        listing_media.add_photos(tee, [])
    monkeypatch.setattr(listing_media, "MAX_PHOTOS", 2)
    with use_shop(shop_a.shop.id):
        listing_media.add_photos(tee, [(jpeg(RED), "a.jpg")])
        with pytest.raises(DomainError, match="up to 2 photos and it has 1: upload at most 1 more"):
            listing_media.add_photos(tee, [(jpeg(BLUE), "b.jpg"), (jpeg(GREEN), "c.jpg")])


def test_a_variant_of_another_product_or_a_long_description_is_refused(shop_a, tee):
    other = shop_a.listings[0].supply_product.variants[0]
    with use_shop(shop_a.shop.id):
        with pytest.raises(DomainError, match="Choose one of this product’s options") as refused:
            listing_media.add_photos(tee, [(jpeg(RED), "a.jpg")], variant_id=other.id)
        assert refused.value.field == "variant_id"
        [photo] = listing_media.add_photos(tee, [(jpeg(RED), "a.jpg")], variant_id=str(variant(tee, "S", "Red").id),
                                           alt_text="  The red tee,\nfolded ")
        assert (photo.variant_id, photo.alt_text) == (variant(tee, "S", "Red").id, "The red tee, folded")
        with pytest.raises(DomainError, match="under 200 characters"):
            listing_media.update_photo(tee, photo.id, variant_id="", alt_text="x" * 201)
        listing_media.update_photo(tee, photo.id, variant_id="", alt_text="")
        assert (photo.variant_id, photo.alt_text) == (None, "")


def test_photos_move_up_down_and_to_the_front(shop_a, tee):
    with use_shop(shop_a.shop.id):
        red, blue, green = listing_media.add_photos(tee, [(jpeg(c), f"{n}.jpg") for n, c in enumerate((RED, BLUE, GREEN))])

        def order():
            return [p.id for p in listing_media.listing_photos(tee.id)]

        listing_media.move_photo(tee, green.id, "first")
        assert order() == [green.id, red.id, blue.id]
        listing_media.move_photo(tee, red.id, "down")
        assert order() == [green.id, blue.id, red.id]
        listing_media.move_photo(tee, red.id, "down")  # already last: stays
        listing_media.move_photo(tee, blue.id, "up")
        assert order() == [blue.id, green.id, red.id]
        with pytest.raises(DomainError):
            listing_media.move_photo(tee, blue.id, "sideways")


def test_removing_a_photo_keeps_the_stored_image_and_a_removed_listing_takes_its_photos(shop_a, tee):
    with use_shop(shop_a.shop.id):
        red, blue = listing_media.add_photos(tee, [(jpeg(RED), "r.jpg"), (jpeg(BLUE), "b.jpg")])
        listing_media.remove_photo(tee, red.id)
        assert [p.id for p in listing_media.listing_photos(tee.id)] == [blue.id]
        with pytest.raises(NotFound):
            listing_media.remove_photo(tee, red.id)
    assert len([m for m in _rows(ShopMedia) if m.kind == "photo"]) == 2
    with use_shop(shop_a.shop.id):
        assert remove_listing(tee) is True
    assert _rows() == []  # ON DELETE CASCADE


def test_a_photo_is_found_only_through_its_own_listing(shop_a, tee):
    crisps = shop_a.listings[1]
    with use_shop(shop_a.shop.id):
        [photo] = listing_media.add_photos(tee, [(jpeg(RED), "r.jpg")])
        for listing, photo_id in ((crisps, photo.id), (tee, photo.id + 1000), (tee, "x")):
            with pytest.raises(NotFound):
                listing_media.get_photo(listing, photo_id)


def test_main_photos_are_the_first_of_each_listing_and_only_the_shops_own(shop_a, shop_b, tee):
    crisps = shop_a.listings[1]
    with use_shop(shop_b.shop.id):  # another shop's photo of its own listing: never shop_a's
        [theirs] = listing_media.add_photos(shop_b.listings[0], [(jpeg(RED), "theirs.jpg")])
        assert {k: v.id for k, v in listing_media.main_photos().items()} == {shop_b.listings[0].id: theirs.id}
    with use_shop(shop_a.shop.id):
        red, blue = listing_media.add_photos(tee, [(jpeg(RED), "r.jpg"), (jpeg(BLUE), "b.jpg")])
        [green] = listing_media.add_photos(crisps, [(jpeg(GREEN), "g.jpg")])
        assert {k: v.id for k, v in listing_media.main_photos().items()} == {tee.id: red.id, crisps.id: green.id}
        listing_media.move_photo(tee, blue.id, "first")
        assert {k: v.id for k, v in listing_media.main_photos().items()} == {tee.id: blue.id, crisps.id: green.id}
        assert {k: v.id for k, v in listing_media.main_photos([crisps.id]).items()} == {crisps.id: green.id}
        assert listing_media.main_photos([shop_b.listings[0].id]) == {}
        assert listing_media.main_photos()[tee.id].media.filename  # the picture comes with it


class _Photo:
    def __init__(self, photo_id, variant_id):
        self.id, self.variant_id = photo_id, variant_id


def test_a_photo_per_colour_follows_the_colour_in_every_size(shop_a, tee):
    variants = tee.supply_product.variants
    s_red, m_red, s_blue, m_blue, l_red = (variant(tee, *c) for c in (("S", "Red"), ("M", "Red"), ("S", "Blue"),
                                                                      ("M", "Blue"), ("L", "Red")))
    # A photo of the whole product, and one per colour attached to any size of it: every
    # colour has a photo (2 of 2), not every size (2 of 3), so the photos stand for colours.
    photos = [_Photo(1, None), _Photo(2, s_red.id), _Photo(3, m_blue.id)]
    assert listing_media.photos_by_variant(photos, variants) == {
        s_red.id: 2, m_red.id: 2, l_red.id: 2, s_blue.id: 3, m_blue.id: 3}
    # Only the red one: red in every size; blue leaves the gallery as it is.
    assert listing_media.photos_by_variant([_Photo(2, m_red.id)], variants) == {
        s_red.id: 2, m_red.id: 2, l_red.id: 2}
    # Several of one colour: its first photo for its sizes without one of their own.
    photos = [_Photo(2, s_red.id), _Photo(4, m_red.id), _Photo(5, s_blue.id)]
    assert listing_media.photos_by_variant(photos, variants) == {
        s_red.id: 2, m_red.id: 4, l_red.id: 2, s_blue.id: 5, m_blue.id: 5}
    assert listing_media.photos_by_variant([_Photo(1, None)], variants) == {}


def test_nothing_is_guessed_when_two_options_are_covered_alike(catalog):
    product = make_product(catalog.supplier, variants=[
        {"options": {"size": size, "colour": colour}} for size in ("S", "M") for colour in ("Red", "Blue")])
    s_red = product.variants[0]
    assert listing_media.photos_by_variant([_Photo(2, s_red.id)], product.variants) == {s_red.id: 2}


def test_first_pictures_are_each_listings_main_photo_else_the_catalogs_in_one_query(shop_a, shop_b, tee):
    crisps = shop_a.listings[1]
    with use_shop(shop_b.shop.id):
        listing_media.add_photos(shop_b.listings[0], [(jpeg(RED), "theirs.jpg")])
    with use_shop(shop_a.shop.id):
        red, _blue = listing_media.add_photos(tee, [(jpeg(RED), "r.jpg"), (jpeg(BLUE), "b.jpg")])
        found = listing_media.first_pictures([tee.id, crisps.id, shop_b.listings[0].id])
        assert found == {tee.id: (red.media.filename, tee.supply_product.image_url),
                         crisps.id: (None, crisps.supply_product.image_url)}  # never another shop's
