"""Dashboard → Shipping: add zones (countries or the rest of the world, a rate, free from an
amount), change and delete them; every bad field says why; another owner reaches none of it."""

from __future__ import annotations

from app.extensions import db
from app.orders.shipping import save_shipping_zone
from app.orders.shipping_models import ShippingZone
from app.tenancy import use_shop
from tests.dashboard.conftest import fetch_all, page_text

EUROPE = {"name": "Europe", "countries": ["DE", "FR"], "rate": "12", "free_over": "80"}


def test_the_owner_adds_zones_and_sees_where_the_shop_ships(owner):
    page = page_text(owner.get("/dashboard/alpha/shipping"))
    assert "No zones yet: shipping is free everywhere" in page and "Germany" in page
    assert owner.post("/dashboard/alpha/shipping", data=EUROPE).status_code == 302
    [zone] = fetch_all(ShippingZone)
    assert (zone.name, zone.countries, zone.rate, zone.free_over, zone.rest_of_world) == (
        "Europe", ["DE", "FR"], 1200, 8000, False)
    page = page_text(owner.get("/dashboard/alpha/shipping"))
    assert "Germany, France" in page and "$12.00" in page and "$80.00" in page
    assert "You ship only to the countries above" in page and "(Europe)" in page
    owner.post("/dashboard/alpha/shipping", data={"name": "World", "rest_of_world": "1", "rate": "20"})
    page = page_text(owner.get("/dashboard/alpha/shipping"))
    assert "Every country no other zone names" in page and "You ship only to" not in page


def test_a_bad_zone_is_shown_on_its_field_and_nothing_is_saved(owner):
    owner.post("/dashboard/alpha/shipping", data=EUROPE)
    refused = owner.post("/dashboard/alpha/shipping", data={"name": "Mainland", "countries": ["FR", "ES"],
                                                             "rate": "9"})
    text = page_text(refused)
    assert refused.status_code == 422 and "France: in the zone Europe already" in text
    assert 'value="Mainland"' in text  # what was typed stays
    assert [zone.name for zone in fetch_all(ShippingZone)] == ["Europe"]


def test_the_owner_changes_and_deletes_a_zone(owner):
    owner.post("/dashboard/alpha/shipping", data=EUROPE)
    [zone] = fetch_all(ShippingZone)
    page = page_text(owner.get(f"/dashboard/alpha/shipping/{zone.id}"))
    assert 'value="Europe"' in page and 'value="12.00"' in page and 'value="DE" checked' in page
    saved = owner.post(f"/dashboard/alpha/shipping/{zone.id}", data=dict(EUROPE, countries=["DE"], free_over=""))
    assert saved.status_code == 302
    [zone] = fetch_all(ShippingZone)
    assert (zone.countries, zone.free_over) == (["DE"], None)
    assert owner.post(f"/dashboard/alpha/shipping/{zone.id}/delete").status_code == 302
    assert fetch_all(ShippingZone) == []


def test_another_owner_can_neither_see_nor_change_a_shops_zones(owner, shop_b):
    with use_shop(shop_b.shop.id):
        theirs = save_shipping_zone(None, shop_b.shop, name="Bravo land", countries=["JP"], rate="30")
        theirs_id = theirs.id
    db.session.flush()
    assert "Bravo land" not in page_text(owner.get("/dashboard/alpha/shipping"))
    for path in (f"/dashboard/alpha/shipping/{theirs_id}", "/dashboard/bravo/shipping"):
        assert owner.get(path).status_code == 404
    assert owner.post(f"/dashboard/alpha/shipping/{theirs_id}", data=EUROPE).status_code == 404
    assert owner.post(f"/dashboard/alpha/shipping/{theirs_id}/delete").status_code == 404
    # Shop A may put Japan in a zone of its own: B's zone is B's.
    assert owner.post("/dashboard/alpha/shipping", data={"name": "Far", "countries": ["JP"], "rate": "1"}).status_code == 302
    assert len(fetch_all(ShippingZone)) == 2
    [bravo] = [z for z in fetch_all(ShippingZone) if z.shop_id == shop_b.shop.id]
    assert (bravo.name, bravo.countries, bravo.rate) == ("Bravo land", ["JP"], 3000)
