"""The supplier side of the demo: portal logins, a feed to sync, purchase orders to ship.

Harvest & Home Goods gets an uploaded CSV feed that lists its whole demo catalog, with two
changes a real feed would bring: the coffee beans' wholesale price went up by a fifth
(enough to pause the shops' markup listings of it and ask their owners), and one row is
broken (so the run shows a rejected row with its line and reason). The admin presses
"Sync now" to see it. Older paid orders are routed to their suppliers and shipped with
tracking numbers; the newer ones wait in the suppliers' portal.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import current_app

from app.accounts.services import create_user
from app.catalog.feeds import FeedSettings, save_feed_settings
from app.catalog.models import Supplier, SupplyProduct
from app.catalog.portal_models import SupplierMember
from app.catalog.services import format_options
from app.extensions import db
from app.ledger.models import OrderRelease
from app.money import to_major
from app.orders.fulfilment import Shipment, route_order, ship_lines
from app.orders.fulfilment_models import PurchaseOrder
from app.orders.models import Order

SUPPLIER_PASSWORD = "flagship-demo-supplier"
# supplier name -> the demo login of its shipping desk
SUPPLIER_STAFF = {
    "Northwind Apparel Co.": "shipping@northwind-apparel.example",
    "Harvest & Home Goods": "dispatch@harvest-home.example",
    "云岭茶园": "fahuo@yunling-tea.example",
}
STAFF_LANGUAGE = {"fahuo@yunling-tea.example": "zh"}  # the tea garden's desk works in Chinese
FEED_SUPPLIER = "Harvest & Home Goods"
PRICE_RISE = {"HH-BEV-601": 120}  # product code -> wholesale price in percent of today's
FEED_COLUMNS = ("product_code", "title", "description", "category", "sku", "options",
                "wholesale_price", "min_retail_price", "stock", "image_url")
SHIPPED_AFTER_DAYS = 5  # demo orders older than this have shipped
CARRIERS = ("UPS", "USPS", "FedEx")


class _Upload:
    """Just enough of werkzeug's FileStorage for save_feed_settings."""

    def __init__(self, filename: str, data: bytes):
        self.filename, self.data = filename, data

    def save(self, path) -> None:
        with open(path, "wb") as out:
            out.write(self.data)


def create_supplier_staff(suppliers: list[Supplier]) -> None:
    for supplier in suppliers:
        email = SUPPLIER_STAFF.get(supplier.name)
        if email:
            user = create_user(email, SUPPLIER_PASSWORD, verified=True)
            user.language = STAFF_LANGUAGE.get(email)
            db.session.add(SupplierMember(supplier_id=supplier.id, user_id=user.id))
    db.session.flush()


def create_demo_feed(supplier: Supplier) -> None:
    """An uploaded, full, manual feed of the supplier's catalog (see the module docstring)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FEED_COLUMNS)
    products = db.session.scalars(
        db.select(SupplyProduct).where(SupplyProduct.supplier_id == supplier.id)
        .order_by(SupplyProduct.id))
    for number, product in enumerate(products):
        for index, variant in enumerate(sorted(product.variants, key=lambda v: v.id)):
            first = index == 0
            wholesale = variant.wholesale_price * PRICE_RISE.get(product.code, 100) // 100
            minimum = max(variant.min_retail_price, wholesale)
            writer.writerow([
                product.code, product.title if first else "", product.description if first else "",
                product.category if first else "", variant.sku, format_options(variant.options),
                str(to_major(wholesale, product.currency)), str(to_major(minimum, product.currency)),
                # A typo a supplier's spreadsheet might have: rejected with its line and reason.
                "twelve" if number == 3 and first else variant.stock,
                product.image_url if first else "",
            ])
    upload = _Upload("harvest-home-catalog.csv", out.getvalue().encode())
    save_feed_settings(supplier, FeedSettings(source="upload", format="csv", is_full_feed=True),
                       upload=upload)


def route_and_ship(order: Order, age_days: float) -> None:
    """Route a demo order to its suppliers; an old enough paid one has shipped."""
    for po in route_order(order):
        po.created_at = order.placed_at
    if order.status != "paid" or age_days < SHIPPED_AFTER_DAYS:
        return
    for n, po in enumerate(db.session.scalars(
            db.select(PurchaseOrder).where(PurchaseOrder.order_id == order.id))):
        carrier = CARRIERS[(order.id + n) % len(CARRIERS)]
        tracking = f"{carrier[:2].upper()}{order.number[3:]}{n + 1:02d}"
        ship_lines(po.supplier_id, [Shipment(line, carrier, tracking) for line in po.lines])
    # Shipped the day after it was placed, so the oldest orders' money is available by now.
    shipped = order.placed_at + timedelta(days=1)
    order.shipped_at = shipped
    for po in db.session.scalars(db.select(PurchaseOrder).where(PurchaseOrder.order_id == order.id)):
        po.shipped_at = shipped
        for line in po.lines:
            line.shipped_at = shipped
    release = db.session.get(OrderRelease, order.id)
    if release is not None:
        release.shipped_at = shipped
        release.available_at = shipped + timedelta(days=current_app.config["LEDGER_HOLD_DAYS"])
    db.session.flush()
