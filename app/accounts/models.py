"""People who log in to the platform host, and which shops they belong to."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of every login token: bumping it (log out, password change, "log out
    # everywhere") makes every session and remember cookie issued before worthless.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The language the back offices and this user's e-mails use; None: the browser's.
    language: Mapped[str | None] = mapped_column(String(8), default=None)

    memberships: Mapped[list[ShopMembership]] = relationship(back_populates="user")

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def login_token(self) -> str:
        """What the session and the remember cookie carry (Flask-Login's id attribute):
        the id, the session version, and when this login began."""
        from .sessions import login_token

        return login_token(self)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class ShopMembership(db.Model):
    """A user's role in a shop. Queried by user (the shop switcher), so not tenant-scoped."""

    __tablename__ = "shop_memberships"
    __table_args__ = (UniqueConstraint("shop_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))  # (led by the unique key)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="owner")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    shop = relationship("Shop")
