"""Custom domains: claim, DNS instructions, the HTTP token check job, serving, and the rules
(one shop per verified domain, the platform's own names never)."""

from __future__ import annotations

import pytest

from app.errors import DomainError
from app.extensions import db
from app.shops import domains
from app.shops.domain_jobs import verify_shop_domain
from app.shops.domain_models import ShopDomain
from app.tenancy import unscoped, use_shop

REAL_LOOKUPS = (domains.lookup_cname, domains.lookup_txt)  # before fake_dns patches them
pytestmark = pytest.mark.usefixtures("fake_dns")  # DNS set up right unless a test says otherwise


@pytest.mark.parametrize(("text", "expected"), [
    ("Shop.Example.com", "shop.example.com"), ("https://shop.example.com/path", "shop.example.com"),
    ("www.mia-style.co.uk.", "www.mia-style.co.uk"), ("bücher.example", "xn--bcher-kva.example"),
])
def test_hostnames_are_normalised(app, text, expected):
    assert domains.normalise_hostname(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("flagship.test", "belongs to the platform"), ("alpha.flagship.test", "belongs to the platform"),
    ("x.localhost", "belongs to the platform"), ("127.0.0.1", "not an IP address"),
    ("localhost", "not a valid domain"), ("shop.example.com:8080", "without a port"),
    ("-bad-.example.com", "not a valid domain"), ("", "Enter a domain"),
])
def test_names_that_can_never_be_claimed(app, text, message):
    with pytest.raises(DomainError, match=message):
        domains.normalise_hostname(text)


def _serve_checks_from(app, monkeypatch):
    """The HTTP check fetches from the app itself (as if DNS pointed here)."""
    def fetch(hostname, path):
        with app.app_context():
            response = app.test_client().get(path, base_url=f"http://{hostname}")
        return response.status_code, response.data

    monkeypatch.setattr(domains, "fetch_verification", fetch)


def test_claim_check_and_serve(app, shop_a, shop_b, storefront, monkeypatch):
    handle_b = shop_b.listings[0].handle
    with use_shop(shop_a.shop.id):
        domain = domains.add_domain(shop_a.shop, "shop.alpha.example")
        assert domains.dns_target(shop_a.shop) == "alpha.flagship.test"
        path, domain_id, token = domains.verification_path(domain), domain.id, domain.token
    db.session.commit()  # (read nothing of the expired row outside its shop: RLS hides it)
    assert storefront("shop.alpha.example").get("/").status_code == 404  # not before it is verified
    assert storefront("shop.alpha.example").get(path).get_data(as_text=True) == token
    assert storefront("other.example").get(path).status_code == 404
    _serve_checks_from(app, monkeypatch)
    assert verify_shop_domain(domain_id) == "verified"
    assert verify_shop_domain(domain_id) == "verified"  # twice: nothing changes
    with unscoped():
        checked = db.session.get(ShopDomain, domain_id)
        db.session.refresh(checked)
        assert (checked.status, checked.is_primary, checked.check_count) == ("verified", True, 1)
    home = storefront("shop.alpha.example").get("/")
    assert home.status_code == 200 and b"Alpha Shop" in home.data
    assert storefront("shop.alpha.example").get(f"/products/{handle_b}").status_code == 404


def test_a_failed_check_is_recorded_and_raised_for_a_retry(app, shop_a, monkeypatch):
    with use_shop(shop_a.shop.id):
        domain_id = domains.add_domain(shop_a.shop, "nowhere.example").id
    db.session.commit()
    monkeypatch.setattr(domains, "fetch_verification", lambda host, path: (404, b"not here"))
    for attempt in range(1, domains.MAX_CHECKS + 1):
        with pytest.raises(domains.DomainCheckFailed):
            verify_shop_domain(domain_id)
        with unscoped():
            row = db.session.get(ShopDomain, domain_id)
            db.session.refresh(row)
            assert row.check_count == attempt and "answered 404" in row.last_error
    assert row.status == "failed"
    with use_shop(shop_a.shop.id):
        domains.restart_checks(domains.get_domain(domain_id))
        assert domains.get_domain(domain_id).status == "pending"


def test_a_wrong_token_does_not_verify(app, shop_a, monkeypatch):
    with use_shop(shop_a.shop.id):
        domain = domains.add_domain(shop_a.shop, "wrong.example")
        monkeypatch.setattr(domains, "fetch_verification", lambda host, path: (200, b"someone-else"))
        with pytest.raises(domains.DomainCheckFailed, match="not with this shop"):
            domains.check_domain(domain)
        assert domain.status == "pending"


def test_a_verified_domain_belongs_to_one_shop_only(app, shop_a, shop_b, monkeypatch):
    with use_shop(shop_a.shop.id):
        mine = domains.add_domain(shop_a.shop, "taken.example")
        monkeypatch.setattr(domains, "fetch_verification", lambda host, path: (200, mine.token.encode()))
        domains.check_domain(mine)
    with use_shop(shop_b.shop.id), pytest.raises(DomainError, match="already connected to another shop"):
        domains.add_domain(shop_b.shop, "taken.example")


def test_a_pending_claim_loses_when_another_shop_verifies_first(app, shop_a, shop_b, monkeypatch):
    with use_shop(shop_b.shop.id):
        theirs = domains.add_domain(shop_b.shop, "race.example")
    with use_shop(shop_a.shop.id):
        mine = domains.add_domain(shop_a.shop, "race.example")
        monkeypatch.setattr(domains, "fetch_verification", lambda host, path: (200, mine.token.encode()))
        domains.check_domain(mine)
    with use_shop(shop_b.shop.id):
        monkeypatch.setattr(domains, "fetch_verification", lambda host, path: (200, theirs.token.encode()))
        with pytest.raises(domains.DomainCheckFailed, match="another shop"):
            domains.check_domain(domains.get_domain(theirs.id))


