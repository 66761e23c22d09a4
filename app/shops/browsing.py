"""What shoppers browse in the current shop: its visible listings, collections and search.
(The storefront's reads; tenancy scopes them to the shop of the host.)"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from app.catalog.models import SupplyProduct
from app.extensions import db

from .models import Collection, Listing

SEARCH_LIMIT = 60
MAX_QUERY = 100


def collection_by_handle(handle: str) -> Collection | None:
    return db.session.scalar(select(Collection).where(Collection.handle == handle))


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
        .where(Listing.is_visible.is_(True), Listing.status != "paused", or_(
            func.lower(Listing.title).like(pattern),
            func.lower(Listing.recommendation).like(pattern),
            func.lower(SupplyProduct.title).like(pattern),
            func.lower(SupplyProduct.category).like(pattern),
        ))
        .order_by(Listing.position).limit(SEARCH_LIMIT)
    ).unique())
