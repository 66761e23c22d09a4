"""Small pieces of wording the whole app shares: counts in plain words ("1 row", "7 rows",
never "7 row(s)"; "7 行" in Chinese), in the reader's language."""

from __future__ import annotations

from app.i18n import format_number, ngettext

# The nouns counted across the app, each with its plural forms in the catalogs; the number
# written the reader's way ("12,500").
_COUNTED = {
    "row": lambda n: ngettext("%(count)s row", "%(count)s rows", n, count=format_number(n)),
    "line": lambda n: ngettext("%(count)s line", "%(count)s lines", n, count=format_number(n)),
    "product": lambda n: ngettext("%(count)s product", "%(count)s products", n, count=format_number(n)),
    "chosen product": lambda n: ngettext("%(count)s chosen product", "%(count)s chosen products", n, count=format_number(n)),
    "variant": lambda n: ngettext("%(count)s variant", "%(count)s variants", n, count=format_number(n)),
    "more value": lambda n: ngettext("%(count)s more value", "%(count)s more values", n, count=format_number(n)),
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
