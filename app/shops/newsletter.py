"""Newsletter sign-ups from a storefront's newsletter section. Acts for the current shop."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from app.errors import DomainError
from app.extensions import db
from app.i18n import _

from .theme_models import NewsletterSubscriber


def subscribe(email: str) -> tuple[NewsletterSubscriber, bool]:
    """(subscriber, created). Signing up twice is fine and changes nothing."""
    try:
        address = validate_email((email or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise DomainError(_('Enter an email address like name@example.com.'), field="email") from None
    if len(address) > 254:
        raise DomainError(_('That email address is too long.'), field="email")
    existing = db.session.scalar(select(NewsletterSubscriber).where(
        func.lower(NewsletterSubscriber.email) == address.lower()))
    if existing is not None:
        return existing, False
    subscriber = NewsletterSubscriber(email=address)
    db.session.add(subscriber)
    db.session.flush()
    return subscriber, True


def subscribers() -> list[NewsletterSubscriber]:
    return list(db.session.scalars(select(NewsletterSubscriber).order_by(
        NewsletterSubscriber.created_at.desc(), NewsletterSubscriber.id.desc())))
