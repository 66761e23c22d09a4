"""E-mails to a shop's owners (a new order, the shop suspended or reopened): one per owner
and purpose, recorded in the outbox in the caller's transaction."""

from __future__ import annotations

from flask import render_template

from app.accounts.services import shop_owners
from app.i18n import speaking
from app.notifications.jobs import send_after_commit
from app.notifications.models import OutboundEmail
from app.notifications.services import record_email


def record_owner_emails(shop, template: str, subject: str, purpose: str,
                        **context) -> list[tuple[OutboundEmail, bool]]:
    """Record `emails/<template>.txt|html` to every owner of `shop` -> [(e-mail, created)].
    `purpose` names the event ("new-order:42"): with the owner's id it is the dedupe key, so
    an event e-mails each owner once however often this runs. `subject` may name {shop}
    and any of `context`."""
    recorded = []
    for owner in shop_owners(shop.id):
        values = {"shop": shop, "owner": owner, **context}
        with speaking(owner.language or shop.language):  # each owner reads their own language
            recorded.append(record_email(
                f"{purpose}:{owner.id}", to=owner.email,
                subject=str(subject).format(shop=shop.name, **context),
                body_text=render_template(f"emails/{template}.txt", **values),
                body_html=render_template(f"emails/{template}.html", **values), shop_id=shop.id))
    return recorded


def email_owners(shop, template: str, subject: str, purpose: str, **context) -> int:
    """Record the owners' e-mails (see `record_owner_emails`), each sent once the current
    transaction commits. Returns how many were new."""
    created = 0
    for email, new in record_owner_emails(shop, template, subject, purpose, **context):
        send_after_commit(email)
        created += new
    return created
