"""The countries a shop ships to, as (ISO code, name): checkout's choices and every address shown."""

from __future__ import annotations

from functools import cache

from babel import Locale

from app.i18n import current_language

COUNTRIES = [
    ("US", "United States"), ("CA", "Canada"), ("GB", "United Kingdom"), ("IE", "Ireland"),
    ("AU", "Australia"), ("NZ", "New Zealand"), ("DE", "Germany"), ("FR", "France"),
    ("ES", "Spain"), ("IT", "Italy"), ("NL", "Netherlands"), ("SG", "Singapore"),
    ("HK", "Hong Kong"), ("CN", "China"), ("JP", "Japan"),
]

# Places without postcodes: the address form does not ask for one there.
NO_POSTCODE = frozenset({"HK"})


def country_name(code: str) -> str:
    """The country's name in the reader's language ("US" -> "United States" / "美国"); an
    unknown code as it is."""
    code = (code or "").upper()
    english = dict(COUNTRIES).get(code, code)
    language = current_language()
    return english if language == "en" else _territories(language).get(code, english)


def country_options() -> list[tuple[str, str]]:
    """(code, name) of every country a shop may ship to, named in the reader's language."""
    return [(code, country_name(code)) for code, _english in COUNTRIES]


@cache
def _territories(language: str) -> dict[str, str]:
    return dict(Locale.parse(language).territories)


# The country a shop's currency most likely means (the euro names none).
_CURRENCY_COUNTRIES = {"USD": "US", "CAD": "CA", "GBP": "GB", "AUD": "AU", "NZD": "NZ", "SGD": "SG",
                       "HKD": "HK", "CNY": "CN", "JPY": "JP"}


def likely_country(offered: list[str], languages: list[str], currency: str) -> str | None:
    """The country a checkout shows chosen before the shopper picks one: the region of the
    first of the browser's languages that names an offered one ("zh-CN" -> CN), else the
    one the shop's currency means, else None (the first offered). A shop in yuan no longer
    opens its checkout on "United States"."""
    for language in languages:
        region = language.replace("_", "-").split("-")[1:2]
        if region and region[0].upper() in offered:
            return region[0].upper()
    guess = _CURRENCY_COUNTRIES.get((currency or "").upper())
    return guess if guess in offered else None
