"""Reading a Google Merchant Center product feed (XML: RSS 2.0 or Atom with the g: namespace;
or TSV, or the same columns comma-separated) as our feed rows.

- Each item is a variant: `g:id` is its SKU. Items sharing a `g:item_group_id` are the
  variants of one product (they must follow one another, like every feed's rows); an item
  without one is a product of its own. The product's title, description, category and
  image come from its first item (with the variant's options trimmed off the end of the
  title: Google asks for "Tee - Red - M", we show "Tee" with its options).
- `g:size`, `g:color`, `g:material`, `g:pattern`, `g:age_group`, `g:gender` are the options.
- `g:price` ("15.00 USD") is the supplier's retail price, our minimum retail price;
  `g:cost_of_goods_sold` (Google's own attribute for the cost) is the wholesale price. The
  currency must be the supplier's, and must be written: an amount alone is rejected.
- Stock: `g:availability` out_of_stock is 0; in_stock, preorder and backorder take the
  quantity from `g:quantity` (or `g:sell_on_google_quantity`), and without one the item is
  rejected (shops never sell more than the supplier says it has).

XML is read with ElementTree's pull parser fed line by line (the line of each item is
known) and each item is cleared and dropped from its parent once read, so a feed of any
size is held one item at a time. Entity declarations are refused (no entity expansion).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping

from app.i18n import _
from app.i18n import lazy_gettext as _l

from .feed_reading import (
    SourceRecord,
    feed_row,
    guess_category,
    html_to_text,
    mangled_number,
    options_text,
    read_csv_records,
)
from .feeds import CHUNK, FeedError, FeedRow

WHAT = _l("Google Merchant Center feed")
NAMESPACE = "http://base.google.com/ns/1.0"
OPTION_ATTRIBUTES = (("size", "size"), ("color", "colour"), ("material", "material"), ("pattern", "pattern"),
                     ("age_group", "age group"), ("gender", "gender"))
IN_STOCK = ("in_stock", "preorder", "backorder")
PRICE = re.compile(r"^\s*(?:([A-Za-z]{3})\s+)?([0-9][0-9.,]*)\s*([A-Za-z]{3})?\s*$")
ITEM_TAGS = ("item", "entry")  # RSS 2.0, Atom


def google_name(name: str) -> str:
    """A Merchant Center attribute as we key it: "g:Image Link" -> "image_link"."""
    name = name.strip().lower()
    if name.startswith("g:"):
        name = name[2:]
    return name.replace(" ", "_")


def is_google(names: list[str]) -> bool:
    names = [google_name(name) for name in names]
    return "id" in names and "price" in names and ("title" in names or "availability" in names)


def google_rows(binary, mapping: Mapping[str, str], *, xml: bool) -> Iterator[FeedRow]:
    """Stream a Merchant Center feed as FeedRows (XML when `xml`, else TSV; `mapping`: our
    column -> their attribute, for the wholesale price, stock or category kept elsewhere)."""
    columns = {"wholesale_price": "cost_of_goods_sold", "stock": "", "category": ""}
    for ours in columns:
        if mapping.get(ours):
            columns[ours] = google_name(mapping[ours])
    if xml:
        items = _xml_items(binary)
    else:
        # Merchant Center takes tab-separated files; a comma-separated one is read as well.
        delimiter = "\t" if b"\t" in binary.peek(1)[:CHUNK].split(b"\n", 1)[0] else ","
        header, names, items = read_csv_records(binary, delimiter=delimiter, normalise=google_name)
        if not is_google(names):
            raise FeedError(_("This %(what)s lacks the columns id, title and price. Its header is: %(header)s",
                              what=WHAT, header=", ".join(header)[:300]))
        if columns["wholesale_price"] not in names:
            raise FeedError(_('This %(what)s lacks the column cost_of_goods_sold: it is the wholesale price the supplier is paid (or map wholesale_price onto the column that holds it).', what=WHAT))
    current_code = ""
    for position, item in enumerate(items, start=1):
        where = f"Item {position}: " if xml else ""
        sku = item.get("id")
        code = item.get("item_group_id") or sku
        if item.problem:
            yield FeedRow(item.line, {"product_code": code, "sku": sku}, problem=where + item.problem)
            continue
        first = code != current_code
        current_code = code
        yield _item_row(item, code, first, columns, where)


def _item_row(item: SourceRecord, code: str, first: bool, columns: dict[str, str], where: str) -> FeedRow:
    sku = item.get("id")
    options = [(ours, item.get(theirs)) for theirs, ours in OPTION_ATTRIBUTES]
    retail, currency, fault = _price(item.get("price"), "price")
    wholesale, cost_currency, cost_fault = _price(item.get(columns["wholesale_price"]), "cost_of_goods_sold")
    if not wholesale and not cost_fault:
        cost_fault = ("The item has no cost_of_goods_sold: it is the wholesale price the supplier is paid "
                      "(Google's attribute for the cost, like 9.00 USD).")
    fault = mangled_number(sku, "id") or mangled_number(item.get("gtin"), "gtin") or fault or cost_fault
    if not fault and cost_currency and currency and cost_currency != currency:
        fault = f"The price is in {currency} but the cost_of_goods_sold in {cost_currency}."
    stock, stock_fault = _stock(item, columns["stock"])
    fault = fault or stock_fault
    product = None
    if first:
        title = _title_without_options(item.get("title"), [value for _, value in options if value])
        product = {"title": title, "description": html_to_text(item.get("description", "summary")),
                   "category": (item.get(columns["category"]) if columns["category"] else
                                guess_category(item.get("google_product_category"), item.get("product_type"))),
                   "image_url": item.get("image_link")}
    variant = {"sku": sku, "options": options_text(options), "wholesale_price": wholesale,
               "min_retail_price": retail, "stock": stock}
    return feed_row(item.line, code, variant, product, fault=where + fault if fault else "",
                    currency=currency or cost_currency)


def _price(text: str, name: str) -> tuple[str, str, str]:
    """("15.00", "USD", "") from "15.00 USD" (or "USD 15.00"); a fault when the currency is not
    written. A blank price is ("", "", ""): the caller says what it is missing."""
    if not text:
        return "", "", ""
    match = PRICE.match(text)
    if match is None:
        return text, "", ""  # not a price at all: the sync's check says so
    currency = (match.group(1) or match.group(3) or "").upper()
    if not currency:
        return match.group(2), "", f"The {name} “{text[:30]}” has no currency; write it like 15.00 USD."
    return match.group(2), currency, ""


def _stock(item: SourceRecord, stock_column: str) -> tuple[str, str]:
    availability = item.get("availability").lower().replace(" ", "_")
    quantity = item.get(stock_column) if stock_column else item.get("quantity", "sell_on_google_quantity")
    if availability == "out_of_stock":
        return "0", ""
    if availability and availability not in IN_STOCK:
        return quantity, (f"Unknown availability “{availability[:30]}”; Google's are in_stock, out_of_stock, "
                          "preorder and backorder.")
    if not quantity and not availability:
        return "", "The item gives neither its availability nor a quantity (g:quantity)."
    if not quantity:
        return "", ("The item is available but gives no quantity (g:quantity); shops never sell more "
                    "than the supplier has, so give the quantity in stock.")
    return quantity, ""


_SEPARATORS = (" - ", " – ", " — ", " / ", ", ", " | ")


def _title_without_options(title: str, values: list[str]) -> str:
    """ "Organic Tee - Sand - S" -> "Organic Tee" when Sand and S are the item's options."""
    lowered = {value.lower() for value in values}
    changed = True
    while changed and lowered:
        changed = False
        for separator in _SEPARATORS:
            head, found, tail = title.rpartition(separator)
            if found and head.strip() and tail.strip().lower() in lowered:
                title, changed = head.rstrip(), True
                break
        else:
            for opener, closer in (("(", ")"), ("[", "]")):
                if title.endswith(closer) and opener in title:
                    head, _, inside = title[:-1].rpartition(opener)
                    parts = [part.strip().lower() for part in re.split(r"[,/]", inside)]
                    if head.strip() and all(part in lowered for part in parts):
                        title, changed = head.rstrip(), True
    return title


