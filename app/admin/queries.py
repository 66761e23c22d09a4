"""Platform-wide reads for the admin pages. They cross shops on purpose, so each runs
unscoped explicitly (the admin request is unscoped already; tests call them directly)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import exists, func, or_, select

from app.accounts.models import ShopMembership, User
from app.catalog.models import SUPPLIER_STATUSES, Supplier, SupplyProduct
from app.db_types import contains_pattern, utcnow
from app.errors import NotFound
from app.extensions import db
from app.i18n import _
from app.notifications.models import OutboundEmail
from app.orders.models import Order
from app.shops.models import Listing, Shop
from app.shops.services import listing_counts
from app.tenancy import unscoped

MAX_SEARCH = 100


def start_of_today() -> datetime:
    now = utcnow()
    return datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)


@dataclass(frozen=True)
class Overview:
    suppliers_by_status: dict[str, int]
    products_by_status: dict[str, int]
    shops_by_status: dict[str, int]
    orders_today: int

    @property
    def suppliers(self) -> int:
        return sum(self.suppliers_by_status.values())

    @property
    def products(self) -> int:
        return sum(self.products_by_status.values())

    @property
    def shops(self) -> int:
        return sum(self.shops_by_status.values())


def _counts_by(column) -> dict[str, int]:
    return dict(db.session.execute(select(column, func.count()).group_by(column)).all())


def overview() -> Overview:
    """Counts for the admin's front page. "Today" is the current UTC day."""
    with unscoped():
        suppliers = {status: 0 for status in SUPPLIER_STATUSES} | _counts_by(Supplier.status)
        return Overview(
            suppliers_by_status=suppliers,
            products_by_status=_counts_by(SupplyProduct.status),
            shops_by_status=_counts_by(Shop.status),
            orders_today=db.session.scalar(
                select(func.count(Order.id)).where(Order.placed_at >= start_of_today())) or 0,
        )


def recent_shops(limit: int = 8) -> list[Shop]:
    with unscoped():
        return list(db.session.scalars(select(Shop).order_by(Shop.created_at.desc(), Shop.id.desc()).limit(limit)))


@dataclass(frozen=True)
class ShopRow:
    shop: Shop
    owners: list[str]
    listings: int
    orders: int


def _owner_emails(shop_ids: list[int]) -> dict[int, list[str]]:
    owners: dict[int, list[str]] = {shop_id: [] for shop_id in shop_ids}
    if shop_ids:
        rows = db.session.execute(
            select(ShopMembership.shop_id, User.email).join(User, User.id == ShopMembership.user_id)
            .where(ShopMembership.shop_id.in_(shop_ids), ShopMembership.role == "owner")
            .order_by(User.email)
        )
        for shop_id, email in rows:
            owners[shop_id].append(email)
    return owners


def _count_per_shop(model, shop_ids: list[int]) -> dict[int, int]:
    if not shop_ids:
        return {}
    return dict(db.session.execute(
        select(model.shop_id, func.count(model.id)).where(model.shop_id.in_(shop_ids)).group_by(model.shop_id)
    ).all())


def search_shops(text: str = "", page: int = 1, per_page: int = 50):
    """A page of shops (newest first) whose name, subdomain or owner's email contains
    `text`, and a ShopRow for each shop on the page."""
    with unscoped():
        query = select(Shop).order_by(Shop.created_at.desc(), Shop.id.desc())
        text = (text or "").strip()[:MAX_SEARCH]
        if text:
            pattern = contains_pattern(text)
            owner_matches = exists().where(
                ShopMembership.shop_id == Shop.id, ShopMembership.user_id == User.id,
                User.email.ilike(pattern, escape="\\"),
            )
            query = query.where(or_(Shop.name.ilike(pattern, escape="\\"),
                                    Shop.subdomain.ilike(pattern, escape="\\"), owner_matches))
        result = db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)
        shop_ids = [shop.id for shop in result.items]
        owners = _owner_emails(shop_ids)
        listings = _count_per_shop(Listing, shop_ids)
        orders = _count_per_shop(Order, shop_ids)
        rows = [ShopRow(shop, owners[shop.id], listings.get(shop.id, 0), orders.get(shop.id, 0))
                for shop in result.items]
        return result, rows


def get_shop(shop_id) -> Shop:
    with unscoped():
        shop = db.session.get(Shop, _as_id(shop_id))
    if shop is None:
        raise NotFound(_('No such shop.'))
    return shop


@dataclass(frozen=True)
class ShopStats:
    members: list[tuple[str, str]]  # (email, role)
    listings: int
    visible_listings: int
    orders_by_status: dict[str, int]
    recent_orders: list[Order]

    @property
    def orders(self) -> int:
        return sum(self.orders_by_status.values())


def shop_stats(shop: Shop, recent: int = 10) -> ShopStats:
    with unscoped():
        members = db.session.execute(
            select(User.email, ShopMembership.role).join(User, User.id == ShopMembership.user_id)
            .where(ShopMembership.shop_id == shop.id).order_by(ShopMembership.role.desc(), User.email)
        ).all()
        listings = listing_counts(shop.id)
        by_status = dict(db.session.execute(
            select(Order.status, func.count(Order.id)).where(Order.shop_id == shop.id).group_by(Order.status)
        ).all())
        recent_orders = list(db.session.scalars(
            select(Order).where(Order.shop_id == shop.id)
            .order_by(Order.placed_at.desc(), Order.id.desc()).limit(recent)
        ))
    return ShopStats([(email, role) for email, role in members], listings[0], listings[1],
                     by_status, recent_orders)


def get_email(email_id) -> OutboundEmail:
    email = db.session.get(OutboundEmail, _as_id(email_id))
    if email is None:
        raise NotFound(_('No such e-mail.'))
    return email


def _as_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound(_('No such row.')) from None
