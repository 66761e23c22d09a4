"""The shared supply catalog: suppliers, their products and variants (no shop_id)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_pgettext
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.i18n import _
from app.i18n import lazy_gettext as _l

SUPPLIER_STATUSES = ("pending", "active", "suspended")
PRODUCT_STATUSES = ("active", "discontinued")
CATEGORIES = ("apparel", "snacks", "beauty", "home", "fresh", "electronics", "other")
CATEGORY_LABELS = {"apparel": _l("Apparel"), "snacks": _l("Snacks"), "beauty": _l("Beauty"),
                   "home": lazy_pgettext("product category", "Home"),  # home goods, not a home page
                   "fresh": _l("Fresh"), "electronics": _l("Electronics"), "other": _l("Other")}


def category_label(category: str | None) -> str:
    """A product category as its reader calls it ("snacks" -> "Snacks" / "零食")."""
    return str(CATEGORY_LABELS.get(category or "", (category or "").capitalize()))


class Supplier(db.Model):
    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    # The language its people work in (app/i18n.py LANGUAGES): what its feed jobs write,
    # such as the reasons a feed row was rejected, is stored in it.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # Purchase orders are POSTed here as JSON signed with HMAC-SHA256 (shown to the admin once).
    webhook_url: Mapped[str] = mapped_column(String(500), default="")
    webhook_secret: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    products: Mapped[list[SupplyProduct]] = relationship(back_populates="supplier")

    @property
    def is_active(self) -> bool:
        return self.status == "active"


class SupplyProduct(db.Model):
    # PostgreSQL: fillfactor 90 (migration b0d2f4a6c8e1), so a sync's updates stay in place.
    __tablename__ = "supply_products"
    __table_args__ = (
        UniqueConstraint("supplier_id", "code"),
        # What a variant's key points at: a variant's supplier is its product's (one check
        # per variant row instead of two: the first sync of a catalog writes 100,000s).
        UniqueConstraint("supplier_id", "id"),
        # The owners' catalog browser and the admin's list walk products by title.
        Index("ix_supply_products_title_id", "title", "id"),
        # Searches for any part of a title, description or code: trigram indexes, so
        # "%honey%" is not a scan of every product. PostgreSQL only: a B-tree cannot answer
        # such a search, so on SQLite they were only written (migration a8c0e2f4b6d8).
        *(Index(f"ix_supply_products_{column}_trgm", column, postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"}).ddl_if(dialect="postgresql")
          for column in ("title", "description", "code")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # (No index of its own: the unique keys above start with it.)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    code: Mapped[str] = mapped_column(String(80))  # the supplier's own product code
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(40), index=True)
    image_url: Mapped[str] = mapped_column(String(500), default="")
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="active")
    # Hash of everything a feed row says about the product and its variants: an unchanged
    # product is recognised without comparing field by field, and skipped.
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    supplier: Mapped[Supplier] = relationship(back_populates="products")
    variants: Mapped[list[SupplyVariant]] = relationship(
        back_populates="product", order_by="SupplyVariant.id", cascade="all, delete-orphan",
        primaryjoin="SupplyProduct.id == foreign(SupplyVariant.product_id)",
    )

    @property
    def is_available(self) -> bool:
        return self.status == "active" and self.supplier.status == "active"

    @property
    def total_stock(self) -> int:
        return sum(v.stock for v in self.variants)


class SupplyVariant(db.Model):
    # PostgreSQL: fillfactor 90 (migration b0d2f4a6c8e1), so price and stock changes stay in place.
    __tablename__ = "supply_variants"
    __table_args__ = (
        UniqueConstraint("supplier_id", "sku"),
        ForeignKeyConstraint(["supplier_id", "product_id"], ["supply_products.supplier_id", "supply_products.id"]),
        # (PostgreSQL only, as the products' trigram indexes above.)
        Index("ix_supply_variants_sku_trgm", "sku", postgresql_using="gin",
              postgresql_ops={"sku": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("wholesale_price >= 0", name="wholesale_not_negative"),
        CheckConstraint("min_retail_price >= wholesale_price", name="min_retail_covers_wholesale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(index=True)
    supplier_id: Mapped[int]  # its product's (the key above): indexed by (supplier_id, sku)
    sku: Mapped[str] = mapped_column(String(80))
    options: Mapped[dict] = mapped_column(JSON, default=dict)  # {"size": "M", "colour": "Red"}
    wholesale_price: Mapped[int]  # minor units, in the product's currency
    min_retail_price: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)

    # Joined by the product's id alone (its primary key: a variant's product is then found in
    # the session without a query); the key above also holds the supplier, for the database.
    product: Mapped[SupplyProduct] = relationship(
        back_populates="variants", primaryjoin="SupplyProduct.id == foreign(SupplyVariant.product_id)")

    @property
    def label(self) -> str:
        return " / ".join(str(v) for v in self.options.values()) or _('Default')
