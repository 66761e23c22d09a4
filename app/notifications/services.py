"""Sending e-mail: every message is recorded once in the outbox, then sent by SMTP if set up.

In development (no MAIL_SERVER) messages stay in the outbox, readable in /admin/outbox.
The outbox holds shoppers' addresses: on PostgreSQL its rows are under row-level security,
so an e-mail is written and updated acting for its shop, or platform-wide when it has none.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.db_types import utcnow
from app.extensions import db
from app.tenancy import unscoped, use_shop

from .models import OutboundEmail

log = logging.getLogger(__name__)


def record_email(dedupe_key: str, *, to: str, subject: str, body_text: str, body_html: str = "",
                 shop_id: int | None = None, reply_to: str = "") -> tuple[OutboundEmail, bool]:
    """The outbox row for this purpose, created if new. Returns (email, created)."""
    with _acting_for(shop_id):
        return _record_email(dedupe_key, to=to, subject=subject, body_text=body_text,
                             body_html=body_html, shop_id=shop_id, reply_to=reply_to)


def _acting_for(shop_id: int | None):
    return unscoped() if shop_id is None else use_shop(shop_id)


def _record_email(dedupe_key: str, *, to: str, subject: str, body_text: str, body_html: str,
                  shop_id: int | None, reply_to: str) -> tuple[OutboundEmail, bool]:
    existing = db.session.scalar(select(OutboundEmail).where(OutboundEmail.dedupe_key == dedupe_key))
    if existing is not None:
        return existing, False
    email = OutboundEmail(dedupe_key=dedupe_key, to_address=to, subject=subject,
                          body_text=body_text, body_html=body_html, shop_id=shop_id, reply_to=reply_to)
    try:
        with db.session.begin_nested():
            db.session.add(email)
    except IntegrityError:  # a concurrent run recorded it first
        return db.session.scalar(
            select(OutboundEmail).where(OutboundEmail.dedupe_key == dedupe_key)
        ), False
    return email, True


def deliver(email: OutboundEmail) -> OutboundEmail:
    """Send an outbox e-mail by SMTP when MAIL_SERVER is set; a sent e-mail is never resent."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        return email
    with _acting_for(email.shop_id):
        return email if email.status == "sent" else _send(email, config)


def _send(email: OutboundEmail, config) -> OutboundEmail:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = email.to_address
    message["Subject"] = email.subject
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message.set_content(email.body_text)
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        email.status, email.error = "failed", str(exc)[:500]
        db.session.flush()
        raise
    email.status, email.sent_at, email.error = "sent", utcnow(), ""
    db.session.flush()
    return email


def outbox(page: int = 1, per_page: int = 50):
    return db.paginate(
        select(OutboundEmail).order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc()),
        page=page, per_page=per_page, error_out=False,
    )
