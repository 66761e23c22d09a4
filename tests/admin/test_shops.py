"""Admin: the list of shops, suspending and reopening one."""

from __future__ import annotations

from app.extensions import db
from tests.admin.conftest import page_text
from tests.factories import make_order


def test_shop_list_shows_owners_counts_and_links(admin, shop_a, shop_b):
    make_order(shop_a)
    page = page_text(admin.get("/admin/shops"))
    assert "Alpha Shop" in page and "Bravo Shop" in page
    assert "owner-alpha@example.com" in page
    assert "http://alpha.flagship.test/" in page
    row = page[page.index("Alpha Shop"):page.index("</tr>", page.index("Alpha Shop"))]
    assert '<td class="num">2</td>' in row and '<td class="num">1</td>' in row  # 2 listings, 1 order


def test_shop_search(admin, shop_a, shop_b):
    page = page_text(admin.get("/admin/shops?q=bravo"))
    assert "Bravo Shop" in page and "Alpha Shop" not in page
    page = page_text(admin.get("/admin/shops?q=owner-alpha@"))
    assert "Alpha Shop" in page and "Bravo Shop" not in page
    assert "No shop matches" in page_text(admin.get("/admin/shops?q=zzz"))


def test_shop_detail(admin, shop_a):
    page = page_text(admin.get(f"/admin/shops/{shop_a.shop.id}"))
    assert "Alpha Shop" in page and "owner-alpha@example.com" in page and "Suspend shop" in page
    assert admin.get("/admin/shops/999999").status_code == 404


def test_suspend_needs_a_reason(admin, shop_a):
    response = admin.post(f"/admin/shops/{shop_a.shop.id}/suspend", data={"reason": "  "})
    assert response.status_code == 422 and "Say why" in page_text(response)
    db.session.expire_all()
    assert shop_a.shop.status == "active"


def test_suspend_closes_the_storefront_and_reopen_opens_it(admin, shop_a, shop_b, storefront):
    response = admin.post(f"/admin/shops/{shop_a.shop.id}/suspend", data={"reason": "Unpaid fees"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (shop_a.shop.status, shop_a.shop.suspended_reason) == ("suspended", "Unpaid fees")
    assert "Unpaid fees" in page_text(admin.get(response.location))

    closed = storefront(shop_a.shop).get("/")
    assert closed.status_code == 403 and "closed for now" in page_text(closed)
    assert storefront(shop_b.shop).get("/").status_code == 200  # the other shop is untouched

    assert admin.post(f"/admin/shops/{shop_a.shop.id}/reopen").status_code == 302
    db.session.expire_all()
    assert (shop_a.shop.status, shop_a.shop.suspended_reason) == ("active", "")
    assert storefront(shop_a.shop).get("/").status_code == 200


def test_owner_of_a_suspended_shop_can_still_log_in_and_see_it(app, admin, shop_a):
    from tests.conftest import HostClient
    from tests.factories import PASSWORD

    response = admin.post(f"/admin/shops/{shop_a.shop.id}/suspend", data={"reason": "Review"})
    assert response.status_code == 302
    owner = HostClient(app, "flagship.test")
    assert owner.post("/login", data={"email": shop_a.owner.email, "password": PASSWORD}).status_code == 302
    home = owner.get("/dashboard/alpha/")
    assert home.status_code == 200
    assert b"Alpha Shop" in home.data
