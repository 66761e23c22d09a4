"""Dashboard shell and home page: login required, shop switcher, checklist, stats, share."""

from app.shops.services import create_shop
from tests.dashboard.conftest import page_text
from tests.factories import make_order, make_user


def test_anonymous_user_is_sent_to_login(shop_a, client):
    for path in ("/dashboard/", "/dashboard/alpha/", "/dashboard/alpha/catalog",
                 "/dashboard/alpha/orders"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.location


def test_home_shows_storefront_link_checklist_stats_and_recent_orders(owner, shop_a):
    order = make_order(shop_a)
    page = owner.get("/dashboard/alpha/")
    text = page_text(page)
    assert page.status_code == 200
    assert 'value="http://alpha.flagship.test/"' in text  # copy-friendly URL
    assert 'href="/dashboard/alpha/catalog"' in text
    assert 'href="/dashboard/alpha/settings"' in text
    assert 'href="#share"' in text and 'id="share"' in text
    assert order.number in text and "$18.00" in text  # pending total
    assert '<a href="/dashboard/alpha/" aria-current="page">Home</a>' in text


def test_home_of_a_new_shop_shows_an_empty_checklist(client, login):
    user = make_user()
    create_shop(user, name="Fresh Shop", subdomain="fresh", currency="USD")
    page = login(user).get("/dashboard/fresh/")
    text = page_text(page)
    assert page.status_code == 200
    assert 'class="done"' not in text
    assert "No orders yet" in text


def test_shop_switcher_lists_every_shop_of_the_user_and_opening_another(owner, shop_a):
    create_shop(shop_a.owner, name="Second Shop", subdomain="second", currency="USD")
    text = page_text(owner.get("/dashboard/alpha/"))
    assert 'href="/dashboard/second/"' in text
    assert 'href="/dashboard/new"' in text
    assert "bravo" not in text.lower()
    picker = owner.get("/dashboard/")
    assert picker.status_code == 200 and "Second Shop" in page_text(picker)


def test_every_sidenav_link_works(owner):
    text = page_text(owner.get("/dashboard/alpha/"))
    for path in ("/dashboard/alpha/catalog", "/dashboard/alpha/products",
                 "/dashboard/alpha/collections", "/dashboard/alpha/orders",
                 "/dashboard/alpha/settings"):
        assert f'href="{path}"' in text
        page = owner.get(path)
        assert page.status_code == 200, path
        assert f'<a href="{path}" aria-current="page">' in page_text(page)


def test_view_storefront_opens_the_shop_subdomain(owner):
    text = page_text(owner.get("/dashboard/alpha/products"))
    assert 'href="http://alpha.flagship.test/" target="_blank"' in text


def test_the_theme_step_is_ticked_by_theme_work_not_by_products(owner, shop_a):
    """Issue finding: "Make the theme yours" was ticked as soon as a product was added."""
    import re

    def theme_step_done() -> bool:
        text = page_text(owner.get("/dashboard/alpha/"))
        item = re.search(r'<li( class="done")?>(?:(?!</li>).)*?Make the theme yours', text, re.S)
        return item.group(1) is not None

    assert shop_a.listings and not theme_step_done()
    owner.post("/dashboard/alpha/themes/default", data={
        "accent_color": "#aa3300", "background_color": "#ffffff", "text_color": "#1b1b1f"})
    assert theme_step_done()


def test_an_owner_who_is_no_supplier_sees_no_portal_link(owner):
    assert "Supplier portal" not in page_text(owner.get("/dashboard/alpha/"))


def test_a_new_shop_can_only_choose_a_currency_the_catalog_sells_in(client, login, catalog):
    """Issue 14, defect 4: a shop in a currency with no products would be a dead end for good."""
    from tests.factories import make_product, make_supplier

    user = make_user()
    owner = login(user)
    form = owner.get("/dashboard/new").get_data(as_text=True)
    assert '<option selected value="USD">USD</option>' in form or 'value="USD"' in form
    assert 'value="EUR"' not in form and 'value="JPY"' not in form
    refused = owner.post("/dashboard/new", data={"name": "Euro Shop", "subdomain": "euroshop", "currency": "EUR"})
    assert refused.status_code == 422 and "has products in USD only" in refused.get_data(as_text=True)
    assert "euroshop" not in owner.get("/dashboard/").get_data(as_text=True)
    make_product(make_supplier("Euro Maker", currency="EUR"), title="Euro Scarf")
    form = owner.get("/dashboard/new").get_data(as_text=True)
    assert 'value="EUR"' in form and 'value="USD"' in form
    opened = owner.post("/dashboard/new", data={"name": "Euro Shop", "subdomain": "euroshop", "currency": "EUR"})
    assert opened.status_code == 302
