"""The storefront's newsletter sign-up tells nobody who is already on the list."""

from sqlalchemy import func, select

from app.extensions import db
from app.shops.theme_models import NewsletterSubscriber
from app.tenancy import unscoped


def _flash(response) -> str:
    return response.get_data(as_text=True).split('class="flash', 1)[1].split("</", 1)[0]


def test_a_known_address_gets_the_same_answer_as_a_new_one(shop_a, storefront):
    shopper = storefront(shop_a.shop)
    first = shopper.post("/newsletter", data={"email": "fan@example.com"}, follow_redirects=True)
    again = storefront(shop_a.shop).post("/newsletter", data={"email": "FAN@example.com"},
                                         follow_redirects=True)
    assert first.status_code == again.status_code == 200
    assert "you’re on the list" in _flash(first)
    assert _flash(first) == _flash(again)
    with unscoped():
        assert db.session.scalar(select(func.count(NewsletterSubscriber.id))) == 1
