"""Small pieces of wording the whole app shares: counts in plain English ("1 row", "7 rows",
never "7 row(s)")."""

from __future__ import annotations


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """'1 row', '7 rows'; `plural` where adding an s is wrong ('1 box', '2 boxes')."""
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


def named(things, singular: str, plural: str | None = None) -> str:
    """'the column sku', 'the columns sku, price': a list with its noun."""
    things = list(things)
    return f"the {singular if len(things) == 1 else (plural or singular + 's')} {', '.join(things)}"
