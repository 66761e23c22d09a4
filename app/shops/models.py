"""Shops (the tenants) and what they own: listings and collections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy import false as sa_false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.tenancy import TenantMixin, row_key

SHOP_STATUSES = ("active", "suspended")
PRICE_RULES = ("markup", "fixed")


class Shop(db.Model):
    __tablename__ = "shops"
    # The platform home's directory walks shops oldest first and stops at a dozen.
    __table_args__ = (Index("ix_shops_created_at_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    subdomain: Mapped[str] = mapped_column(String(40), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    bio: Mapped[str] = mapped_column(Text, default="")
    theme: Mapped[str] = mapped_column(String(40), default="default")
    status: Mapped[str] = mapped_column(String(20), default="active")
    suspended_reason: Mapped[str] = mapped_column(String(300), default="")
    # Guardrails when a supplier's price moves: a change beyond the tolerance, or a margin
    # under the floor, pauses the listing until the owner approves (basis points: 1500 = 15 %).
    price_change_tolerance_bp: Mapped[int] = mapped_column(default=1500)
    margin_floor_bp: Mapped[int] = mapped_column(default=0)
    # The platform's fee on this shop's sales (basis points); None: PLATFORM_FEE_PERCENT.
    platform_fee_bp: Mapped[int | None] = mapped_column(default=None)
    # Pay-on-delivery orders go to the supplier: "off" at once; "shopper" once the shopper
    # confirms by an e-mail link; "owner" once the owner approves each one.
    cod_confirmation: Mapped[str] = mapped_column(String(10), default="off", server_default="off")
    # The referral programme (app/referrals): promoters earn these basis points of what a
    # shopper they brought pays for goods, and their recruiter the second-level rate; a
    # shopper stays bound to their promoter for `referral_binding_days`.
    referral_open: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    referral_invite_only: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    referral_level1_bp: Mapped[int] = mapped_column(default=0, server_default="0")
    referral_level2_bp: Mapped[int] = mapped_column(default=0, server_default="0")
    referral_binding_days: Mapped[int] = mapped_column(default=30, server_default="30")
    # The shop's clock (an IANA name, app/shops/timezones.py): times are shown and typed in it.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # The storefront's language (app/i18n.py LANGUAGES); a shopper may switch theirs.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_open(self) -> bool:
        return self.status == "active"

    def __repr__(self) -> str:
        return f"<Shop {self.subdomain}>"


class Listing(TenantMixin, db.Model):
    """A shop's pick of one supply product, with its own title, story and price rule."""

    __tablename__ = "listings"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "handle"),
        UniqueConstraint("shop_id", "supply_product_id"),
        CheckConstraint("price_rule IN ('markup', 'fixed')", name="price_rule_known"),
        CheckConstraint(
            "(price_rule = 'markup' AND markup_basis_points IS NOT NULL AND markup_basis_points >= 0)"
            " OR (price_rule = 'fixed' AND fixed_price IS NOT NULL AND fixed_price > 0)",
            name="price_rule_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supply_product_id: Mapped[int] = mapped_column(ForeignKey("supply_products.id"), index=True)
    handle: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    recommendation: Mapped[str] = mapped_column(Text, default="")
    price_rule: Mapped[str] = mapped_column(String(10), default="markup")
    markup_basis_points: Mapped[int | None] = mapped_column(default=None)  # 2500 = 25 %
    fixed_price: Mapped[int | None] = mapped_column(default=None)  # minor units
    is_visible: Mapped[bool] = mapped_column(default=True)
    # "active", or "paused" after a supplier price move the owner has not approved yet.
    status: Mapped[str] = mapped_column(String(20), default="active")
    pause_reason: Mapped[str] = mapped_column(String(300), default="")
    # The per-variant prices the owner last saw and accepted ({variant id: minor units}).
    approved_prices: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    supply_product = relationship("SupplyProduct", lazy="joined")

    @hybrid_property
    def on_sale(self) -> bool:
        """Shoppers can see and buy it: visible, and not paused (by a supplier's price move
        the owner has not approved). One rule for queries and for loaded rows."""
        return self.is_visible and self.status != "paused"

    @on_sale.inplace.expression
    @classmethod
    def _on_sale_expression(cls):
        return and_(cls.is_visible.is_(True), cls.status != "paused")

    @property
    def currency(self) -> str:
        """The shop's currency, which the listing sells in (its product may be priced in
        another, converted: app/shops/pricing.py). The shop row comes from the identity map."""
        return db.session.get(Shop, self.shop_id).currency


class Collection(TenantMixin, db.Model):
    __tablename__ = "collections"
    __table_args__ = (row_key(), UniqueConstraint("shop_id", "handle"))

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entries: Mapped[list[CollectionListing]] = relationship(
        primaryjoin=lambda: and_(
            Collection.id == foreign(CollectionListing.collection_id),
            Collection.shop_id == CollectionListing.shop_id,
        ),
        order_by=lambda: CollectionListing.position,
        cascade="all, delete-orphan",
        back_populates="collection",
    )


class CollectionListing(TenantMixin, db.Model):
    """A listing's place in a collection. Composite keys keep both ends in one shop."""

    __tablename__ = "collection_listings"
    __table_args__ = (
        UniqueConstraint("shop_id", "collection_id", "listing_id"),
        ForeignKeyConstraint(
            ["shop_id", "collection_id"], ["collections.shop_id", "collections.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["shop_id", "listing_id"], ["listings.shop_id", "listings.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(index=True)
    listing_id: Mapped[int] = mapped_column(index=True)
    position: Mapped[int] = mapped_column(default=0)

    collection: Mapped[Collection] = relationship(
        primaryjoin=lambda: and_(
            Collection.id == foreign(CollectionListing.collection_id),
            Collection.shop_id == CollectionListing.shop_id,
        ),
        back_populates="entries",
    )
    listing: Mapped[Listing] = relationship(
        primaryjoin=lambda: and_(
            Listing.id == foreign(CollectionListing.listing_id),
            Listing.shop_id == CollectionListing.shop_id,
        ),
        lazy="joined",
    )
