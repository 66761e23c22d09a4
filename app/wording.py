"""Small pieces of wording the whole app shares: counts in plain words ("1 row", "7 rows",
never "7 row(s)"; "7 行" in Chinese), in the reader's language."""

from __future__ import annotations

from app.i18n import ngettext

# The nouns counted across the app, each with its plural forms in the catalogs.
_COUNTED = {
    "row": lambda n: ngettext("%(num)d row", "%(num)d rows", n),
    "line": lambda n: ngettext("%(num)d line", "%(num)d lines", n),
    "product": lambda n: ngettext("%(num)d product", "%(num)d products", n),
    "chosen product": lambda n: ngettext("%(num)d chosen product", "%(num)d chosen products", n),
    "variant": lambda n: ngettext("%(num)d variant", "%(num)d variants", n),
    "more value": lambda n: ngettext("%(num)d more value", "%(num)d more values", n),
}
_NAMED = {
    "column": lambda n, names: ngettext("the column %(names)s", "the columns %(names)s", n, names=names),
    "field": lambda n, names: ngettext("the field %(names)s", "the fields %(names)s", n, names=names),
}


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """'1 row', '7 rows'; `plural` where adding an s is wrong ('1 box', '2 boxes')."""
    if singular in _COUNTED:
        return _COUNTED[singular](number)
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


def named(things, singular: str, plural: str | None = None) -> str:
    """'the column sku', 'the columns sku, price': a list with its noun."""
    things = list(things)
    if singular in _NAMED:
        return _NAMED[singular](len(things), ", ".join(things))
    return f"the {singular if len(things) == 1 else (plural or singular + 's')} {', '.join(things)}"
