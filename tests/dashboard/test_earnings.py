"""Earnings of a shop paid in cash on delivery: what the owner holds and owes, explained
(issue 14, item 5), not shown as alarming negative balances."""

from __future__ import annotations

import re

from app.orders.services import mark_paid
from app.tenancy import use_shop
from tests import factories
from tests.dashboard.conftest import page_text


def _stats(page: str) -> str:
    return page.split('class="stats"', 1)[1].split("</section>", 1)[0]


def test_cash_only_earnings_show_what_the_owner_holds_and_owes(owner, shop_a):
    order = factories.make_order(shop_a)  # 1 x 1800, wholesale 1200, 5 % fee
    with use_shop(shop_a.shop.id):
        mark_paid(order)
    page = page_text(owner.get("/dashboard/alpha/earnings"))
    stats = _stats(page)
    assert "Pending: you owe" in stats and "$12.90" in stats
    assert "negative" not in stats and "-$" not in stats and "−" not in stats
    cash = page.split("Cash from pay-on-delivery orders", 1)[1].split("</section>", 1)[0]
    assert "<strong>$18.00</strong> in cash" in cash

    def row(label):
        return re.search(rf"<dt>{label}</dt><dd>([^<]+)</dd>", cash).group(1)

    assert row("Your margin: yours to keep") == "$5.10"
    assert row("The suppliers’ wholesale costs") == "$12.00"
    assert row("The platform fee") == "$0.90"
    assert row("You owe the platform, which pays the suppliers") == "$12.90"
    assert "keeps growing" not in page
    assert "the platform fee (5% of the price)" in page


def test_a_shop_without_cash_orders_has_no_cash_section(owner):
    page = page_text(owner.get("/dashboard/alpha/earnings"))
    assert "Cash from pay-on-delivery orders" not in page and "you owe" not in page
    assert "$0.00" in _stats(page)
