from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.money import (
    MAX_AMOUNT,
    AmountTooLarge,
    MoneyError,
    apply_markup,
    format_money,
    parse_amount,
)


@pytest.mark.parametrize("text, currency, expected", [
    ("12.50", "USD", 1250), ("12", "USD", 1200), ("0.05", "EUR", 5), ("1,234.5", "USD", 123450),
    ("500", "JPY", 500),
])
def test_parse_amount(text, currency, expected):
    assert parse_amount(text, currency) == expected


@pytest.mark.parametrize("text, currency", [
    ("12.505", "USD"), ("abc", "USD"), ("-1", "USD"), ("1.5", "JPY"), ("NaN", "USD"), ("1", "XXX"),
])
def test_parse_amount_refuses(text, currency):
    with pytest.raises(MoneyError):
        parse_amount(text, currency)


@pytest.mark.parametrize("text", ["1e20", "10000000.01", "1e999999", "9" * 400, "1E+1000000000"])
def test_parse_amount_refuses_amounts_past_the_columns(text):
    with pytest.raises(AmountTooLarge):
        parse_amount(text, "USD")
    assert parse_amount("10000000", "USD") == MAX_AMOUNT


def test_format_money():
    assert format_money(123456, "USD") == "$1,234.56"
    assert format_money(-500, "EUR") == "-€5.00"
    assert format_money(1500, "JPY") == "¥1,500"


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=100_000))
def test_markup_rounds_up_and_never_undercuts(amount, basis_points):
    price = apply_markup(amount, basis_points)
    assert price * 10_000 >= amount * (10_000 + basis_points)
    assert (price - 1) * 10_000 < amount * (10_000 + basis_points)


def test_format_money_follows_the_readers_language_when_it_repeats(app):
    """Formatted prices are kept per amount, currency and language (app/money.py)."""
    from flask_babel import force_locale

    with app.test_request_context("/"):
        said = []
        for language in ("en", "zh", "en", "zh"):
            with force_locale(language):
                said.append(format_money(12345, "CNY"))
    assert said == ["CN¥123.45", "¥123.45", "CN¥123.45", "¥123.45"]
    assert format_money(Decimal("1234.5"), "USD") == "$12.35"  # not an int: rounded, not kept