# XML ----------------------------------------------------------------------------------------


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _xml_items(binary) -> Iterator[SourceRecord]:
    parser = ET.XMLPullParser(events=("start", "end"))
    line, item_line = 1, 0
    parents: list[ET.Element] = []
    while chunk := binary.readline(CHUNK):
        if b"<!ENTITY" in chunk or b"<!DOCTYPE" in chunk:
            raise FeedError(_('Line %(line)s: the feed declares a DOCTYPE or entities; a Merchant Center feed has none, and they are refused.', line=line))
        try:
            parser.feed(chunk)
            events = list(parser.read_events())
        except ET.ParseError as error:
            raise FeedError(_('The XML cannot be read (%(error)s).', error=error)) from None
        for event, element in events:
            if event == "start":
                if _local(element.tag) in ITEM_TAGS and not item_line:
                    item_line = line
                parents.append(element)
                continue
            parents.pop()
            if _local(element.tag) in ITEM_TAGS and item_line and not any(
                    _local(parent.tag) in ITEM_TAGS for parent in parents):
                yield SourceRecord(item_line, _item_values(element))
                item_line = 0
                element.clear()  # read: hold nothing of it
                if parents:
                    parents[-1].remove(element)
        if chunk.endswith(b"\n"):
            line += 1
    try:
        parser.close()
    except ET.ParseError as error:
        raise FeedError(_('The XML ends before it is complete (%(error)s).', error=error)) from None


def _item_values(element: ET.Element) -> dict[str, str]:
    values: dict[str, str] = {}
    for child in element:
        name = _local(child.tag)
        value = child.get("href", "") if name == "link" and child.get("href") else (child.text or "")
        if value.strip() and name not in values:  # repeated ones (additional images): the first
            values[name] = value.strip()
    return values


def read_xml_root(head: bytes) -> str:
    """The name of the XML document's root element, from its first bytes ("" if none)."""
    text = head.decode("utf-8", "replace")
    text = re.sub(r"<\?.*?\?>|<!--.*?-->", "", text, flags=re.DOTALL)
    match = re.search(r"<([A-Za-z_][\w.:-]*)", text)
    return match.group(1).lower() if match else ""
