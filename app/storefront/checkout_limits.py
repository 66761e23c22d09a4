"""How many checkouts one visitor may make: per client address and per shopper e-mail, in
each shop (CHECKOUT_RATE_LIMIT, CHECKOUT_EMAIL_RATE_LIMIT). Counted in the rate limiter's
storage (Redis, or memory), only for checkouts whose form was filled in correctly."""

from __future__ import annotations

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse_many

from app.accounts.services import normalise_email
from app.errors import DomainError
from app.extensions import limiter
from app.i18n import lazy_gettext

REFUSAL = lazy_gettext("That is a lot of orders in a short time, so we can’t take another one just now. "
                       "Please wait a few minutes and try again. Your cart is kept.")


def allows_checkout(shop_id: int, email: str) -> bool:
    """Count this checkout; False when the address or the e-mail is over its limit."""
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return True
    checks = [(config["CHECKOUT_RATE_LIMIT"], ("checkout-ip", str(shop_id), get_remote_address())),
              (config["CHECKOUT_EMAIL_RATE_LIMIT"],
               ("checkout-email", str(shop_id), _normalised(email)))]
    strategy = limiter.limiter
    allowed = True
    for text, identifiers in checks:
        for item in parse_many(text):
            allowed = strategy.hit(item, *identifiers) and allowed
    return allowed


def _normalised(email: str) -> str:
    try:
        return normalise_email(email or "")
    except DomainError:
        return (email or "").strip().lower()
