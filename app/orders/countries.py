"""The countries a shop ships to, as (ISO code, name): checkout's choices and every address shown."""

from __future__ import annotations

COUNTRIES = [
    ("US", "United States"), ("CA", "Canada"), ("GB", "United Kingdom"), ("IE", "Ireland"),
    ("AU", "Australia"), ("NZ", "New Zealand"), ("DE", "Germany"), ("FR", "France"),
    ("ES", "Spain"), ("IT", "Italy"), ("NL", "Netherlands"), ("SG", "Singapore"),
    ("HK", "Hong Kong"), ("CN", "China"), ("JP", "Japan"),
]

# Places without postcodes: the address form does not ask for one there.
NO_POSTCODE = frozenset({"HK"})


def country_name(code: str) -> str:
    """The country's name ("US" -> "United States"); an unknown code as it is."""
    return dict(COUNTRIES).get((code or "").upper(), code or "")
