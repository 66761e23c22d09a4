"""The platform's books: an append-only ledger of who is owed what, and payouts.

The ledger is platform-wide (not a tenant table): its payees are suppliers, shops, the
platform itself, the card processor, shops' promoters (app/referrals) and pickup points (a
fee per order collected), and one payout may settle sales of many shops.
Every entry still names the shop whose order it comes from, and shop-facing reads always
filter by the shop as payee (app.ledger.services). References to tenant rows are plain
ids, never foreign keys: nothing may ever cascade into the books.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

PAYEE_TYPES = ("supplier", "shop", "platform", "processor", "promoter", "pickup_point")
# Only these are ever paid out; the platform keeps its fees, the processor took its own.
PAID_OUT_PAYEES = ("supplier", "shop", "promoter", "pickup_point")


class LedgerEntry(db.Model):
    """One amount owed to (positive) or taken from (negative) a payee. Never updated or
    deleted (an ORM guard and a database trigger refuse it): mistakes are corrected by new,
    reversing entries. `entry_key` is unique, so writing the same entry twice is impossible.

    An entry with `available_at` NULL follows its order: it becomes available when the
    order has shipped and the hold period has passed (an OrderRelease row says when).
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_payee", "payee_type", "payee_id", "currency"),
        CheckConstraint("payee_type IN ('supplier', 'shop', 'platform', 'processor', 'promoter', 'pickup_point')",
                        name="payee_type_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    entry_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(30))  # sale, refund, dispute, cash_collected, payout, ...
    payee_type: Mapped[str] = mapped_column(String(20))
    payee_id: Mapped[int]
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    shop_id: Mapped[int | None] = mapped_column(index=True, default=None)
    order_id: Mapped[int | None] = mapped_column(index=True, default=None)
    refund_id: Mapped[int | None] = mapped_column(default=None)
    payout_id: Mapped[int | None] = mapped_column(index=True, default=None)
    available_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderRelease(db.Model):
    """When an order's held entries become available: written once, when it ships."""

    __tablename__ = "ledger_releases"

    order_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    shop_id: Mapped[int] = mapped_column(index=True)
    shipped_at: Mapped[datetime] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class PayoutAccount(db.Model):
    """A payee's connected Stripe (Express) account."""

    __tablename__ = "payout_accounts"
    __table_args__ = (UniqueConstraint("payee_type", "payee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payee_type: Mapped[str] = mapped_column(String(20))
    payee_id: Mapped[int]
    stripe_account_id: Mapped[str] = mapped_column(String(64), unique=True)
    details_submitted: Mapped[bool] = mapped_column(default=False)
    payouts_enabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def status(self) -> str:
        """not connected (no row) / pending (onboarding unfinished) / active."""
        return "active" if self.details_submitted and self.payouts_enabled else "pending"


class PayoutRun(db.Model):
    """One pass of the payout job over every payee's available balance."""

    __tablename__ = "payout_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(20), default="schedule")  # schedule / manual
    status: Mapped[str] = mapped_column(String(20), default="running")  # running / finished
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    payees_due: Mapped[int] = mapped_column(default=0)  # balances above the minimum
    payouts_created: Mapped[int] = mapped_column(default=0)
    waiting_for_account: Mapped[int] = mapped_column(default=0)  # due, but not connected
    total_amount: Mapped[int] = mapped_column(BigInteger, default=0)  # all currencies added up: a count, not money


class Payout(db.Model):
    """Money sent to one payee's connected account: one Stripe transfer, exactly once."""

    __tablename__ = "payouts"
    __table_args__ = (
        UniqueConstraint("run_id", "payee_type", "payee_id", "currency"),
        CheckConstraint("amount > 0", name="payout_amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(default=None)  # (led by the unique key)
    payee_type: Mapped[str] = mapped_column(String(20))
    payee_id: Mapped[int]
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    destination: Mapped[str] = mapped_column(String(64))  # the Stripe account id
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending/paid/failed
    transfer_id: Mapped[str] = mapped_column(String(64), default="")
    failed_attempts: Mapped[int] = mapped_column(default=0)  # answered errors: each a new idempotency key
    failure_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    @property
    def idempotency_key(self) -> str:
        """Stripe replays a request's first answer, errors too, for the same key: a retry
        after an answered failure needs a new key, a retry after silence the same one."""
        return f"payout-{self.id}-attempt-{self.failed_attempts}"

    @property
    def transfer_group(self) -> str:
        """Tags the transfer, so a payout can find a transfer it made but did not record."""
        return f"payout-{self.id}"
