"""What shoppers browse in the current shop: its visible listings, collections and search.
(The storefront's reads; tenancy scopes them to the shop of the host.)"""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.catalog.models import SupplyProduct
from app.extensions import db

from .models import Collection, CollectionListing, Listing

SEARCH_LIMIT = 60
MAX_QUERY = 100


def as_cards(path=None) -> tuple:
    """Loader options for listings shown as product cards (price from, in stock): their
    product, its supplier and variants come in a fixed number of queries however many cards
    there are, not one query per card. `path`: the loader that reaches the listings."""
    product = (path.joinedload(Listing.supply_product) if path is not None
               else joinedload(Listing.supply_product))
    return product.selectinload(SupplyProduct.variants), product.joinedload(SupplyProduct.supplier)


def _with_cards():
    return as_cards(selectinload(Collection.entries).joinedload(CollectionListing.listing))


def shelf() -> list[Listing]:
    """The shop's listings on sale (visible, not paused), in its order, loaded as cards."""
    return list(db.session.scalars(
        select(Listing).where(Listing.on_sale).order_by(Listing.position, Listing.id).options(*as_cards())).unique())


def shelf_ids() -> list[int]:
    """The ids of the shop's listings on sale, in its order: one light query (a shop of
    10,000 listings reads 10,000 integers, not 10,000 cards)."""
    return list(db.session.scalars(select(Listing.id).where(Listing.on_sale).order_by(Listing.position, Listing.id)))


def cards(listing_ids) -> list[Listing]:
    """These listings, loaded as product cards (any order)."""
    return list(db.session.scalars(
        select(Listing).where(Listing.id.in_(list(listing_ids))).options(*as_cards())).unique())


def storefront_collections() -> list[Collection]:
    """The shop's collections that hold something, in order, without their entries (the
    home page takes what each holds from `listing_ids_held`): one query per request, which
    the header menu shares."""
    cached = g.get("storefront_collections") if has_app_context() else None
    if cached is None:
        holds = select(CollectionListing.id).where(CollectionListing.collection_id == Collection.id,
                                                   CollectionListing.shop_id == Collection.shop_id).exists()
        cached = list(db.session.scalars(
            select(Collection).where(holds).order_by(Collection.position, Collection.id)))
        if has_app_context():
            g.storefront_collections = cached
    return cached


def listing_ids_held(collections: list[Collection]) -> dict[int, list[int]]:
    """collection id -> the ids of the listings it holds, in its order: one query of two
    integers a row, no entries or listings loaded (the 100-listing home's 100 entries as
    objects were a few milliseconds of loading and of garbage to collect)."""
    held: dict[int, list[int]] = {c.id: [] for c in collections}
    if held:
        rows = db.session.execute(
            select(CollectionListing.collection_id, CollectionListing.listing_id)
            .where(CollectionListing.collection_id.in_(list(held)))
            .order_by(CollectionListing.collection_id, CollectionListing.position, CollectionListing.id))
        for collection_id, listing_id in rows:
            held[collection_id].append(listing_id)
    return held


def collection_by_handle(handle: str) -> Collection | None:
    return db.session.scalar(select(Collection).where(Collection.handle == handle).options(*_with_cards()))


def collection_by_id(collection_id: int | None) -> Collection | None:
    if collection_id is None:
        return None
    return db.session.scalar(select(Collection).where(Collection.id == collection_id))


def visible_listing(handle: str) -> Listing | None:
    """A listing shoppers may open by its handle (hidden ones are not there)."""
    return db.session.scalar(
        select(Listing).where(Listing.handle == handle, Listing.is_visible.is_(True)))


def visible_listing_by_id(listing_id: int | None) -> Listing | None:
    if listing_id is None:
        return None
    return db.session.scalar(
        select(Listing).where(Listing.id == listing_id, Listing.is_visible.is_(True)))


def search_listings(query: str) -> list[Listing]:
    """Visible, unpaused listings whose title, recommendation or product title or category
    contain the words typed (case-insensitive), in the shop's order."""
    query = (query or "").strip()[:MAX_QUERY]
    if not query:
        return []
    pattern = f"%{query.lower()}%"
    return list(db.session.scalars(
        select(Listing).join(SupplyProduct, SupplyProduct.id == Listing.supply_product_id)
        .where(Listing.on_sale, or_(
            func.lower(Listing.title).like(pattern),
            func.lower(Listing.recommendation).like(pattern),
            func.lower(SupplyProduct.title).like(pattern),
            func.lower(SupplyProduct.category).like(pattern),
        ))
        .order_by(Listing.position).limit(SEARCH_LIMIT).options(*as_cards())
    ).unique())
