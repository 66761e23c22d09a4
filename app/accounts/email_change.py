"""Changing the address a user logs in with: asked for with the current password, done only
when the link sent to the NEW address is opened, and told to the old address afterwards.

No table for pending changes: the link carries a signed, timed token naming the user, the
address it changes from, the address it changes to, and a fingerprint of the password. It
works for VERIFY_EMAIL_MAX_AGE, and stops working once the address or the password changes
(so it is used once, and a password reset cancels a change an intruder asked for).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, render_template, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.i18n import lazy_gettext as _l
from app.notifications.jobs import send_after_commit
from app.notifications.models import OutboundEmail
from app.notifications.services import record_email

from .models import User
from .services import check_current_password, find_user_by_email, normalise_email

SALT = "flagship-change-email"
TAKEN = _l("Another account uses this address. Choose another, or log in to that account.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _password_state(user: User) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{user.id}:{user.password_hash}".encode(), hashlib.sha256).hexdigest()[:32]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:24]


def change_token(user: User, new_address: str) -> str:
    return _serializer().dumps({"user": user.id, "from": user.email.lower(), "to": new_address,
                                "state": _password_state(user)})


def request_email_change(user: User, new_email: str, current_password: str) -> OutboundEmail:
    """Check the password and the new address, then queue (in the outbox) the e-mail to the
    new address with the link that makes the change. Nothing about the account changes yet."""
    try:
        address = normalise_email(new_email)
    except DomainError as error:
        raise DomainError(error.message, field="new_email") from None
    check_current_password(user, current_password)
    if address == user.email.lower():
        raise DomainError(_('That is already your address.'), field="new_email")
    if find_user_by_email(address) is not None:
        raise DomainError(TAKEN, field="new_email")
    token = change_token(user, address)
    context = {"user": user, "new_address": address,
               "confirm_url": url_for("accounts.confirm_email_change", token=token, _external=True),
               "valid_days": max(1, current_app.config["VERIFY_EMAIL_MAX_AGE"] // 86400)}
    message, _created = record_email(
        f"email-change:{user.id}:{_digest(token)}", to=address,
        subject=_("Confirm your new e-mail address for Flagship"),
        body_text=render_template("emails/email_change.txt", **context),
        body_html=render_template("emails/email_change.html", **context),
    )
    send_after_commit(message)
    return message


def confirm_email_change(token: str) -> tuple[User, str]:
    """Make the change the link names, if it is still good: the new address becomes the
    login (and is confirmed: the link reached it); the old address hears of it. Returns
    (user, old address). A DomainError saying why a link is not good."""
    try:
        data = _serializer().loads(token or "", max_age=current_app.config["VERIFY_EMAIL_MAX_AGE"])
    except SignatureExpired:
        raise DomainError(_('That link has expired. Log in and ask for the change again.')) from None
    except BadSignature:
        raise DomainError(_('That link isn’t valid. Log in and ask for the change again.')) from None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if (user is None or user.email.lower() != data.get("from")
            or not hmac.compare_digest(str(data.get("state")), _password_state(user))):
        raise DomainError(_('That link is out of date: your address or your password changed since it was sent. Log in and ask for the change again.'))
    old_address, new_address = user.email, data["to"]
    if find_user_by_email(new_address) is not None:
        raise DomainError(_('Another account started using %(new_address)s since the link was sent, so your address stays as it was.', new_address=new_address))
    try:
        with db.session.begin_nested():
            user.email, user.email_verified_at = new_address, utcnow()
    except IntegrityError:  # someone signed up with it a moment ago
        raise DomainError(TAKEN) from None
    _tell_the_old_address(user, old_address, token)
    return user, old_address


def _tell_the_old_address(user: User, old_address: str, token: str) -> None:
    context = {"user": user, "old_address": old_address}
    message, _created = record_email(
        f"email-changed:{user.id}:{_digest(token)}", to=old_address,
        subject=_("Your Flagship login address was changed"),
        body_text=render_template("emails/email_changed.txt", **context),
        body_html=render_template("emails/email_changed.html", **context),
    )
    send_after_commit(message)
