"""Exchange rates: integer conversion rounded up, typed rates refused with a reason, all or
nothing, and the admin's page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.catalog import exchange
from app.catalog.exchange import ExchangeRate
from app.errors import DomainError
from app.extensions import db
from app.tenancy import unscoped
from tests.admin.conftest import admin, page_text
from tests.factories import make_supplier

__all__ = ["admin"]


def _set(source, target, text):
    with unscoped():
        assert exchange.save_rates({(source, target): text}, None) == []
        db.session.commit()


def test_conversion_is_integer_and_rounds_up(app):
    _set("USD", "CNY", "7.123456")
    assert exchange.convert_up(100, "USD", "CNY") == 713  # 712.3456 fen, up
    assert exchange.convert_up(1500, "USD", "CNY") == 10686  # 10685.184
    assert exchange.convert_up(0, "USD", "CNY") == 0
    assert exchange.convert_up(999, "CNY", "CNY") == 999
    _set("USD", "JPY", "150.5")
    assert exchange.convert_up(1999, "USD", "JPY") == 3009  # $19.99 = 3008.495 yen, up (no minor unit)
    _set("JPY", "EUR", "0.0061")
    assert exchange.convert_up(1000, "JPY", "EUR") == 610  # 6.10 euros: exponent grows by two


def test_without_a_rate_nothing_converts(app):
    assert not exchange.sells_in("USD", "EUR")
    with pytest.raises(DomainError, match="no exchange rate from USD to EUR"):
        exchange.convert_up(100, "USD", "EUR")


@pytest.mark.parametrize("typed, reason", [
    ("seven", "as a number"), ("0", "more than zero"), ("-2", "more than zero"),
    ("7.1234567", "six decimal places"), ("712000", "too large"), ("NaN", "more than zero"),
])
def test_a_bad_rate_is_refused_with_its_reason(app, typed, reason):
    with pytest.raises(DomainError, match=reason):
        exchange.parse_rate(typed)


def test_saving_is_all_or_nothing(app):
    _set("USD", "CNY", "7.1")
    with unscoped():
        problems = exchange.save_rates({("USD", "CNY"): "7.3", ("USD", "EUR"): "lots"}, None)
        db.session.rollback()
    assert [pair for pair, _ in problems] == [("USD", "EUR")]
    exchange.forget_cached_rates()
    with unscoped():
        assert exchange.rate_between("USD", "CNY") == 7_100_000
        assert exchange.rate_between("USD", "EUR") is None


def test_an_empty_field_clears_a_rate(app):
    _set("USD", "CNY", "7.1")
    _set("USD", "CNY", "")
    with unscoped():
        assert db.session.scalar(select(ExchangeRate)) is None


def test_a_shop_may_sell_in_a_currency_a_rate_leads_to(app):
    _set("USD", "CNY", "7.1")
    with unscoped():
        assert exchange.reachable_currencies({"USD"}) == {"USD", "CNY"}


def test_admin_sets_and_sees_rates(admin):
    make_supplier(currency="USD")
    db.session.commit()
    page = page_text(admin.get("/admin/rates"))
    assert "Exchange rates" in page and 'name="rate-USD-CNY"' in page
    response = admin.post("/admin/rates", data={"rate-USD-CNY": "7.12", "rate-USD-EUR": "abc"})
    assert response.status_code == 400
    text = page_text(response)
    assert "Type the rate as a number" in text and 'value="7.12"' in text  # typed value kept
    exchange.forget_cached_rates()
    with unscoped():
        assert exchange.rate_between("USD", "CNY") is None  # nothing half-written
    response = admin.post("/admin/rates", data={"rate-USD-CNY": "7.12"}, follow_redirects=True)
    assert "Exchange rates saved" in page_text(response)
    exchange.forget_cached_rates()
    with unscoped():
        assert exchange.rate_between("USD", "CNY") == 7_120_000


def test_rates_page_is_for_admins_only(client, login):
    from tests.factories import make_user

    login(make_user("owner@flagship.example"))
    assert client.get("/admin/rates").status_code == 404
