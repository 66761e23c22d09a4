"""Confirming that a new account's e-mail address is its owner's.

The link carries a signed, timed token (itsdangerous, as Flask signs its sessions) naming
the user and the address: it stops working after VERIFY_EMAIL_MAX_AGE, and at once if the
address changes. Until the address is confirmed the owner can log in and build a shop,
but the shop does not open to shoppers (see `shop_owner_verified`).
"""

from __future__ import annotations

import hashlib

from flask import current_app, render_template, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import exists, select

from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.notifications.models import OutboundEmail
from app.notifications.services import record_email

from .models import ShopMembership, User

SALT = "flagship-verify-email"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def verification_token(user: User) -> str:
    return _serializer().dumps({"user": user.id, "email": user.email.lower()})


def verify_email(token: str) -> User:
    """Mark the address the token names as confirmed (again is fine); a bad, expired or
    outdated link is refused with a message."""
    try:
        data = _serializer().loads(token or "", max_age=current_app.config["VERIFY_EMAIL_MAX_AGE"])
    except SignatureExpired:
        raise DomainError(_('That confirmation link has expired. Log in and ask for a new one.')) from None
    except BadSignature:
        raise DomainError(_('That confirmation link isn’t valid. Log in and ask for a new one.')) from None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or user.email.lower() != data.get("email"):
        raise DomainError(_('That confirmation link is for an address this account no longer uses.'))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.flush()
    return user


def verification_email(user: User) -> OutboundEmail:
    """The outbox row of a "confirm your address" message with a fresh link."""
    token = verification_token(user)
    context = {"user": user, "verify_url": url_for("accounts.verify_email", token=token, _external=True),
               "valid_days": max(1, current_app.config["VERIFY_EMAIL_MAX_AGE"] // 86400)}
    email, _created = record_email(
        f"verify-email:{user.id}:{hashlib.sha256(token.encode()).hexdigest()[:24]}",
        to=user.email, subject=_("Confirm your e-mail address for Flagship"),
        body_text=render_template("emails/verify_email.txt", **context),
        body_html=render_template("emails/verify_email.html", **context),
    )
    return email


def signup_attempt_email(user: User) -> OutboundEmail:
    """Someone signed up with an address that already has an account: tell its owner
    (at most once an hour, so the sign-up form cannot be used to flood them)."""
    hour = utcnow().strftime("%Y%m%d%H")
    context = {"user": user, "login_url": url_for("accounts.login", _external=True),
               "verify_url": None if user.email_verified else url_for(
                   "accounts.verify_email", token=verification_token(user), _external=True)}
    email, _created = record_email(
        f"signup-attempt:{user.id}:{hour}", to=user.email,
        subject=_("Someone tried to sign up to Flagship with your address"),
        body_text=render_template("emails/signup_attempt.txt", **context),
        body_html=render_template("emails/signup_attempt.html", **context),
    )
    return email


def shop_owner_verified(shop_id: int) -> bool:
    """Whether an owner of the shop has confirmed their e-mail address (a shop opens to
    shoppers only then)."""
    return bool(db.session.scalar(select(exists().where(
        ShopMembership.shop_id == shop_id, ShopMembership.role == "owner",
        ShopMembership.user_id == User.id, User.email_verified_at.is_not(None)))))
