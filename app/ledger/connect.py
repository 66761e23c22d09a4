"""Connected Stripe Express accounts: where a shop's or a supplier's payouts go.

Onboarding is Stripe's hosted account-link flow: we create the account once (the
idempotency key is the payee, so a double click makes one account), send the owner to
Stripe, and read the account's state back when they return (and on `account.updated`).
"""

from __future__ import annotations

from sqlalchemy import select

from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.integrations import stripe_gateway

from .models import PayoutAccount


def account_of(payee_type: str, payee_id: int) -> PayoutAccount | None:
    return db.session.scalar(select(PayoutAccount).where(
        PayoutAccount.payee_type == payee_type, PayoutAccount.payee_id == payee_id))


def status_of(payee_type: str, payee_id: int) -> str:
    account = account_of(payee_type, payee_id)
    return "not_connected" if account is None else account.status


def start_onboarding(payee_type: str, payee_id: int, *, email: str, refresh_url: str,
                     return_url: str) -> str:
    """The Stripe onboarding URL for this payee (creating its Express account once)."""
    if not stripe_gateway.enabled():
        raise DomainError(_('Payouts need Stripe, which is not set up on this platform yet.'))
    account = account_of(payee_type, payee_id)
    try:
        if account is None:
            from flask import current_app

            made = stripe_gateway.create_express_account(
                email=email, country=current_app.config["STRIPE_CONNECT_COUNTRY"],
                metadata={"payee_type": payee_type, "payee_id": str(payee_id)},
                idempotency_key=f"connect-{payee_type}-{payee_id}")
            account = PayoutAccount(payee_type=payee_type, payee_id=payee_id,
                                    stripe_account_id=made["id"])
            db.session.add(account)
            db.session.flush()
        link = stripe_gateway.create_onboarding_link(
            account_id=account.stripe_account_id, refresh_url=refresh_url, return_url=return_url)
    except stripe_gateway.StripeError as error:
        raise DomainError(_('Stripe could not start the sign-up: %(user_message)s', user_message=error.user_message or error)) from None
    return link["url"]


def refresh_account(payee_type: str, payee_id: int) -> PayoutAccount | None:
    """Read the payee's account state from Stripe (after the return from onboarding)."""
    account = account_of(payee_type, payee_id)
    if account is None:
        return None
    try:
        refresh_from_stripe(stripe_gateway.retrieve_account(account.stripe_account_id))
    except stripe_gateway.StripeError as error:
        raise DomainError(_('Stripe did not answer: %(user_message)s', user_message=error.user_message or error)) from None
    return account


def refresh_from_stripe(stripe_account) -> PayoutAccount | None:
    account = db.session.scalar(select(PayoutAccount).where(
        PayoutAccount.stripe_account_id == stripe_account["id"]))
    if account is None:
        return None
    account.details_submitted = bool(stripe_account.get("details_submitted"))
    account.payouts_enabled = bool(stripe_account.get("payouts_enabled"))
    account.updated_at = utcnow()
    db.session.flush()
    return account
