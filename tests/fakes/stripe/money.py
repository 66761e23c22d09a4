"""Amounts, currencies, fees and ids as Stripe has them."""

from __future__ import annotations

import secrets
import string

DEFAULT_API_KEY = "sk_test_flagship_fake"


# Stripe's standard card pricing, in minor units: 2.9% (rounded half up) + 30.
FEE_PER_MILLE = 29


FEE_FIXED = 30


DISPUTE_FEE = 1500


def stripe_fee(amount: int) -> int:
    """The fee Stripe takes on a card charge of `amount` minor units:
    2.9% of the amount, rounded half up to a whole minor unit, plus 30 minor units."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError(f"amount must be a non-negative integer, not {amount!r}")
    return (amount * FEE_PER_MILLE + 500) // 1000 + FEE_FIXED


ZERO_DECIMAL_CURRENCIES = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
     "xaf", "xof", "xpf"}
)  # fmt: skip


# Stripe's minimum charge amounts (docs: "Minimum and maximum charge amounts").
MINIMUM_CHARGE = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50,
    "czk": 1500, "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50,
    "jpy": 50, "mxn": 1000, "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200,
    "sek": 300, "sgd": 50, "thb": 1000,
}  # fmt: skip


MAXIMUM_AMOUNT = 99_999_999


_EURO_COUNTRIES = (
    "AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV", "MT",
    "NL", "PT", "SI", "SK",
)  # fmt: skip


_COUNTRY_CURRENCY = {
    "US": "usd", "GB": "gbp", "CA": "cad", "AU": "aud", "NZ": "nzd", "JP": "jpy",
    "CH": "chf", "SG": "sgd", "HK": "hkd", "SE": "sek", "NO": "nok", "DK": "dkk",
    "PL": "pln", "MX": "mxn", "BR": "brl", "IN": "inr",
    **{country: "eur" for country in _EURO_COUNTRIES},
}  # fmt: skip


def format_amount(amount: int, currency: str) -> str:
    """`1250, "usd"` -> "12.50 USD"; `1250, "jpy"` -> "1,250 JPY"."""
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    code = currency.upper()
    if currency.lower() in ZERO_DECIMAL_CURRENCIES:
        return f"{sign}{amount:,} {code}"
    return f"{sign}{amount // 100:,}.{amount % 100:02d} {code}"


_CARD_NUMBERS = {
    "4242424242424242": "success",
    "4000000000000002": "declined",
    "4000000000009995": "insufficient_funds",
}


_ALPHABET = string.ascii_letters + string.digits


def _new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))
