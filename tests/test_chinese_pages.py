"""The back office in Chinese has no English words but the data's: crawl every page an owner
(of a Chinese and of an English shop), the admin and a supplier's staff reach, in Chinese, and fail on a run of
English words that no row of the database holds. It found the theme editor's section names
and default texts, a deal's "group price" and a run's "manual" left in English.

What counts as data: every text (and JSON) value of every table, whole; a word in capitals
with digits (a SKU, a tracking code); a capitalised word the data holds. What is left is an
English phrase some code wrote: a literal not marked for translation, a key shown as stored.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from app.demo import ADMIN_EMAIL, ADMIN_PASSWORD, OWNER_PASSWORD
from app.demo.suppliers import SUPPLIER_PASSWORD, SUPPLIER_STAFF
from app.extensions import db
from app.tenancy import unscoped
from tests.conftest import PLATFORM
from tests.test_links import _crawl, demo  # noqa: F401 - the demo data fixture

ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z’'&.-]*(?:[ \t]+[A-Za-z][A-Za-z’'&.-]*)+")
CODE = re.compile(r"[A-Z0-9][A-Z0-9-]*")
# Names of other things, shown as those things call them: the feed formats the importer
# reads and the column names of another platform's export (admin's feed page).
NAMES = {"JSON Lines", "Google Merchant Center", "Cost per item", "Cost of goods", "Variant Price",
         "Variant Inventory Qty"}


class _ReadText(HTMLParser):
    """What a reader gets of a page: its text and the attributes read aloud or shown."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre"):
            self.skipping += 1
        self.parts += [value for name, value in attrs if name in ("aria-label", "placeholder", "title", "alt") and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def _data() -> str:
    values = []
    with unscoped():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                # (no DISTINCT: PostgreSQL has no equality for json)
                values += [str(value) for value in db.session.execute(sa.select(column)).scalars()
                           if isinstance(value, (str, dict, list)) and value]
    return "\n".join(values)


def english_left(text: str, data: str, data_words: set[str]) -> list[str]:
    found = []
    for run in ENGLISH_RUN.findall(text):
        words = run.strip(" .-").split()
        while words and CODE.fullmatch(words[-1]):  # "FedEx FE123", "SKU YL-TEA-01"
            words.pop()
        phrase = " ".join(words)
        if len(words) < 2 or phrase in data or phrase in NAMES:
            continue
        if all(CODE.fullmatch(word) or (word[:1].isupper() and word in data_words) for word in words):
            continue
        found.append(phrase)
    return found


def test_english_left_is_found_and_data_is_not():
    data = "Maple Street Market\n{'colour': 'Ballet Pink'}\nLocal van"
    words = set(re.findall(r"[A-Za-z][A-Za-z’'&.-]*", data))
    assert english_left("已付款 · group price · Maple Street Market · Ballet Pink", data, words) == ["group price"]
    assert english_left("Local van LV-TJGWJZJT · SKU YL-TEA-01 · 订单", data, words) == []
    assert english_left("Hero banner", data, words) == ["Hero banner"]


def _translated_words() -> set[str]:
    """The catalog's messages whose Chinese differs from the English: a page that shows one
    of them whole, in English, missed its translation (a theme editor's fieldset "Brand", a
    category "Snacks", a weekly sheet's "Delivery")."""
    from pathlib import Path

    from babel.support import Translations

    catalog = Translations.load(str(Path(__file__).resolve().parent.parent / "app" / "translations"), ["zh"])._catalog
    return {key for key, text in catalog.items() if isinstance(key, str) and key and "\x04" not in key
            and re.search(r"[A-Za-z]{2}", key) and text != key}


def _english_in_chinese(app, start: str, under: str, login=None) -> tuple[int, dict[str, str]]:
    """Crawl from `start` in Chinese: how many pages under `under` were read, and each English
    phrase left on them with the first page it is on. A theme's preview is the storefront in
    the shop's own language, and a language switch is a redirect: neither is read."""
    data = _data()
    data_words = set(re.findall(r"[A-Za-z][A-Za-z’'&.-]*", data))
    # A whole text on the page that is a whole line of the data (a heading of an owner's own
    # page, written "## Refunds") or a theme's name (themes are named like products) is data.
    data_values = {line.strip().lstrip("#*-> ").strip() for line in data.split("\n")}
    themes = app.extensions["themes"]
    data_values |= {themes.get(name).title for name in themes.names()}
    translated = _translated_words()
    left: dict[str, str] = {}

    def read(url: str, html: str) -> None:
        if not url.startswith(under) or "/preview" in url or "/language" in url:
            return
        parser = _ReadText()
        parser.feed(html)
        for part in parser.parts:
            for phrase in english_left(part, data, data_words):
                left.setdefault(phrase, url)
            if part.strip() in translated and part.strip() not in data_values:  # a single word too
                left.setdefault(part.strip(), url)

    seen = _crawl(app, [start], login=login, on_page=read, language="zh")
    return len([url for url in seen if url.startswith(under)]), left


@pytest.mark.parametrize("login, start, under", [
    (("lin@flagship.example", OWNER_PASSWORD), "/dashboard/", "/dashboard/lin/"),
    (("maple@flagship.example", OWNER_PASSWORD), "/dashboard/", "/dashboard/maple/"),
    ((ADMIN_EMAIL, ADMIN_PASSWORD), "/admin/", "/admin/"),
    ((SUPPLIER_STAFF["Northwind Apparel Co."], SUPPLIER_PASSWORD), "/supplier/", "/supplier/"),
], ids=["chinese-shop", "english-shop", "admin", "supplier"])
def test_the_back_office_in_chinese_shows_no_english_but_the_data(app, demo, login, start, under):  # noqa: F811
    pages, left = _english_in_chinese(app, f"http://{PLATFORM}{start}", f"http://{PLATFORM}{under}", login)
    assert pages > 5 and left == {}


@pytest.mark.parametrize("shop", ["lin", "maple"])
def test_a_storefront_in_chinese_shows_no_english_but_the_shops(app, demo, shop):  # noqa: F811
    """A shopper who reads Chinese, in the Chinese shop and in an English one: the shop's
    own words stay as written, everything else is in Chinese."""
    pages, left = _english_in_chinese(app, f"http://{shop}.{PLATFORM}/", f"http://{shop}.{PLATFORM}/")
    assert pages > 10 and left == {}
