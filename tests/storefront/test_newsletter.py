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


def test_the_answer_shows_in_the_newsletter_section_not_at_the_top(shop_a, storefront):
    """Issue 14, item 6: the sign-up redirects to #newsletter, so it answers there."""
    from app.shops import theme_services as themes
    from app.tenancy import use_shop

    with use_shop(shop_a.shop.id):
        themes.publish_theme(shop_a.shop, "journal")  # its homepage has a newsletter section
        db.session.commit()
    shopper = storefront(shop_a.shop)
    response = shopper.post("/newsletter", data={"email": "reader@example.com"})
    assert response.headers["Location"].endswith("/#newsletter")
    page = shopper.get("/").get_data(as_text=True)
    section = page.split('id="newsletter"', 1)[1].split("</section>", 1)[0]
    assert 'class="notice notice-success newsletter-status" role="status">Thank you — you’re on the list.' in section
    assert 'class="newsletter-form"' not in section  # the thanks replaces the form
    assert 'class="flashes' not in page
    refused = shopper.post("/newsletter", data={"email": "nope"}, follow_redirects=True).get_data(as_text=True)
    section = refused.split('id="newsletter"', 1)[1].split("</section>", 1)[0]
    assert 'role="alert"' in section and 'aria-invalid="true"' in section and 'class="newsletter-form"' in section
    assert 'class="flashes' not in refused
    with unscoped():
        assert db.session.scalar(select(func.count(NewsletterSubscriber.id))) == 1
