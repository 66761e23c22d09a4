"""Payouts: available balances become Stripe transfers to connected accounts, exactly once.

A payout run computes every payee's available balance in one aggregate query. For each
balance at or above PAYOUT_MINIMUM whose payee has an active connected account, it writes
a Payout row and its ledger debit in one transaction (so the money cannot be paid twice
by a second run), then one job per payout makes the transfer. The transfer is made with
an idempotency key from the payout; before trying, the job looks for a transfer already
made for the payout (its transfer group), so a worker killed between Stripe's answer and
our commit cannot pay twice either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, text

from app.db_types import utcnow
from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import _
from app.integrations import stripe_gateway
from app.status_words import status_in_sentence
from app.tenancy import unscoped

from .connect import account_of
from .models import PAID_OUT_PAYEES, LedgerEntry, OrderRelease, Payout, PayoutAccount, PayoutRun
from .services import availability, record_payout_reversal, record_payouts

ADVISORY_LOCK_ID = 0x466C6167  # "Flag": one payout run at a time on PostgreSQL


@dataclass(frozen=True)
class DueBalance:
    payee_type: str
    payee_id: int
    currency: str
    amount: int


def available_balances(now: datetime, minimum: int) -> list[DueBalance]:
    """Every shop's and supplier's available balance of at least `minimum`: one query."""
    amount = func.sum(LedgerEntry.amount * availability(now))
    rows = db.session.execute(
        select(LedgerEntry.payee_type, LedgerEntry.payee_id, LedgerEntry.currency, amount)
        .outerjoin(OrderRelease, OrderRelease.order_id == LedgerEntry.order_id)
        .where(LedgerEntry.payee_type.in_(PAID_OUT_PAYEES))
        .group_by(LedgerEntry.payee_type, LedgerEntry.payee_id, LedgerEntry.currency)
        .having(amount >= minimum)
        .order_by(LedgerEntry.payee_type, LedgerEntry.payee_id, LedgerEntry.currency)
    ).all()
    return [DueBalance(payee_type, payee_id, currency, int(total))
            for payee_type, payee_id, currency, total in rows]


def _lock_runs() -> None:
    """Serialise payout runs (a scheduled and a manual one at the same moment)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID})


@unscoped()  # every payee's balance: platform-wide (the ledger's RLS shows nothing else)
def create_payouts(trigger: str = "schedule", now: datetime | None = None) -> tuple[PayoutRun, list[int]]:
    """One payout run: Payout rows and their debits for every due, connected payee.
    Flushes; the caller defers a transfer job per returned payout id, then commits."""
    _lock_runs()
    now = now or utcnow()
    run = PayoutRun(trigger=trigger, started_at=now)
    db.session.add(run)
    db.session.flush()
    accounts = {(account.payee_type, account.payee_id): account
                for account in db.session.scalars(select(PayoutAccount))}
    due = available_balances(now, current_app.config["PAYOUT_MINIMUM"])
    new_payouts = []
    for balance in due:
        account = accounts.get((balance.payee_type, balance.payee_id))
        if account is None or account.status != "active":
            run.waiting_for_account += 1
            continue
        new_payouts.append(Payout(run_id=run.id, payee_type=balance.payee_type,
                                  payee_id=balance.payee_id, amount=balance.amount,
                                  currency=balance.currency, destination=account.stripe_account_id,
                                  created_at=now))
    db.session.add_all(new_payouts)
    db.session.flush()
    record_payouts(new_payouts)
    run.payees_due, run.payouts_created = len(due), len(new_payouts)
    run.total_amount = sum(payout.amount for payout in new_payouts)
    run.status, run.finished_at = "finished", utcnow()
    db.session.flush()
    return run, [payout.id for payout in new_payouts]


class TransferFailed(RuntimeError):
    """Stripe refused or failed the transfer; the job retries (with backoff)."""


