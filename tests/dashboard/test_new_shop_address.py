"""A new shop's web address: its whole address in view, one suggested from the shop's name,
and asked about as it is typed, by the same rules as opening the shop."""

import pytest

from app.shops.services import create_shop, suggest_subdomain
from tests.dashboard.conftest import page_text
from tests.factories import make_user


@pytest.fixture
def newcomer(client, login, catalog):
    return login(make_user())


def _taken(*subdomains):
    owner = make_user()
    for subdomain in subdomains:
        create_shop(owner, name=subdomain.title(), subdomain=subdomain, currency="USD")


def test_a_name_suggests_its_address_in_plain_latin_letters(app, catalog):
    assert suggest_subdomain("Ola's Kitchen Café") == "olas-kitchen-cafe"
    assert suggest_subdomain("  Crème & Brûlée — Paris!  ") == "creme-brulee-paris"
    assert suggest_subdomain("Ümit’s Ötztal Shop") == "umits-otztal-shop"
    long = suggest_subdomain("The Very Long Name Of A Shop That Sells Everything Under The Sun")
    assert long == "the-very-long-name-of-a-shop-that-sells" and len(long) <= 40


def test_a_name_in_another_script_or_too_short_suggests_nothing(app, catalog):
    assert suggest_subdomain("手工蜂蜜小店") is None
    assert suggest_subdomain("Jo") is None
    assert suggest_subdomain("") is None


def test_a_taken_or_reserved_address_suggests_a_free_one_like_it(app, catalog):
    _taken("olas-kitchen")
    assert suggest_subdomain("Ola's Kitchen") == "olas-kitchen-shop"
    _taken("olas-kitchen-shop", "olas-kitchen-2")
    assert suggest_subdomain("Ola's Kitchen") == "olas-kitchen-3"
    assert suggest_subdomain("Admin") == "admin-shop"  # reserved for the platform
    long = "a-very-long-address-of-exactly-forty-chr"
    assert len(long) == 40
    _taken(long)
    assert suggest_subdomain(long) == "a-very-long-address-of-exactly-fort-shop"


def test_the_form_shows_the_whole_address(newcomer):
    text = page_text(newcomer.get("/dashboard/new"))
    assert '<span class="affix">.flagship.test</span>' in text
    assert 'data-address-check="/dashboard/new/address"' in text and 'data-address-from="name"' in text
    assert 'autocapitalize="none"' in text and 'spellcheck="false"' in text
    assert 'id="subdomain-status" role="status"' in text


def test_the_check_answers_free_taken_reserved_and_malformed(newcomer):
    _taken("olas-kitchen")
    free = newcomer.get("/dashboard/new/address?subdomain=Olas-Corner").get_json()
    assert free == {"subdomain": "olas-corner", "free": True, "address": "olas-corner.flagship.test",
                    "message": "olas-corner.flagship.test is free."}
    taken = newcomer.get("/dashboard/new/address?subdomain=olas-kitchen").get_json()
    assert taken["free"] is False and taken["message"] == "“olas-kitchen” is taken. Pick another."
    assert taken["suggestion"] == "olas-kitchen-shop" and taken["use"] == "Use olas-kitchen-shop"
    reserved = newcomer.get("/dashboard/new/address?subdomain=admin").get_json()
    assert reserved["free"] is False and "reserved" in reserved["message"]
    assert reserved["suggestion"] == "admin-shop"
    malformed = newcomer.get("/dashboard/new/address?subdomain=-ab").get_json()
    assert malformed["free"] is False and "single hyphens" in malformed["message"]
    assert malformed["suggestion"] == ""


def test_the_check_suggests_a_free_address_from_the_name(newcomer):
    _taken("olas-kitchen")
    answer = newcomer.get("/dashboard/new/address", query_string={"name": "Ola's Kitchen"}).get_json()
    assert answer["subdomain"] == "olas-kitchen-shop" and answer["free"] is True
    nothing = newcomer.get("/dashboard/new/address", query_string={"name": "小店"}).get_json()
    assert nothing == {"subdomain": "", "free": False, "message": ""}


def test_the_check_is_for_logged_in_users_only(client, catalog):
    response = client.get("/dashboard/new/address?subdomain=anything")
    assert response.status_code == 302 and "/login" in response.location


def test_opening_a_shop_on_a_taken_address_names_a_free_one(newcomer):
    _taken("olas-kitchen")
    refused = newcomer.post("/dashboard/new", data={"name": "Ola's Kitchen", "subdomain": "olas-kitchen",
                                                    "currency": "USD"})
    assert refused.status_code == 422
    assert "“olas-kitchen” is taken. Pick another, like “olas-kitchen-shop”." in page_text(refused)
    opened = newcomer.post("/dashboard/new", data={"name": "Ola's Kitchen", "subdomain": "olas-kitchen-shop",
                                                   "currency": "USD"})
    assert opened.status_code == 302 and opened.location.endswith("/dashboard/olas-kitchen-shop/")
