"""Sending an outbox e-mail as a job, once the transaction that recorded it commits."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.jobs.outbox import defer
from app.tenancy import unscoped

from .models import OutboundEmail
from .services import deliver


def send_after_commit(email: OutboundEmail) -> None:
    """Send `email` once the current transaction commits (an invitation is never mailed
    for a row that rolled back). Safe to call for an e-mail already sent."""
    if email.status != "sent":
        defer(send_email, email.id, queue="notifications", job_id=f"send-email-{email.id}")


def send_email(email_id: int) -> str:
    """A job: send one outbox e-mail. A sent e-mail is never resent; an SMTP failure is
    kept on the row and raised, so RQ retries it."""
    with unscoped():  # the one platform-wide read: which e-mail; deliver() acts for its shop
        email = db.session.scalar(select(OutboundEmail).where(OutboundEmail.id == email_id))
    if email is None:
        return "missing"
    if email.status == "sent":
        return "already sent"
    try:
        deliver(email)
    finally:
        # Read before the commit: after it the row would be loaded again outside its shop's
        # scope, where row-level security hides it.
        status = email.status
        db.session.commit()
    return status
