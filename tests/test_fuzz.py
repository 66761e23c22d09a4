"""Fuzz every route: random text, bytes and numbers in path arguments, query strings and
form fields must never produce a 500 (a refusal is a 4xx with a message, or a redirect).

The routes come from the app's URL map; each is probed as the user who would use it (a
shopper on a storefront host, the owner in the dashboard, a platform admin, a supplier's
staff, or nobody for the public pages). Form field names come from the route's own page
when it has one. Deterministic (derandomize) and bounded, so it stays well under a minute.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from tests.conftest import PLATFORM, HostClient
from tests.factories import make_order, make_user
from tests.supplier.helpers import member_of

EXAMPLES_PER_ROUTE = 5
SKIP = {"accounts.logout", "static", "favicon", "storefront.asset", "storefront.shared_static",
        "storefront.favicon", "storefront.media"}  # static files: no input reaches the database
FALLBACK_FIELDS = ["title", "email", "name", "quantity", "listing_id", "variant_id", "return_to", "price_rule",
                   "fixed_price", "markup_percent", "q", "supplier_id", "direction", "reason"]
QUERY_KEYS = ["q", "page", "next", "token", "session_id", "placed", "min_price", "max_price",
              "category", "supplier", "status", "v", "kind"]

# What an attacker types: unicode of every kind (NUL and control characters included),
# numbers past every column, exponents, and the strings that broke things before.
numbers = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.integers(-3, 3)).map(str)
nasty = st.one_of(
    numbers,
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    numbers,
    st.sampled_from(["1e20", "1e999999", "-0", "NaN", "Infinity", "0x10", "\x00", "a\x00b", "/\t/evil.example/",
                     "//evil.example", "/\\evil", "\r\n", "../../etc/passwd", "%00", "' OR 1=1 --",
                     "9" * 30, "<script>alert(1)</script>", "\ud7ff\ue000", "☃" * 50]),
)


def _names_on(html: str) -> list[str]:
    return sorted({n for n in re.findall(r'name="([^"{}]+)"', html) if n != "csrf_token"})


@pytest.fixture
def world(app, shop_a, shop_b, catalog, monkeypatch, tmp_path, fake_dns):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))
    monkeypatch.setitem(app.config, "DOMAIN_CHECK_CONNECT", "127.0.0.1:9")  # refused at once
    order = make_order(shop_a)
    known = {
        "shop": ["alpha"], "listing_id": [listing.id for listing in shop_a.listings],
        "product_id": [p.id for p in catalog.products], "order_id": [order.id],
        "supplier_id": [catalog.supplier.id], "number": [order.number], "token": [order.access_token],
        "theme": ["default", "market"], "handle": [shop_a.listings[0].handle],
    }
    return {"order": order, "known": known}


def _client(app, host: str, user=None) -> HostClient:
    client = HostClient(app, host)
    if user is not None:
        from tests.factories import PASSWORD

        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def _probe_routes(app, client: HostClient, rules, known: dict) -> list[str]:
    """Probe each rule with random input; returns the failures (empty when all is well)."""
    failures = [_probe_route(client, rule, known) for rule in rules]
    return [failure for failure in failures if failure]


def _probe_route(client: HostClient, rule, known: dict) -> str | None:
    arguments = sorted(rule.arguments - {"shop_host"} - set(rule.defaults or {}))

    def path_value(name):
        good = st.sampled_from(known[name]).map(str) if name in known else st.nothing()
        if isinstance(rule._converters[name], IntegerConverter):
            return st.one_of(good, st.integers(min_value=0, max_value=2**70).map(str))
        return st.one_of(good, nasty.filter(lambda s: s and "/" not in s and s not in (".", "..")))

    def build(values: dict) -> str:
        path = rule.rule
        for name, value in values.items():
            path = re.sub(r"<(?:[^>:]+:)?" + name + ">", lambda _, v=value: v, path)  # no escapes
        return path

    good_path = build({n: str(known[n][0]) for n in arguments}) if all(n in known for n in arguments) else None
    field_names = []
    if "POST" in rule.methods and good_path and "GET" in rule.methods:
        field_names = _names_on(client.get(good_path).get_data(as_text=True))
    field_names = field_names or FALLBACK_FIELDS
    methods = sorted(rule.methods & {"GET", "POST"})

    @settings(max_examples=EXAMPLES_PER_ROUTE, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def probe(data):
        path = build({n: data.draw(path_value(n), label=n) for n in arguments})
        query = data.draw(st.fixed_dictionaries({}, optional=dict.fromkeys(QUERY_KEYS, nasty)), label="query")
        method = data.draw(st.sampled_from(methods), label="method")
        # Every field of the form gets a value (or is left out), none keeps a valid one.
        form = data.draw(st.fixed_dictionaries({}, optional=dict.fromkeys(field_names, nasty)), label="form") \
            if method == "POST" else None
        response = client.open(path, method=method, query_string=query, data=form)
        assert response.status_code < 500, (rule.endpoint, method, path, query, form)

    try:
        probe()
    except AssertionError as error:
        return str(error)[:600]
    return None


def _rules(app, prefix: str):
    return [r for r in app.url_map.iter_rules()
            if r.endpoint.startswith(prefix) and r.endpoint not in SKIP]


def test_storefront_routes_survive_random_input(app, world, shop_a):
    client = _client(app, f"alpha.{PLATFORM}")
    listing = shop_a.listings[0]
    client.post("/cart/add", data={"listing_id": listing.id, "variant_id": listing.supply_product.variants[0].id})
    assert _probe_routes(app, client, _rules(app, "storefront."), world["known"]) == []


def test_dashboard_routes_survive_random_input(app, world, shop_a):
    client = _client(app, PLATFORM, shop_a.owner)
    assert _probe_routes(app, client, _rules(app, "dashboard."), world["known"]) == []


def test_admin_routes_survive_random_input(app, world):
    client = _client(app, PLATFORM, make_user("fuzz-admin@flagship.example", is_admin=True))
    assert _probe_routes(app, client, _rules(app, "admin."), world["known"]) == []


def test_supplier_and_public_routes_survive_random_input(app, world, catalog):
    client = _client(app, PLATFORM, member_of(catalog.supplier))
    assert _probe_routes(app, client, _rules(app, "supplier."), world["known"]) == []
    anonymous = _client(app, PLATFORM)
    public = [r for prefix in ("accounts.", "platform.", "payments.") for r in _rules(app, prefix)]
    assert _probe_routes(app, anonymous, public, world["known"]) == []
