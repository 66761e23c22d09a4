"""The tables of deals: offers, their rounds (groups), and the record of what happened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.tenancy import TenantMixin, row_key

DEAL_KINDS = ("group", "presale")
DEAL_STATUSES = ("active", "paused")
# A group "filled" (went ahead) or "failed"; a pre-sale that reached its minimum by its close
# is "filled" too (its orders go ahead), one that did not "failed".
ROUND_STATUSES = ("open", "filled", "failed")
EVENT_KINDS = ("created", "opened", "joined", "filled", "failed", "closed", "cancelled", "paused", "resumed",
               "changed", "missed", "refunded")


class Deal(TenantMixin, db.Model):
    """An owner's group-buy offer on one listing: the group price of each variant, how many
    people make a group, how long a group has to fill, how many groups may run at once."""

    __tablename__ = "deals"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "listing_id", "kind"),
        ForeignKeyConstraint(["shop_id", "listing_id"], ["listings.shop_id", "listings.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(10), default="group")
    status: Mapped[str] = mapped_column(String(10), default="active")
    prices: Mapped[dict] = mapped_column(JSON, default=dict)  # {variant id: price, minor units}
    group_size: Mapped[int] = mapped_column(default=2)
    time_limit_minutes: Mapped[int] = mapped_column(default=24 * 60)
    max_open_groups: Mapped[int] = mapped_column(default=5)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def price_of(self, variant_id: int) -> int | None:
        return self.prices.get(str(variant_id))


class DealRound(TenantMixin, db.Model):
    """One group (members count toward `target` until `deadline`), or one run of a pre-sale
    (the quantity ordered counts toward the minimum `target` until it closes at `deadline`,
    to ship by `ships_by`). It moves from open to filled or to failed exactly once
    (conditional UPDATEs decide a race)."""

    __tablename__ = "deal_rounds"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "token"),
        ForeignKeyConstraint(["shop_id", "deal_id"], ["deals.shop_id", "deals.id"], ondelete="CASCADE"),
        # The sweep reads only open rounds past their deadline.
        Index("ix_deal_rounds_open_deadline", "deadline", postgresql_where=text("status = 'open'"),
              sqlite_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(index=True)
    token: Mapped[str] = mapped_column(String(24))  # the share link's
    status: Mapped[str] = mapped_column(String(10), default="open")
    target: Mapped[int]
    progress: Mapped[int] = mapped_column(default=0)  # members who joined, or the quantity pre-ordered
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ships_by: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)  # a pre-sale's promise
    # A pre-sale's deposit (basis points of the order; 0: paid in full), the balance due
    # once it goes ahead.
    deposit_bp: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    def deposit_of(self, total: int) -> int:
        """The deposit on an order of `total` (rounded up to the minor unit)."""
        return -(-total * self.deposit_bp // 10_000) if self.deposit_bp else total

    deal: Mapped[Deal] = relationship(primaryjoin=lambda: and_(
        Deal.id == foreign(DealRound.deal_id), Deal.shop_id == DealRound.shop_id))

    @property
    def places_left(self) -> int:
        return max(self.target - self.progress, 0)


class DealEvent(TenantMixin, db.Model):
    """What happened to a deal or a round, when: the owner's and the admin's record."""

    __tablename__ = "deal_events"
    __table_args__ = (
        row_key(),
        ForeignKeyConstraint(["shop_id", "deal_id"], ["deals.shop_id", "deals.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(index=True)
    round_id: Mapped[int | None] = mapped_column(default=None, index=True)
    order_id: Mapped[int | None] = mapped_column(default=None)
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProductionOrder(TenantMixin, db.Model):
    """A pre-sale that went ahead, for one supplier: the whole quantity to make, in one
    consolidated purchase order (each shopper's order is still shipped by its own). The
    supplier's portal reads these (and nothing about the shoppers)."""

    __tablename__ = "production_orders"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "round_id", "supplier_id"),  # one per supplier per pre-sale
        ForeignKeyConstraint(["shop_id", "round_id"], ["deal_rounds.shop_id", "deal_rounds.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    ships_by: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    lines: Mapped[list] = mapped_column(JSON, default=list)  # [{sku, title, variant, quantity, unit_cost}]
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @classmethod
    def supplier_criteria(cls, supplier_id: int):
        """Which rows a supplier's portal sees (app/tenancy: the supplier scope)."""
        return cls.supplier_id == supplier_id

    @property
    def total_quantity(self) -> int:
        return sum(line["quantity"] for line in self.lines)

    @property
    def total_cost(self) -> int:
        return sum(line["quantity"] * line["unit_cost"] for line in self.lines)


class WeeklyDeal(TenantMixin, db.Model):
    """A community leader's weekly deal: a set of listings ordered until a weekly deadline
    (weekday and time, UTC) and handed out on a later weekday. A round is the week that ends
    at a deadline: an order belongs to the first deadline at or after it was placed, so an
    order after the deadline goes to the next round. One per shop."""

    __tablename__ = "weekly_deals"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    listing_ids: Mapped[list] = mapped_column(JSON, default=list)
    deadline_weekday: Mapped[int] = mapped_column(default=3)  # 0 = Monday
    deadline_minutes: Mapped[int] = mapped_column(default=20 * 60)  # minutes after midnight, UTC
    handout_weekday: Mapped[int] = mapped_column(default=5)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
