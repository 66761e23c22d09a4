"""Which pictures a storefront shows of a listing: the owner's own photos when it has some
(app/shops/listing_media.py), else the supplier's catalog picture. Product cards, the cart,
share pictures and Open Graph tags show the main (first) one; the product page a gallery."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, url_for

from app.shops import browsing, listing_media


@dataclass(frozen=True)
class Picture:
    url: str
    alt: str
    width: int | None = None
    height: int | None = None
    photo_id: int | None = None  # an owner's photo (None: the supplier's picture)


def photo_url(photo) -> str:
    return url_for("storefront.media", filename=photo.media.filename)


def _main_photos() -> dict:
    """The shop's main photos, read once per request (every card of a page needs them)."""
    if "listing_main_photos" not in g:
        g.listing_main_photos = listing_media.main_photos()
    return g.listing_main_photos


def listing_picture(listing) -> str:
    """The URL of a listing's main picture ("" when it has none at all)."""
    photo = _main_photos().get(listing.id)
    return photo_url(photo) if photo is not None else listing.supply_product.image_url


def listing_pictures(listing_ids) -> dict[int, str]:
    """listing_picture of each of these listings, without loading them (one query for the
    supplier's pictures of those without a photo of the owner's)."""
    photos = _main_photos()
    found = {i: photo_url(photos[i]) for i in listing_ids if i in photos}
    missing = [i for i in listing_ids if i not in found]
    return {**found, **(browsing.catalog_pictures(missing) if missing else {})}


@dataclass(frozen=True)
class Gallery:
    pictures: tuple[Picture, ...]
    # {variant id: index into pictures} of the photo to show when the shopper chooses it
    variant_pictures: dict[int, int]


def product_gallery(listing, chosen_variant_id: int | None = None) -> Gallery:
    """The product page's pictures in the owner's order; when the page opens on a chosen
    variant (the shopper came back to it) its photo comes first, since a page without
    JavaScript cannot turn to it."""
    photos = listing_media.listing_photos(listing.id)
    if not photos:
        image = listing.supply_product.image_url
        return Gallery((Picture(image, listing.title),) if image else (), {})
    by_variant = listing_media.photos_by_variant(photos, listing.supply_product.variants)
    lead = by_variant.get(chosen_variant_id)
    if lead is not None:
        photos = sorted(photos, key=lambda photo: photo.id != lead)  # stable: the rest keep their order
    count = len(photos)
    pictures = tuple(
        Picture(photo_url(photo), photo.alt_text or (listing.title if count == 1 else f"{listing.title}, photo {n}"),
                photo.media.width, photo.media.height, photo.id)
        for n, photo in enumerate(photos, start=1))
    index = {picture.photo_id: n for n, picture in enumerate(pictures)}
    return Gallery(pictures, {variant_id: index[photo_id] for variant_id, photo_id in by_variant.items()})
