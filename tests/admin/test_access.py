"""Only platform admins see /admin: others get a 404, anonymous visitors the login page."""

from __future__ import annotations

import pytest

from tests.factories import make_user


def admin_urls(app) -> list[tuple[str, str]]:
    """(method, url) for every admin route, with 1 for each id."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "1")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


def test_every_admin_route_is_covered(app):
    """The access tests below request every admin endpoint with every method: each URL that
    `admin_urls` builds routes back to its own endpoint, and none is missing."""
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("admin.") for method in rule.methods - {"HEAD", "OPTIONS"}}
    adapter = app.url_map.bind("flagship.test")
    built = {(adapter.match(url, method=method)[0], method) for method, url in admin_urls(app)}
    assert built == routes
    assert {"admin.index", "admin.suppliers", "admin.shops", "admin.money", "admin.outbox",
            "admin.jobs"} <= {endpoint for endpoint, _ in routes}


def test_non_admins_get_404_on_every_admin_url(app, client, login, shop_a):
    login(shop_a.owner)
    for method, url in admin_urls(app):
        response = client.open(url, method=method)
        assert response.status_code == 404, (method, url)


def test_anonymous_visitors_are_sent_to_login(app, client):
    for method, url in admin_urls(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert "/login" in response.location


@pytest.mark.parametrize("path", ["/admin/", "/admin/suppliers", "/admin/products", "/admin/shops",
                                  "/admin/outbox"])
def test_admin_pages_answer_and_mark_the_current_section(admin, path):
    response = admin.get(path)
    assert response.status_code == 200
    assert 'class="app-shell"' in response.get_data(as_text=True)
    assert 'aria-current="page"' in response.get_data(as_text=True)


def test_admin_pages_do_not_exist_on_shop_hosts(shop_a, storefront):
    assert storefront(shop_a.shop).get("/admin/").status_code == 404


def test_overview_counts(admin, shop_a, shop_b):
    from tests.factories import make_order

    make_order(shop_a)
    make_user("someone@example.com")
    page = admin.get("/admin/").get_data(as_text=True)
    assert "Orders today" in page and "Alpha Shop" in page and "Bravo Shop" in page
