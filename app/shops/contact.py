"""'Contact the shop': a shopper's message from the storefront's contact page, e-mailed to
every owner of the shop whose address is confirmed. The owners' addresses never reach the
storefront; each e-mail's Reply-To is the shopper's address, so the owner answers from their
own mail program. The e-mails go through the outbox in the request's transaction.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import render_template, url_for
from sqlalchemy import select

from app.accounts.models import ShopMembership, User
from app.db_types import utcnow
from app.extensions import db
from app.i18n import _, format_number, speaking
from app.notifications.jobs import send_after_commit
from app.notifications.models import OutboundEmail
from app.notifications.services import record_email

from .hosts import storefront_host

MAX_NAME = 80
MAX_ORDER_NUMBER = 20
MIN_MESSAGE, MAX_MESSAGE = 10, 5000
_ORDER_NUMBER = re.compile(r"^[A-Z0-9-]+$")


@dataclass(frozen=True)
class ContactMessage:
    name: str
    email: str
    order_number: str
    message: str


def _one_line(text) -> str:
    """No control characters (a name goes into a subject line), spaces collapsed."""
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in str(text or ""))
    return " ".join(text.split())


def _multi_line(text) -> str:
    lines = str(text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = ["".join(c for c in line if c == "\t" or not unicodedata.category(c).startswith("C")).rstrip()
            for line in lines]
    return "\n".join(kept).strip()


def read_message(name, email, order_number, message) -> tuple[ContactMessage, dict[str, str]]:
    """The shopper's message, cleaned, and what is wrong with each field ({}: it can be sent).
    Every field is checked, so the form shows all its errors at once."""
    errors: dict[str, str] = {}
    name = _one_line(name)
    if not name:
        errors["name"] = _("Enter your name, so the shop knows who is writing.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("Keep your name under %(max)s characters.", max=MAX_NAME)
    address = _one_line(email)
    try:
        address = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        errors["email"] = (_("Enter your email address, so the shop can answer you.") if not address
                           else _("Enter an email address like name@example.com."))
    else:
        if len(address) > 254:
            errors["email"] = _("That email address is too long.")
    number = _one_line(order_number).upper().lstrip("#").replace(" ", "")
    if len(number) > MAX_ORDER_NUMBER or (number and not _ORDER_NUMBER.match(number)):
        errors["order_number"] = _("An order number looks like FS-7K2M9QXA (it is in your order e-mail).")
    text = _multi_line(message)
    if not text:
        errors["message"] = _("Write your message.")
    elif len(text) < MIN_MESSAGE:
        errors["message"] = _("Tell the shop a little more (at least %(min)s characters).", min=MIN_MESSAGE)
    elif len(text) > MAX_MESSAGE:
        errors["message"] = _("Keep your message under %(max)s characters (it has %(count)s).", max=format_number(MAX_MESSAGE), count=format_number(len(text)))
    return ContactMessage(name[:MAX_NAME], address[:254], number[:MAX_ORDER_NUMBER], text[:MAX_MESSAGE]), errors


def owner_addresses(shop_id: int) -> list[tuple[int, str]]:
    """(user id, e-mail) of the shop's owners whose address is confirmed, oldest first. An
    unconfirmed address may not be its owner's, so it gets no shopper's messages."""
    return list(db.session.execute(
        select(User.id, User.email).join(ShopMembership, ShopMembership.user_id == User.id)
        .where(ShopMembership.shop_id == shop_id, ShopMembership.role == "owner",
               User.email_verified_at.is_not(None))
        .order_by(ShopMembership.id)).all())


def owners_and_confirmation(shop_id: int) -> list[tuple[str, bool]]:
    """(e-mail, confirmed) of every owner of the shop, for the owner's own dashboard: who
    receives shoppers' messages, and who would once their address is confirmed."""
    return [(email, verified_at is not None) for email, verified_at in db.session.execute(
        select(User.email, User.email_verified_at).join(ShopMembership, ShopMembership.user_id == User.id)
        .where(ShopMembership.shop_id == shop_id, ShopMembership.role == "owner")
        .order_by(ShopMembership.id)).all()]


def send_to_owners(shop, message: ContactMessage) -> list[OutboundEmail]:
    """Queue one e-mail per confirmed owner, sent once the request commits. The same message
    sent twice within the hour (a double click, a retry) is recorded once."""
    digest = hashlib.sha256(f"{message.email.lower()}\n{message.order_number}\n{message.message}".encode()
                            ).hexdigest()[:16]
    hour = f"{utcnow():%Y%m%d%H}"
    values = {"shop": shop, "message": message,
              "storefront_url": url_for("storefront.home", shop_host=storefront_host(shop), _external=True),
              "orders_url": url_for("dashboard.orders", shop=shop.subdomain, _external=True)}
    with speaking(shop.language):  # the owners read their shop's language
        subject = _("Message from %(name)s via %(shop)s", name=message.name, shop=shop.name)
        body_text = render_template("emails/contact_message.txt", **values)
        body_html = render_template("emails/contact_message.html", **values)
    sent = []
    for user_id, address in owner_addresses(shop.id):
        email, _created = record_email(f"contact:{shop.id}:{user_id}:{digest}:{hour}", to=address,
                                subject=subject[:200], body_text=body_text, body_html=body_html,
                                shop_id=shop.id, reply_to=message.email)
        send_after_commit(email)
        sent.append(email)
    return sent