def test_the_check_never_connects_to_private_addresses(app, monkeypatch):
    import socket

    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("10.0.0.5", 80))])
    with pytest.raises(domains.DomainCheckFailed, match="private address"):
        domains.fetch_verification("internal.example", "/x")


def test_primary_and_removal(app, shop_a, monkeypatch):
    with use_shop(shop_a.shop.id):
        first = domains.add_domain(shop_a.shop, "one.example")
        second = domains.add_domain(shop_a.shop, "two.example")
        for domain in (first, second):
            monkeypatch.setattr(domains, "fetch_verification", lambda host, path, d=domain: (200, d.token.encode()))
            domains.check_domain(domain)
        assert (first.is_primary, second.is_primary) == (True, False)
        domains.make_primary(second)
        assert (first.is_primary, second.is_primary) == (False, True)
        domains.remove_domain(second)
        assert domains.primary_domain().id == first.id
        pending = domains.add_domain(shop_a.shop, "three.example")
        with pytest.raises(DomainError, match="Only a verified domain"):
            domains.make_primary(pending)


def test_a_shop_cannot_claim_a_domain_whose_dns_names_another_shop(app, shop_a, shop_b, monkeypatch, fake_dns):
    """shop.alpha.example points at alpha's address; bravo claims it first and the HTTP
    check passes (it reaches the platform), but the DNS names alpha: refused."""
    fake_dns[("CNAME", "shop.alpha.example")] = "alpha.flagship.test"
    with use_shop(shop_b.shop.id):
        theirs = domains.add_domain(shop_b.shop, "shop.alpha.example")
        monkeypatch.setattr(domains, "fetch_verification", lambda host, path: (200, theirs.token.encode()))
        with pytest.raises(domains.DomainCheckFailed, match="does not name this shop.*bravo.flagship.test"):
            domains.check_domain(theirs)
        assert theirs.status == "pending"
    with use_shop(shop_a.shop.id):
        mine = domains.add_domain(shop_a.shop, "shop.alpha.example")
        monkeypatch.setattr(domains, "fetch_verification", lambda host, path: (200, mine.token.encode()))
        domains.check_domain(mine)
        assert mine.status == "verified"


def test_a_root_domain_proves_its_claim_with_a_txt_record(app, shop_a, monkeypatch, fake_dns):
    fake_dns[("CNAME", "alpha-shop.example")] = None  # an apex: ALIAS/flattening, no CNAME
    with use_shop(shop_a.shop.id):
        domain = domains.add_domain(shop_a.shop, "alpha-shop.example")
        monkeypatch.setattr(domains, "fetch_verification", lambda host, path: (200, domain.token.encode()))
        name, value = domains.txt_record(domain)
        assert name == "_flagship-verify.alpha-shop.example" and domain.token in value
        fake_dns[("TXT", name)] = ["flagship-verify=not-this-one"]
        with pytest.raises(domains.DomainCheckFailed, match="TXT record"):
            domains.check_domain(domain)
        fake_dns[("TXT", name)] = ["v=spf1 -all", value]
        domains.check_domain(domain)
        assert domain.status == "verified"


def test_dns_lookups_of_a_name_that_does_not_exist_find_nothing(app):
    lookup_cname, lookup_txt = REAL_LOOKUPS
    assert lookup_cname("no-such-name.invalid") is None
    assert lookup_txt("_flagship-verify.no-such-name.invalid") == []


def test_with_a_shared_target_the_txt_token_is_always_required(app, shop_a, shop_b, monkeypatch, fake_dns):
    """With CUSTOM_DOMAIN_TARGET every shop's CNAME points at the same name, so a CNAME no
    longer says which shop: bravo must not win a domain alpha's owner pointed at us."""
    monkeypatch.setitem(app.config, "CUSTOM_DOMAIN_TARGET", "domains.flagship.test")
    fake_dns[("CNAME", "shop.alpha.example")] = "domains.flagship.test"
    with use_shop(shop_b.shop.id):
        theirs = domains.add_domain(shop_b.shop, "shop.alpha.example")
        monkeypatch.setattr(domains, "fetch_verification", lambda host, path: (200, theirs.token.encode()))
        with pytest.raises(domains.DomainCheckFailed, match="TXT record _flagship-verify.shop.alpha.example"):
            domains.check_domain(theirs)
        assert theirs.status == "pending"
    with use_shop(shop_a.shop.id):
        mine = domains.add_domain(shop_a.shop, "shop.alpha.example")
        monkeypatch.setattr(domains, "fetch_verification", lambda host, path: (200, mine.token.encode()))
        name, value = domains.txt_record(mine)
        fake_dns[("TXT", name)] = [domains.txt_record(theirs)[1]]  # another claim's token: not enough
        with pytest.raises(domains.DomainCheckFailed, match="TXT record"):
            domains.check_domain(mine)
        fake_dns[("TXT", name)] = [value]
        domains.check_domain(mine)
        assert mine.status == "verified"


def test_txt_required_only_with_a_shared_target(app, shop_a, monkeypatch):
    assert not domains.txt_required()
    monkeypatch.setitem(app.config, "CUSTOM_DOMAIN_TARGET", "domains.flagship.test")
    assert domains.txt_required()


def test_the_check_does_not_connect_to_shared_address_space_either(app, monkeypatch):
    import socket

    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("100.64.0.9", 80))])
    with pytest.raises(domains.DomainCheckFailed, match="private address"):
        domains.fetch_verification("cgnat.example", "/x")
