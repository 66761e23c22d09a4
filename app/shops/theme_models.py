"""What a shop owner makes of a theme: settings and homepage sections (a draft and the
published copy), uploaded images, and newsletter sign-ups from the storefront."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.tenancy import TenantMixin, row_key

MEDIA_KINDS = ("logo", "favicon", "banner", "photo")


class ThemeConfig(TenantMixin, db.Model):
    """One shop's values for one theme. The owner edits the draft; publishing copies it to
    the published columns, which are what shoppers see. Values are validated against the
    theme's schema on every save, so only clean data is stored (never template code)."""

    __tablename__ = "theme_configs"
    __table_args__ = (row_key(), UniqueConstraint("shop_id", "theme"))

    id: Mapped[int] = mapped_column(primary_key=True)
    theme: Mapped[str] = mapped_column(String(40))
    draft_settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # [{"key": "s1", "type": "hero", "settings": {...}}, ...] in homepage order
    draft_sections: Mapped[list] = mapped_column(JSON, default=list)
    published_settings: Mapped[dict] = mapped_column(JSON, default=dict)
    published_sections: Mapped[list] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ShopMedia(TenantMixin, db.Model):
    """An uploaded image, re-encoded by Pillow and stored under MEDIA_ROOT. The type is
    the one we wrote, never the uploader's claim; the file name carries a content hash."""

    __tablename__ = "shop_media"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "filename"),
        CheckConstraint("kind IN ('logo', 'favicon', 'banner', 'photo')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    byte_size: Mapped[int] = mapped_column()
    original_name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NewsletterSubscriber(TenantMixin, db.Model):
    """A shopper who signed up through a storefront's newsletter section."""

    __tablename__ = "newsletter_subscribers"
    __table_args__ = (row_key(), UniqueConstraint("shop_id", "email"))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