def pay_out(payout_id: int, *, final_attempt: bool) -> str:
    """Make the payout's transfer, once. Commits its outcome. Raises TransferFailed on an
    error while retries remain; on the final attempt the payout is marked failed."""
    payout = db.session.get(Payout, payout_id, with_for_update=True)
    if payout is None:
        return "missing"
    if payout.status != "pending":
        return payout.status
    try:
        transfer = stripe_gateway.find_transfer(payout.transfer_group) or stripe_gateway.create_transfer(
            amount=payout.amount, currency=payout.currency, destination=payout.destination,
            transfer_group=payout.transfer_group, idempotency_key=payout.idempotency_key,
            metadata={"payout_id": str(payout.id), "payee": f"{payout.payee_type}:{payout.payee_id}"})
    except stripe_gateway.StripeError as error:
        reason = (error.user_message or str(error))[:500]
        if getattr(error, "http_status", None) is not None:
            # Stripe answered, and would replay that answer (even a 500) for the same key.
            # The next try looks for the transfer first (its group), then uses a new key.
            payout.failed_attempts += 1
        payout.failure_reason = reason
        if final_attempt:
            payout.status, payout.failed_at = "failed", utcnow()
        db.session.commit()
        if final_attempt:
            return "failed"
        raise TransferFailed(f"payout {payout_id}: {reason}") from None
    payout.transfer_id, payout.status, payout.paid_at = transfer["id"], "paid", utcnow()
    payout.failure_reason = ""
    db.session.commit()
    return "paid"


def get_payout(payout_id) -> Payout:
    payout = db.session.scalar(select(Payout).where(Payout.id == payout_id))
    if payout is None:
        raise NotFound(_('No such payout.'))
    return payout


def retry_payout(payout: Payout) -> Payout:
    """An admin retries a failed payout (after the payee fixed their account), or sends a
    stuck one again. The caller queues its transfer job."""
    if payout.status == "pending" and payout in stuck_payouts():
        return payout
    if payout.status != "failed":
        raise DomainError(_('Payout #%(id)s is %(status)s; only a failed or stuck payout is retried.', id=payout.id,
                                status=status_in_sentence(payout.status)))
    account = account_of(payout.payee_type, payout.payee_id)
    if account is not None:
        payout.destination = account.stripe_account_id
    payout.status, payout.failed_at = "pending", None
    db.session.flush()
    return payout


def cancel_payout(payout: Payout) -> Payout:
    """Give up on a failed payout: its amount returns to the payee's balance."""
    if payout.status != "failed":
        raise DomainError(_('Payout #%(id)s is %(status)s; only a failed payout is cancelled.', id=payout.id,
                                status=status_in_sentence(payout.status)))
    payout.status = "cancelled"
    record_payout_reversal(payout)
    db.session.flush()
    return payout


def payouts_of(payee_type: str, payee_id: int, limit: int = 50) -> list[Payout]:
    return list(db.session.scalars(select(Payout).where(
        Payout.payee_type == payee_type, Payout.payee_id == payee_id)
        .order_by(Payout.id.desc()).limit(limit)))


def recent_runs(limit: int = 20) -> list[PayoutRun]:
    return list(db.session.scalars(select(PayoutRun).order_by(PayoutRun.id.desc()).limit(limit)))


def stuck_after() -> timedelta:
    """How long a payout may stay pending: every retry's wait, plus an hour of slack."""
    return timedelta(seconds=sum(current_app.config["PAYOUT_RETRY_SECONDS"]) + 3600)


def stuck_payouts(now: datetime | None = None) -> list[Payout]:
    """Payouts still pending long after their transfer job should have ended (a worker
    killed on the last try, a job lost with a Redis wiped clean): the run and admin Money
    send their transfers again, which pays at most once."""
    cutoff = (now or utcnow()) - stuck_after()
    return list(db.session.scalars(select(Payout).where(Payout.status == "pending",
                                                        Payout.created_at < cutoff)
                                   .order_by(Payout.id)))


def failed_payouts() -> list[Payout]:
    return list(db.session.scalars(select(Payout).where(Payout.status == "failed")
                                   .order_by(Payout.id.desc())))
