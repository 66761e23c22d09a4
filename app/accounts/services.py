"""Users: sign-up, password checks (Argon2id), admins, shop membership."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from app.errors import DomainError
from app.extensions import db

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
        raise DomainError(f"Use at least {MIN_PASSWORD_LENGTH} characters.", field="password")
    if len(password) > 1024:
        raise DomainError("That password is too long.", field="password")


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, password: str, *, is_admin: bool = False) -> User:
    """A new user; the email must be unused and the password long enough."""
    email = normalise_email(email)
    check_password_strength(password)
    if find_user_by_email(email) is not None:
        raise DomainError("An account with this email already exists. Log in instead?", field="email")
    user = User(email=email, password_hash=_hasher.hash(password), is_admin=is_admin)
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = _hasher.hash(password)


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
        return create_user(email, password, is_admin=True)
    set_password(user, password)
    user.is_admin = True
    return user


def shops_of(user: User) -> list:
    from app.shops.models import Shop

    return list(
        db.session.scalars(
            select(Shop)
            .join(ShopMembership, ShopMembership.shop_id == Shop.id)
            .where(ShopMembership.user_id == user.id)
            .order_by(Shop.name)
        )
    )


def membership(user_id: int, shop_id: int) -> ShopMembership | None:
    return db.session.scalar(
        select(ShopMembership).where(
            ShopMembership.user_id == user_id, ShopMembership.shop_id == shop_id
        )
    )
