"""Which pictures a storefront shows of a listing: the owner's own photos when it has some
(app/shops/listing_media.py), else the supplier's catalog picture. Product cards, the cart,
share pictures and Open Graph tags show the main (first) one; the product page a gallery."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, url_for

from app.shops import listing_media


@dataclass(frozen=True)
class Picture:
    url: str
    alt: str
    width: int | None = None
    height: int | None = None
    photo_id: int | None = None  # an owner's photo (None: the supplier's picture)


def photo_url(photo) -> str:
    return _media_url(photo.media.filename)


def _media_url(filename: str) -> str:
    return url_for("storefront.media", filename=filename)


def _main_photos(listing_ids) -> dict:
    """{listing id: its main photo, or None} for at least these listings. Read per request,
    and for every listing the request has loaded but not asked about yet: the first card of
    a page reads its siblings' photos too (one query per batch of cards, a cart's lines), and
    a page never reads the photos of listings it does not show (a shop of 10,000 listings
    read all their photos on every page)."""
    known = g.get("listing_main_photos")
    if known is None:
        known = g.listing_main_photos = {}
    if any(listing_id not in known for listing_id in listing_ids):
        wanted = ({*listing_ids} | listing_media.loaded_listing_ids()) - known.keys()
        found = listing_media.main_photos(wanted)
        known.update({listing_id: found.get(listing_id) for listing_id in wanted})
    return known


def listing_picture(listing) -> str:
    """The URL of a listing's main picture ("" when it has none at all)."""
    photo = _main_photos((listing.id,))[listing.id]
    return photo_url(photo) if photo is not None else listing.supply_product.image_url


def listing_pictures(listing_ids) -> dict[int, str]:
    """listing_picture of each of these listings, without loading them: one query."""
    return {listing_id: (_media_url(filename) if filename else image_url)
            for listing_id, (filename, image_url) in listing_media.first_pictures(listing_ids).items()}


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
