"""Supplier feeds in the formats suppliers already have: Shopify's product CSV export, a
Google Merchant Center feed (XML or TSV) and WooCommerce's product CSV export, beside our
own CSV and JSON (app.catalog.feeds), told apart from the content when the feed's format
is "auto".

Each reader turns its format into the same stream of `FeedRow`s the sync (and the admin's
one-off import) already consume, so the checks, the rejected rows and the writing stay in
one place. A reader adds to a row what only it can know: `fault` (the row reads, but a value
is wrong in a way only this format shows, like a barcode a spreadsheet mangled: its product
is rejected whole, like any failed check), `currency` (a Google price says its currency),
or `problem` with `skipped` (a draft: left out on purpose, reported with the reason).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping

from app.i18n import _
from app.i18n import lazy_gettext as _l

from .feed_google import NAMESPACE, google_rows, is_google, read_xml_root
from .feed_shopify import is_shopify, shopify_rows
from .feed_woocommerce import is_woocommerce, woocommerce_rows
from .feeds import FeedError, FeedRow
from .importer import REQUIRED_COLUMNS

# The formats a feed can be set to (each fits the feed's String(10) format column).
FORMAT_LABELS = {
    "auto": _l("Detect automatically"),
    "csv": _l("CSV (our columns)"),
    "json": _l("JSON (array or JSON Lines)"),
    "shopify": _l("Shopify product export (CSV)"),
    "google": _l("Google Merchant Center feed (XML or TSV)"),
    "woo": _l("WooCommerce product export (CSV)"),
}
EXPORT_FORMATS = ("shopify", "google", "woo")
XML_ROOTS = ("rss", "feed")


def describe_format(fmt: str) -> str:
    return str(FORMAT_LABELS.get(fmt, fmt))


def _header_line(text: str) -> str:
    return text.split("\n", 1)[0].rstrip("\r")


def _csv_names(line: str, delimiter: str = ",") -> list[str]:
    try:
        names = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        names = line.split(delimiter)
    return [name.strip().lower() for name in names]


def _is_ours(names: list[str], mapping: Mapping[str, str]) -> bool:
    theirs_to_ours = {theirs.strip().lower(): ours for ours, theirs in mapping.items()}
    names = [theirs_to_ours.get(name, name) for name in names]
    return all(column in names for column in REQUIRED_COLUMNS)


def detect_format(head: bytes, mapping: Mapping[str, str]) -> str:
    """The format of a feed from its first bytes: "json", "csv" (ours), "shopify", "woo" or
    "google"; FeedError saying what was seen when it is none of them."""
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if text[:1] in ("[", "{"):
        return "json"
    if text[:1] == "<":
        root = read_xml_root(head)
        if root.rsplit(":", 1)[-1] in XML_ROOTS and NAMESPACE in text:
            return "google"
        if root.rsplit(":", 1)[-1] in XML_ROOTS:
            raise FeedError(_('This XML is an <%(root)s> feed without Google\'s product namespace (xmlns:g="%(namespace)s"), so not a Merchant Center feed; nor is it CSV or JSON.', root=root[:40], namespace=NAMESPACE))
        raise FeedError(_('This XML has neither an <rss> nor an Atom <feed> root (it starts with <%(root)s>), so it is not a Google Merchant Center feed; an HTML page instead of the feed looks like this too.', root=root[:40] or '?'))
    header = _header_line(text)
    if "\t" in header:
        names = _csv_names(header, "\t")
        if is_google(names):
            return "google"
        if _is_ours(names, mapping):
            raise FeedError(_('This feed separates its columns with tabs; our CSV separates them with commas.'))
        raise FeedError(_("This TSV has neither the columns of a Google Merchant Center feed (id, title, price) nor "
                          "any other we read. Its header is: %(header)s", header=", ".join(header.split("\t"))[:300]))
    names = _csv_names(header)
    if _is_ours(names, mapping):
        return "csv"
    if is_shopify(names):
        return "shopify"
    if is_woocommerce(names):
        return "woo"
    if is_google(names):
        return "google"
    raise FeedError(_("This CSV has neither our columns (%(ours)s) nor those of a Shopify product export (Handle, "
                      "Variant Price), a WooCommerce product export (Type, Parent, Regular price) or a Google Merchant "
                      "Center feed (id, title, price). Map the supplier's column names onto ours in the feed settings. "
                      "Its header is: %(header)s", ours=", ".join(REQUIRED_COLUMNS), header=header[:300]))


def read_export_rows(buffered, fmt: str, mapping: Mapping[str, str]) -> Iterator[FeedRow]:
    """Stream the FeedRows of an export of another platform (a buffered binary file)."""
    if fmt not in EXPORT_FORMATS:
        raise FeedError(_('Unknown feed format %(fmt)s.', fmt=repr(fmt)))
    first = buffered.peek(1)[:4096].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")[:1]
    if fmt == "google":
        yield from google_rows(buffered, mapping, xml=first == "<")
        return
    if first in ("<", "[", "{"):
        raise FeedError(_('The feed looks like %(kind)s, but its format is set to %(format)s.', kind='XML' if first == '<' else 'JSON', format=describe_format(fmt)))
    yield from (shopify_rows if fmt == "shopify" else woocommerce_rows)(buffered, mapping)

