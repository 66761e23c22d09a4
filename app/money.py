"""Money: an integer count of minor units plus an ISO 4217 currency code. Never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency
from flask import has_app_context

from .i18n import DEFAULT, _locale

# Currencies a shop may sell in, with their minor-unit exponent and display symbol.
CURRENCIES: dict[str, tuple[int, str]] = {
    "USD": (2, "$"),
    "EUR": (2, "€"),
    "GBP": (2, "£"),
    "CAD": (2, "CA$"),
    "AUD": (2, "A$"),
    "SGD": (2, "S$"),
    "HKD": (2, "HK$"),
    "CNY": (2, "¥"),
    "JPY": (0, "¥"),
}


# The largest amount anyone may type: every amount column is a 32-bit integer, and sums of
# a few of these must fit too. 10 million in a two-decimal currency.
MAX_AMOUNT = 1_000_000_000


class MoneyError(ValueError):
    """A money value or currency that cannot be accepted."""


class AmountTooLarge(MoneyError):
    """An amount above MAX_AMOUNT (a typo such as 1e20, not a price)."""


def exponent(currency: str) -> int:
    try:
        return CURRENCIES[currency][0]
    except KeyError:
        raise MoneyError(f"unsupported currency {currency!r}") from None


def parse_amount(text: str | int | Decimal, currency: str) -> int:
    """Turn a price written in major units ("12.50") into minor units (1250).

    More decimals than the currency has is an error, not a silent rounding.
    """
    exp = exponent(currency)
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise MoneyError(f"{text!r} is not a price") from None
    if not value.is_finite():
        raise MoneyError(f"{text!r} is not a price")
    if value < 0:
        raise MoneyError("a price cannot be negative")
    if value.adjusted() > 12:  # far past MAX_AMOUNT: refuse before scaling (1e999999 overflows Decimal)
        raise AmountTooLarge(f"{text!r} is too large")
    minor = value.scaleb(exp)
    if minor != minor.to_integral_value():
        raise MoneyError(f"{text!r} has more than {exp} decimal places for {currency}")
    if minor > MAX_AMOUNT:
        raise AmountTooLarge(f"{text!r} is too large")
    return int(minor)


def to_major(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-exponent(currency))


def format_money(amount: int | None, currency: str) -> str:
    """12345, "USD" -> "$123.45" in English, "US$123.45" in Chinese; 12345, "CNY" -> "¥123.45"
    in Chinese, "CN¥123.45" in English (Babel, the reader's locale); the sign in front."""
    if amount is None:
        return ""
    locale = str(_locale() if has_app_context() else DEFAULT)
    return (_formatted if isinstance(amount, int) else _format)(amount, currency, locale)


def _format(amount: int | Decimal, currency: str, locale: str) -> str:
    exp = CURRENCIES[currency][0] if currency in CURRENCIES else 2
    value = Decimal(amount).scaleb(-exp).quantize(Decimal(1).scaleb(-exp), ROUND_HALF_UP)
    return format_currency(value, currency, locale=locale)


# Prices repeat from card to card and page to page; Babel took 2 ms for a page's 60.
_formatted = lru_cache(maxsize=16384)(_format)


def apply_markup(amount: int, markup_basis_points: int) -> int:
    """Wholesale plus a markup in basis points (2500 = 25%), rounded up to the minor unit."""
    numerator = amount * (10_000 + markup_basis_points)
    return -(-numerator // 10_000)
