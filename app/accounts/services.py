"""Users: sign-up, password checks (Argon2id), admins, shop membership.

Password reset by e-mail is in `password_reset`, changing the address in `email_change`."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _

from .models import ShopMembership, User

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 10


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise DomainError(str(exc), field="email") from None


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_('Use at least %(min_password_length)s characters.', min_password_length=MIN_PASSWORD_LENGTH), field="password")
    if len(password) > 1024:
        raise DomainError(_('That password is too long.'), field="password")


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, password: str, *, is_admin: bool = False, verified: bool = False) -> User:
    """A new user; the email must be unused and the password long enough. `verified`:
    the address is known to be theirs (an invitation link, the operator's CLI, demo data)."""
    email = normalise_email(email)
    check_password_strength(password)
    if find_user_by_email(email) is not None:
        raise DomainError(_('An account with this email already exists. Log in instead?'), field="email")
    user = User(email=email, password_hash=_hasher.hash(password), is_admin=is_admin,
                email_verified_at=utcnow() if verified else None)
    db.session.add(user)
    db.session.flush()
    return user


def sign_up(email: str, password: str) -> tuple[User, bool]:
    """Self-service sign-up: (user, created). An address that already has an account is
    not an error here: the caller answers both the same way (no account enumeration) and
    e-mails the address's owner instead, so this does the same password hashing work."""
    email = normalise_email(email)
    check_password_strength(password)
    existing = find_user_by_email(email)
    if existing is not None:
        _hasher.hash(password)
        return existing, False
    return create_user(email, password), True


def set_password(user: User, password: str) -> None:
    """A new password; every existing login of the user ends with the old one."""
    from .sessions import revoke_sessions

    check_password_strength(password)
    user.password_hash = _hasher.hash(password)
    revoke_sessions(user)


def check_current_password(user: User, password: str) -> None:
    """Refuse (on the form's current password field) unless `password` is the user's: a
    borrowed, logged-in browser is not enough to change the password or the address."""
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        raise DomainError(_('That isn’t your current password.'), field="current_password") from None


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The owner's own change: the current password first (a borrowed session is not enough)."""
    check_current_password(user, current_password)
    set_password(user, new_password)


def authenticate(email: str, password: str) -> User | None:
    """The user with these credentials, or None. Takes the same time for unknown emails."""
    user = find_user_by_email(email)
    if user is None:
        with contextlib.suppress(VerificationError):  # same work as a real check
            _hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def make_admin(email: str, password: str) -> User:
    """Create an admin, or promote an existing user (whose password is then reset)."""
    user = find_user_by_email(email)
    if user is None:
        return create_user(email, password, is_admin=True, verified=True)
    set_password(user, password)
    user.is_admin = True
    user.email_verified_at = user.email_verified_at or utcnow()
    return user


def membership(user_id: int, shop_id: int) -> ShopMembership | None:
    return db.session.scalar(
        select(ShopMembership).where(
            ShopMembership.user_id == user_id, ShopMembership.shop_id == shop_id
        )
    )


def shop_owners(shop_id: int) -> list[User]:
    """The users who own the shop (membership role "owner"), the first owner first."""
    return list(db.session.scalars(
        select(User).join(ShopMembership, ShopMembership.user_id == User.id)
        .where(ShopMembership.shop_id == shop_id, ShopMembership.role == "owner")
        .order_by(ShopMembership.id)))
