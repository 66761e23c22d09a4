"""An owner's own photos of a listing: several, in the owner's order, each maybe shown for
one variant (choosing "Red" shows the red photo). While a listing has none, the supplier's
catalog picture is shown instead. Acts for the current shop (tenant-scoped).

Uploads go through the shop's image pipeline (app/shops/media.py: Pillow checks and
re-encodes them as "photo" images under MEDIA_ROOT); a `listing_media` row places one on a
listing. Removing a photo removes that row only: the stored image may still be used
elsewhere (another listing, a theme setting, a share picture already drawn).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    String,
    UniqueConstraint,
    and_,
    func,
    select,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import _
from app.tenancy import TenantMixin, row_key

from .media import store_image
from .models import Listing
from .theme_models import ShopMedia

MAX_PHOTOS = 12
MAX_ALT = 200
DIRECTIONS = ("up", "down", "first")


class ListingMedia(TenantMixin, db.Model):
    """One of a listing's photos: which image, where in the gallery, for which variant."""

    __tablename__ = "listing_media"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "listing_id", "media_id"),
        ForeignKeyConstraint(["shop_id", "listing_id"], ["listings.shop_id", "listings.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["shop_id", "media_id"], ["shop_media.shop_id", "shop_media.id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(index=True)
    media_id: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    # Shown when the shopper chooses this variant (None: a photo of the product as a whole).
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("supply_variants.id"), default=None)
    alt_text: Mapped[str] = mapped_column(String(MAX_ALT), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    media: Mapped[ShopMedia] = relationship(
        primaryjoin=lambda: and_(ShopMedia.id == foreign(ListingMedia.media_id),
                                 ShopMedia.shop_id == ListingMedia.shop_id),
        lazy="joined", viewonly=True,
    )


# Reading ------------------------------------------------------------------------------


def listing_photos(listing_id: int) -> list[ListingMedia]:
    """A listing's photos in the owner's order (the first is its main photo)."""
    return list(db.session.scalars(
        select(ListingMedia).where(ListingMedia.listing_id == listing_id)
        .order_by(ListingMedia.position, ListingMedia.id)))


def loaded_listing_ids() -> set[int]:
    """The listings this session holds (a page's cards, a cart's lines), by id: read off the
    identity map's keys, so nothing is loaded or refreshed."""
    return {key[1][0] for key in list(db.session.identity_map.keys()) if key[0] is Listing}


def first_pictures(listing_ids: Iterable[int]) -> dict[int, tuple[str | None, str]]:
    """{listing id: (its main photo's file name, or None; its supply product's picture URL)}
    for these listings, in one query (a collection list's cards, without loading them)."""
    from app.catalog.models import SupplyProduct

    ids = list(listing_ids)
    ranked = _ranked_photos(ids, ListingMedia.listing_id, ShopMedia.filename).join(
        ShopMedia, and_(ShopMedia.shop_id == ListingMedia.shop_id, ShopMedia.id == ListingMedia.media_id)).subquery()
    rows = db.session.execute(
        select(Listing.id, ranked.c.filename, SupplyProduct.image_url)
        .join(SupplyProduct, SupplyProduct.id == Listing.supply_product_id)
        .outerjoin(ranked, and_(ranked.c.listing_id == Listing.id, ranked.c.rank == 1))
        .where(Listing.id.in_(ids)))
    return {listing_id: (filename, image_url) for listing_id, filename, image_url in rows}


def _ranked_photos(listing_ids: Iterable[int] | None, *columns):
    """`columns` of each photo (of these listings, or all the shop's) with its `rank` among
    its listing's photos: rank 1 is the main photo. Ranked in the database: one row per
    listing is then taken, however many photos each has (a cart of two lines would
    otherwise load every photo of the shop)."""
    ranked = select(*columns, func.row_number().over(
        partition_by=ListingMedia.listing_id, order_by=(ListingMedia.position, ListingMedia.id)).label("rank"))
    return ranked if listing_ids is None else ranked.where(ListingMedia.listing_id.in_(list(listing_ids)))


def main_photos(listing_ids: Iterable[int] | None = None) -> dict[int, ListingMedia]:
    """{listing id: its main photo} for the shop's listings that have photos (or only
    those of `listing_ids`): what product cards, carts and share pictures show."""
    ranked = _ranked_photos(listing_ids, ListingMedia.shop_id, ListingMedia.id).subquery()
    query = select(ListingMedia).join(ranked, and_(
        ranked.c.shop_id == ListingMedia.shop_id, ranked.c.id == ListingMedia.id, ranked.c.rank == 1))
    return {photo.listing_id: photo for photo in db.session.scalars(query)}


def get_photo(listing: Listing, photo_id) -> ListingMedia:
    """One of this listing's photos, by id (and shop, and listing); NotFound otherwise."""
    try:
        photo_id = int(photo_id)
    except (TypeError, ValueError):
        raise NotFound(_('No such photo.')) from None
    photo = db.session.scalar(select(ListingMedia).where(
        ListingMedia.id == photo_id, ListingMedia.listing_id == listing.id))
    if photo is None:
        raise NotFound(_('No such photo of this product.'))
    return photo


def photos_by_variant(photos: Sequence[ListingMedia], variants) -> dict[int, int]:
    """{variant id: photo id}: the photo to show when the shopper chooses a variant.

    Its own photo, else the first one attached to a variant with the same value of the
    option the attached photos stand for: the option whose values they cover best (its
    share of values that have a photo). An owner who attaches a photo to some size of each
    colour, or only to the red one, gets that colour's photo in every size. When two options
    are covered equally well nothing is guessed, and a variant without a photo of its own
    leaves the gallery where it is."""
    by_id = {variant.id: variant for variant in variants}
    attached = [(photo, by_id[photo.variant_id]) for photo in photos if photo.variant_id in by_id]
    if not attached:
        return {}

    def value(variant, name):
        return (variant.options or {}).get(name)

    names = list(dict.fromkeys(name for variant in variants for name in (variant.options or {})))
    coverage = {name: len({value(owner, name) for _, owner in attached})
                / len({value(variant, name) for variant in variants}) for name in names}
    best = [name for name in names if coverage[name] == max(coverage.values())]
    key = best[0] if len(best) == 1 else None
    shown: dict[int, int] = {}
    for variant in variants:
        own = next((photo for photo, owner in attached if owner.id == variant.id), None)
        if own is None and key is not None:
            own = next((photo for photo, owner in attached if value(owner, key) == value(variant, key)), None)
        if own is not None:
            shown[variant.id] = own.id
    return shown


def variants_showing(photos: Sequence[ListingMedia], variants) -> dict[int, list]:
    """{photo id: the variants whose choice shows it} (photos_by_variant, the other way
    round), so the owner sees what attaching a photo does."""
    by_id = {variant.id: variant for variant in variants}
    showing: dict[int, list] = {}
    for variant_id, photo_id in photos_by_variant(photos, variants).items():
        showing.setdefault(photo_id, []).append(by_id[variant_id])
    return showing


# Changing -----------------------------------------------------------------------------


def _variant_of(listing: Listing, variant_id) -> int | None:
    """A variant id of the listing's product, or None for "every option"."""
    if variant_id in (None, "", "0", 0):
        return None
    try:
        variant_id = int(variant_id)
    except (TypeError, ValueError):
        variant_id = -1
    if variant_id not in {variant.id for variant in listing.supply_product.variants}:
        raise DomainError(_('Choose one of this product’s options, or “Every option”.'), field="variant_id")
    return variant_id


def _alt_text(text: str | None) -> str:
    text = " ".join((text or "").split())
    if len(text) > MAX_ALT:
        raise DomainError(_('Keep the description under %(max_alt)s characters (it has %(text)s).', max_alt=MAX_ALT, text=len(text)),
                          field="alt_text")
    return text


def add_photos(listing: Listing, uploads: Sequence[tuple[bytes, str]], *, variant_id=None,
               alt_text: str = "") -> list[ListingMedia]:
    """Check, re-encode and add uploaded photos after the listing's others. All or nothing:
    one refused upload (not an image, too large, too small) refuses them all, naming the
    file. A photo the listing already has is not added twice."""
    uploads = [(data, name) for data, name in uploads if data or name]
    if not uploads:
        raise DomainError(_('Choose one or more photos to upload.'), field="photos")
    photos = listing_photos(listing.id)
    if len(photos) + len(uploads) > MAX_PHOTOS:
        have = f"it has {len(photos)}" if photos else "it has none yet"
        raise DomainError(_('A product can have up to %(max_photos)s photos and %(have)s: upload at most %(max)s more.', max_photos=MAX_PHOTOS, have=have, max=max(MAX_PHOTOS - len(photos), 0)), field="photos")
    variant_id = _variant_of(listing, variant_id)
    alt_text = _alt_text(alt_text)
    taken = {photo.media_id for photo in photos}
    position = max((photo.position for photo in photos), default=0)
    added = []
    for data, name in uploads:
        try:
            media = store_image("photo", data, name)
        except DomainError as error:
            about = f"“{name}”: " if name else ""
            raise DomainError(about + error.message, field="photos") from None
        if media.id in taken:
            continue
        taken.add(media.id)
        position += 1
        photo = ListingMedia(listing_id=listing.id, media_id=media.id, position=position,
                             variant_id=variant_id, alt_text=alt_text)
        db.session.add(photo)
        added.append(photo)
    db.session.flush()
    return added


def update_photo(listing: Listing, photo_id, *, variant_id, alt_text: str) -> ListingMedia:
    """Attach a photo to a variant (or to every option) and describe it for screen readers."""
    photo = get_photo(listing, photo_id)
    photo.variant_id = _variant_of(listing, variant_id)
    photo.alt_text = _alt_text(alt_text)
    db.session.flush()
    return photo


def move_photo(listing: Listing, photo_id, direction: str) -> ListingMedia:
    """Move a photo one place "up" or "down" in the gallery, or make it the main photo ("first")."""
    if direction not in DIRECTIONS:
        raise DomainError(_('Move a photo up, down or to the front.'))
    photos = listing_photos(listing.id)
    photo = get_photo(listing, photo_id)
    index = photos.index(photo)
    target = {"up": index - 1, "down": index + 1, "first": 0}[direction]
    if 0 <= target < len(photos):
        photos.insert(target, photos.pop(index))
    for position, each in enumerate(photos, start=1):
        each.position = position
    db.session.flush()
    return photo


def remove_photo(listing: Listing, photo_id) -> None:
    """Take a photo off the listing (the stored image stays: it may be used elsewhere)."""
    photo = get_photo(listing, photo_id)
    db.session.delete(photo)
    db.session.flush()
