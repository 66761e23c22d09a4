"""Custom domains in the dashboard: add, DNS record, check now, errors."""

from __future__ import annotations

import pytest

from app.shops import domains
from app.shops.domain_models import ShopDomain
from tests.dashboard.conftest import fetch_all, page_text

pytestmark = pytest.mark.usefixtures("fake_dns")  # DNS set up right unless a test says otherwise


def test_add_a_domain_and_see_the_dns_record(owner, shop_a):
    response = owner.post("/dashboard/alpha/domains", data={"hostname": "Shop.Alpha.example"})
    assert response.status_code == 302
    page = page_text(owner.get("/dashboard/alpha/domains"))
    assert "shop.alpha.example" in page and "CNAME" in page and "alpha.flagship.test" in page
    assert "/.well-known/flagship-domain-verification/" in page
    [domain] = fetch_all(ShopDomain, shop_id=shop_a.shop.id)
    assert domain.status == "pending"


def test_the_platform_host_and_bad_names_are_refused(owner, shop_a):
    for name, message in (("flagship.test", "belongs to the platform"), ("bravo.flagship.test", "belongs to the platform"),
                          ("not a domain", "not a valid domain")):
        page = owner.post("/dashboard/alpha/domains", data={"hostname": name})
        assert page.status_code == 422 and message in page_text(page)
    assert fetch_all(ShopDomain, shop_id=shop_a.shop.id) == []


def test_check_now_runs_the_job_and_shows_the_result(owner, shop_a, monkeypatch):
    owner.post("/dashboard/alpha/domains", data={"hostname": "shop.alpha.example"})
    [domain] = fetch_all(ShopDomain, shop_id=shop_a.shop.id)
    monkeypatch.setattr(domains, "fetch_verification", lambda host, path: (404, b""))
    page = owner.post(f"/dashboard/alpha/domains/{domain.id}/check", follow_redirects=True)
    assert "not verified yet" in page_text(page) and "answered 404" in page_text(page)
    monkeypatch.setattr(domains, "fetch_verification", lambda host, path: (200, domain.token.encode()))
    page = owner.post(f"/dashboard/alpha/domains/{domain.id}/check", follow_redirects=True)
    assert "is verified" in page_text(page)
    [domain] = fetch_all(ShopDomain, shop_id=shop_a.shop.id)
    assert domain.status == "verified" and domain.is_primary
    owner.post(f"/dashboard/alpha/domains/{domain.id}/remove")
    assert fetch_all(ShopDomain, shop_id=shop_a.shop.id) == []


def test_with_a_shared_target_the_page_asks_for_both_records(owner, shop_a, app, monkeypatch):
    monkeypatch.setitem(app.config, "CUSTOM_DOMAIN_TARGET", "domains.flagship.test")
    owner.post("/dashboard/alpha/domains", data={"hostname": "shop.alpha.example"})
    [domain] = fetch_all(ShopDomain, shop_id=shop_a.shop.id)
    page = page_text(owner.get("/dashboard/alpha/domains"))
    assert "Create both records" in page and "domains.flagship.test" in page
    assert "_flagship-verify.shop.alpha.example" in page and f"flagship-verify={domain.token}" in page
    assert "For a root domain" in page  # the ALIAS advice stays; the TXT record is no longer optional
    assert "add this record too" not in page


def test_with_the_shops_own_target_the_txt_record_is_for_root_domains(owner, shop_a):
    owner.post("/dashboard/alpha/domains", data={"hostname": "shop.alpha.example"})
    page = page_text(owner.get("/dashboard/alpha/domains"))
    assert "Create this record" in page and "Create both records" not in page
