"""The catalog browser: search, filters, pagination, and bad filter input."""

import re

import pytest

from tests.dashboard.conftest import page_text
from tests.factories import make_product, make_supplier


@pytest.fixture
def extra(catalog):
    """More supply products: one from another supplier, and some that must never show."""
    maker = make_supplier("Maker Co")
    mug = make_product(maker, title="Stoneware Mug", category="home",
                       variants=[{"wholesale": 800, "min_retail": 1400}])
    mug.description = "Glazed by hand in small batches."
    gone = make_product(catalog.supplier, title="Discontinued Hat")
    gone.status = "discontinued"
    paused = make_supplier("Paused Supplier", status="suspended")
    make_product(paused, title="Paused Socks")
    euros = make_supplier("Euro Maker", currency="EUR")
    make_product(euros, title="Euro Scarf")
    return {"maker": maker, "mug": mug}


def _titles(response):
    return page_text(response)


def test_lists_only_active_products_of_active_suppliers_in_the_shop_currency(owner, extra):
    page = owner.get("/dashboard/alpha/catalog")
    text = page_text(page)
    assert page.status_code == 200
    for title in ("Organic Cotton Tee", "Sea Salt Crisps", "Stoneware Mug"):
        assert title in text
    for title in ("Discontinued Hat", "Paused Socks", "Euro Scarf", "Paused Supplier", "Euro Maker"):
        assert title not in text


def test_shows_costs_stock_supplier_and_whether_already_listed(owner, shop_a, extra):
    text = page_text(owner.get("/dashboard/alpha/catalog"))
    assert "$12.00" in text and "$18.00" in text  # tee wholesale, min retail
    assert "Maker Co" in text
    assert ">6<" in text  # tee stock 5 + 1
    assert f'href="/dashboard/alpha/products/{shop_a.listings[0].id}"' in text  # listed: edit
    assert f'href="/dashboard/alpha/catalog/{extra["mug"].id}/add"' in text  # not listed: add


@pytest.mark.parametrize("query, shown, hidden", [
    ("q=mug", "Stoneware Mug", "Organic Cotton Tee"),
    ("q=glazed", "Stoneware Mug", "Sea Salt Crisps"),  # description
    ("category=snacks", "Sea Salt Crisps", "Stoneware Mug"),
    ("min_price=5&max_price=9.00", "Stoneware Mug", "Organic Cotton Tee"),
    ("max_price=3", "Sea Salt Crisps", "Stoneware Mug"),
])
def test_filters(owner, extra, query, shown, hidden):
    page = owner.get(f"/dashboard/alpha/catalog?{query}")
    assert page.status_code == 200
    text = page_text(page)
    assert shown in text and hidden not in text


def test_filter_by_code_and_supplier(owner, extra):
    mug = extra["mug"]
    text = page_text(owner.get(f"/dashboard/alpha/catalog?q={mug.code}"))
    assert "Stoneware Mug" in text and "Sea Salt Crisps" not in text
    text = page_text(owner.get(f"/dashboard/alpha/catalog?supplier={extra['maker'].id}"))
    assert "Stoneware Mug" in text and "Organic Cotton Tee" not in text


def test_the_supplier_filter_keeps_the_chosen_supplier(owner, extra):
    from tests.test_long_selects import chosen

    page = owner.get(f"/dashboard/alpha/catalog?supplier={extra['maker'].id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="supplier"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert select.startswith('<option value="">All suppliers</option>') and "Maker Co" in select
    assert chosen(select) == [str(extra["maker"].id)]


def test_like_wildcards_in_the_search_are_literal(owner, extra):
    text = page_text(owner.get("/dashboard/alpha/catalog?q=%25"))
    assert "No products match" in text


@pytest.mark.parametrize("query, message", [
    ("min_price=abc", "Enter an amount like 12.50"),
    ("max_price=1.234", "Enter an amount like 12.50"),
    ("min_price=-5", "Enter an amount like 12.50"),
    ("min_price=1e20", "Enter an amount up to $10,000,000.00."),  # was an OverflowError on SQLite
    ("max_price=1e999999", "Enter an amount up to $10,000,000.00."),
    ("min_price=10&max_price=2", "The highest price is below the lowest price."),
    ("category=weapons", "Choose one of the listed categories."),
    ("supplier=999999", "Choose one of the listed suppliers."),
    ("supplier=abc", "Choose one of the listed suppliers."),
])
def test_bad_filter_input_shows_a_clear_message(owner, extra, query, message):
    page = owner.get(f"/dashboard/alpha/catalog?{query}")
    assert page.status_code == 422
    text = page_text(page)
    assert message in text
    assert "Stoneware Mug" not in text  # no results under a broken filter


def test_the_filters_past_the_search_say_how_many_are_set_and_open_when_one_is_wrong(owner, extra):
    """On a phone they fold behind "More filters" (platform.js, tests/browser/test_owner_week.py)."""
    def panel(query):
        html = owner.get(f"/dashboard/alpha/catalog?{query}").get_data(as_text=True)
        toggle = re.search(r'<button[^>]*data-filters-toggle[^>]*aria-expanded="(\w+)">More filters(.*?)</button>', html)
        on = re.search(r'class="filters-on"[^>]*>(\d+)<', toggle.group(2))
        return toggle.group(1), 'class="more-filters is-open"' in html, on and int(on.group(1))

    assert panel("q=mug") == ("false", False, None)  # the search is not folded away
    assert panel("q=&category=&supplier=&min_price=2&max_price=20") == ("false", False, 2)
    assert panel("min_price=abc") == ("true", True, 1)  # its message is in sight


def test_pagination_keeps_the_filters(owner, extra, app, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOG_PAGE_SIZE", 2)
    first = page_text(owner.get("/dashboard/alpha/catalog?q=e"))
    # Not counted (a count of a large catalog costs more than the page): "more than".
    assert "More than 2 products found" in first
    assert "Page 1" in first and "Page 1 of" not in first
    assert 'href="/dashboard/alpha/catalog?page=2&amp;q=e"' in first
    second = page_text(owner.get("/dashboard/alpha/catalog?q=e&page=2"))
    assert "3 products found" in second and "Page 2" in second and "Next" not in second
    assert second.count("<tr>") == 2  # header row + one product
    past_end = owner.get("/dashboard/alpha/catalog?q=e&page=99")
    assert past_end.status_code == 200
