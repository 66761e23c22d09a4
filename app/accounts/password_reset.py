"""Setting a new password through a link e-mailed to the account's address.

No table: the link carries a signed, timed token (itsdangerous, as for e-mail confirmation)
naming the user and a fingerprint of their account state, that is the password hash, the
session version and the address. Setting a password changes the hash and bumps the version,
so the link that did it, and every other link sent before, stops working at once; so does
"log out everywhere", logging out, or a change of address. A link also dies after an hour.

Asking for a link never tells whether the address has an account: the page answers the
same either way, and only the address's owner gets an e-mail, at most one per few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app, render_template, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.i18n import lazy_gettext as _l
from app.notifications.jobs import send_after_commit
from app.notifications.models import OutboundEmail
from app.notifications.services import record_email
from app.tenancy import unscoped

from .models import User
from .services import check_password_strength, find_user_by_email, normalise_email, set_password

SALT = "flagship-reset-password"
MAX_AGE = timedelta(hours=1)  # how long a reset link works
RESEND_INTERVAL = timedelta(minutes=5)  # at most one reset e-mail per account this often
EXPIRED = _l("That link has expired: a link to reset your password works for an hour. Ask for a new one.")
INVALID = _l("That link isn’t valid. Ask for a new one.")
USED = _l("That link was already used, or your password or address changed since it was sent. "
        "Ask for a new one.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def account_state(user: User) -> str:
    """A keyed fingerprint of what a reset, a log-out or a change of address changes (the
    token is readable by whoever holds it, so it carries this, never the hash itself)."""
    state = f"{user.id}:{user.password_hash}:{user.session_version}:{user.email.lower()}"
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, state.encode(), hashlib.sha256).hexdigest()[:32]


def reset_token(user: User) -> str:
    return _serializer().dumps({"user": user.id, "state": account_state(user)})


def user_for_reset_token(token: str) -> User:
    """The user a reset link is for, while it is good; a DomainError saying why it is not."""
    try:
        data = _serializer().loads(token or "", max_age=int(MAX_AGE.total_seconds()))
    except SignatureExpired:
        raise DomainError(EXPIRED) from None
    except BadSignature:
        raise DomainError(INVALID) from None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        raise DomainError(INVALID)
    user = db.session.get(User, data["user"])
    if user is None or not hmac.compare_digest(str(data.get("state")), account_state(user)):
        raise DomainError(USED)
    return user


def _sent_recently(user: User) -> bool:
    since = utcnow() - RESEND_INTERVAL
    with unscoped():  # the outbox is under row-level security; these rows belong to no shop
        return db.session.scalar(select(OutboundEmail.id).where(
            OutboundEmail.dedupe_key.startswith(f"password-reset:{user.id}:", autoescape=True),
            OutboundEmail.created_at > since).limit(1)) is not None


def send_password_reset(email: str) -> OutboundEmail | None:
    """Queue (in the outbox, sent after the commit) a reset link to `email` if an account
    uses that address and none was sent to it in the last RESEND_INTERVAL; else nothing.
    The caller answers the same in every case. A DomainError if `email` is no address."""
    user = find_user_by_email(normalise_email(email))
    if user is None or _sent_recently(user):
        return None
    context = {"user": user, "valid_minutes": int(MAX_AGE.total_seconds() // 60),
               "reset_url": url_for("accounts.reset_password", token=reset_token(user), _external=True),
               "forgot_url": url_for("accounts.forgot_password", _external=True)}
    message, _created = record_email(
        # One per minute even if two requests race past the check above.
        f"password-reset:{user.id}:{utcnow():%Y%m%d%H%M}", to=user.email,
        subject=_("Reset your Flagship password"),
        body_text=render_template("emails/password_reset.txt", **context),
        body_html=render_template("emails/password_reset.html", **context),
    )
    send_after_commit(message)
    return message


def reset_password(token: str, new_password: str) -> User:
    """Set the password the link's owner chose, if the link is still good: every login of
    the account ends and every other reset link dies. The link reached the address, so an
    unconfirmed address counts as confirmed from now on. Returns the user (to log in)."""
    user = user_for_reset_token(token)
    check_password_strength(new_password)
    set_password(user, new_password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.flush()
    return user
