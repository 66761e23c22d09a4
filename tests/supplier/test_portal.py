"""The supplier portal: isolation between suppliers, shipping by form and by CSV upload."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.catalog.portal_models import SupplierMember
from app.extensions import db
from app.notifications.models import OutboundEmail
from app.orders.models import Order
from app.tenancy import unscoped
from tests.factories import make_user
from tests.supplier.helpers import member_of, purchase_order, routed, split_order


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def world(shop_a, catalog):
    split = split_order(shop_a, catalog)
    pos = routed(split)
    return split, pos


def _order(order_id):
    with unscoped():
        return db.session.scalar(select(Order).where(Order.id == order_id)
                                 .execution_options(populate_existing=True))


def test_portal_is_404_for_non_members_and_asks_anonymous_to_log_in(client, login, world):
    assert client.get("/supplier/").status_code == 302
    login(make_user())
    assert client.get("/supplier/").status_code == 404


def test_member_sees_own_purchase_orders_with_address_only(client, login, world):
    split, pos = world
    login(member_of(split.supplier_a))
    page = text(client.get("/supplier/"))
    assert f"{split.number}-1" in page and f"{split.number}-2" not in page
    assert "Springfield" in page and "Ada Shopper" in page
    assert "ada@example.com" not in page
    detail = client.get(f"/supplier/purchase-orders/{pos[split.supplier_a.id]}")
    assert detail.status_code == 200 and "ada@example.com" not in text(detail)


def test_every_portal_url_with_another_suppliers_ids_is_404(client, login, world):
    split, pos = world
    login(member_of(split.supplier_a))
    other = pos[split.supplier_b.id]
    assert client.get(f"/supplier/purchase-orders/{other}").status_code == 404
    response = client.post(f"/supplier/purchase-orders/{other}",
                           data={"carrier": "UPS", "tracking_number": "1Z", "line_id": "1"})
    assert response.status_code == 404
    assert client.post("/supplier/switch", data={"supplier_id": split.supplier_b.id}).status_code == 404
    csv_text = text(client.get("/supplier/purchase-orders.csv"))
    assert f"{split.number}-2" not in csv_text and f"{split.number}-1" in csv_text
    upload = client.post("/supplier/shipments/upload", data={"file": (io.BytesIO(
        f"po_number,sku,carrier,tracking_number\n{split.number}-2,MUG-{split.supplier_b.id},UPS,1Z\n".encode()),
        "ship.csv")}, content_type="multipart/form-data")
    assert upload.status_code == 422 and f"No purchase order {split.number}-2" in text(upload)
    assert purchase_order(other).lines[0].shipped_at is None


def test_switcher_for_members_of_two_suppliers(client, login, world):
    split, _ = world
    user = member_of(split.supplier_a)
    db.session.add(SupplierMember(supplier_id=split.supplier_b.id, user_id=user.id))
    login(user)
    assert "Switch" in text(client.get("/supplier/"))
    assert client.post("/supplier/switch", data={"supplier_id": split.supplier_a.id}).status_code == 302
    assert f"{split.number}-1" in text(client.get("/supplier/"))
    assert client.post("/supplier/switch", data={"supplier_id": split.supplier_b.id}).status_code == 302
    page = text(client.get("/supplier/"))
    assert f"{split.number}-2" in page and f"{split.number}-1" not in page


def test_status_filter_and_open_first(client, login, world):
    split, _ = world
    login(member_of(split.supplier_a))
    assert f"{split.number}-1" in text(client.get("/supplier/?status=open"))
    assert f"{split.number}-1" not in text(client.get("/supplier/?status=shipped"))


def test_csv_export_has_one_row_per_open_line(client, login, world):
    split, _ = world
    login(member_of(split.supplier_a))
    response = client.get("/supplier/purchase-orders.csv")
    rows = text(response).strip().splitlines()
    assert response.mimetype == "text/csv"
    assert rows[0].startswith("po_number,created,sku,title,variant,quantity,ship_name")
    assert len(rows) == 3 and all(row.startswith(f"{split.number}-1,") for row in rows[1:])


def test_mark_all_lines_shipped_by_form_and_order_ships(client, login, world):
    split, pos = world
    po_a, po_b = pos[split.supplier_a.id], pos[split.supplier_b.id]
    login(member_of(split.supplier_a))
    line_ids = [str(line.id) for line in purchase_order(po_a).lines]
    missing = client.post(f"/supplier/purchase-orders/{po_a}", data={"carrier": "UPS", "line_id": line_ids})
    assert missing.status_code == 422 and purchase_order(po_a).lines[0].shipped_at is None
    response = client.post(f"/supplier/purchase-orders/{po_a}",
                           data={"carrier": "UPS", "tracking_number": "1ZAAA", "line_id": line_ids})
    assert response.status_code == 302
    assert purchase_order(po_a).status == "shipped"
    assert _order(split.order_id).fulfilment_status == "partly_shipped"

    client.post("/logout")
    login(member_of(split.supplier_b))
    [line] = purchase_order(po_b).lines
    response = client.post(f"/supplier/purchase-orders/{po_b}",
                           data={"carrier": "DHL", "tracking_number": "JD777", "line_id": [str(line.id)]})
    assert response.status_code == 302, text(response)[-2000:]
    order = _order(split.order_id)
    assert order.fulfilment_status == "shipped"
    with unscoped():
        [email] = db.session.scalars(select(OutboundEmail).where(
            OutboundEmail.dedupe_key == f"shipping-confirmation:{split.order_id}"))
    assert "1ZAAA" in email.body_text and "JD777" in email.body_text


def test_mark_one_line_shipped(client, login, world):
    split, pos = world
    po_a = pos[split.supplier_a.id]
    login(member_of(split.supplier_a))
    first, second = purchase_order(po_a).lines
    client.post(f"/supplier/purchase-orders/{po_a}",
                data={"carrier": "UPS", "tracking_number": "1Z1", "line_id": [str(first.id)]})
    first, second = purchase_order(po_a).lines
    assert first.tracking_number == "1Z1" and second.shipped_at is None
    assert purchase_order(po_a).status == "open"


def test_csv_upload_reports_every_bad_row_and_writes_nothing(client, login, world):
    split, pos = world
    po_a = pos[split.supplier_a.id]
    login(member_of(split.supplier_a))
    tee, snack = purchase_order(po_a).lines
    n = split.number
    body = (f"po_number,sku,carrier,tracking_number\n"
            f"{n}-1,{tee.sku},UPS,1Z1\n"
            f"{n}-1,NOPE,UPS,1Z2\n"
            f"{n}-9,{snack.sku},UPS,1Z3\n"
            f"{n}-1,{snack.sku},UPS,\n")
    response = client.post("/supplier/shipments/upload", data={"file": (io.BytesIO(body.encode()), "s.csv")},
                           content_type="multipart/form-data")
    page = text(response)
    assert response.status_code == 422
    assert "No line with SKU NOPE" in page and f"No purchase order {n}-9" in page
    assert "Enter the tracking number" in page
    for line_no in ("<td class=\"num\">3</td>", "<td class=\"num\">4</td>", "<td class=\"num\">5</td>"):
        assert line_no in page
    assert all(line.shipped_at is None for line in purchase_order(po_a).lines)


def test_csv_upload_marks_lines_shipped(client, login, world):
    split, pos = world
    po_a = pos[split.supplier_a.id]
    login(member_of(split.supplier_a))
    tee, snack = purchase_order(po_a).lines
    body = (f"po_number,sku,carrier,tracking_number\n{split.number}-1,{tee.sku},UPS,1Z1\n"
            f"{split.number.lower()}-1,{snack.sku},UPS,1Z2\n")
    response = client.post("/supplier/shipments/upload", data={"file": (io.BytesIO(body.encode()), "s.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    po = purchase_order(po_a)
    assert po.status == "shipped" and [line.tracking_number for line in po.lines] == ["1Z1", "1Z2"]


def test_csv_upload_missing_columns(client, login, world):
    split, _ = world
    login(member_of(split.supplier_a))
    response = client.post("/supplier/shipments/upload",
                           data={"file": (io.BytesIO(b"po,sku\n"), "s.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "The file lacks the columns po_number, carrier" in text(response)


def test_shipper_sees_tracking_on_the_order_status_page(client, login, world, storefront, shop_a):
    split, pos = world
    po_a, po_b = pos[split.supplier_a.id], pos[split.supplier_b.id]
    user_a = member_of(split.supplier_a)
    with unscoped():
        token = db.session.scalar(select(Order.access_token).where(Order.id == split.order_id))
    login(user_a)
    client.post(f"/supplier/purchase-orders/{po_a}", data={
        "carrier": "UPS", "tracking_number": "1ZTRACK",
        "line_id": [str(line.id) for line in purchase_order(po_a).lines]})
    page = text(storefront(shop_a.shop).get(f"/orders/{split.number}/{token}"))
    assert "1ZTRACK" in page
    assert po_b


def test_a_line_id_that_is_not_a_number_is_refused_not_a_500(client, login, world):
    split, pos = world
    po_a = pos[split.supplier_a.id]
    login(member_of(split.supplier_a))
    response = client.post(f"/supplier/purchase-orders/{po_a}",
                           data={"carrier": "UPS", "tracking_number": "1Z", "line_id": ["abc"]})
    assert response.status_code == 422
    assert "Tick the lines to mark shipped" in text(response)
    assert [line.shipped_at for line in purchase_order(po_a).lines] == [None, None]


def _statements_of(app, call) -> int:
    from sqlalchemy import event

    count = 0

    def counter(*args):
        nonlocal count
        count += 1

    engine = db.engines[None]
    event.listen(engine, "before_cursor_execute", counter)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count


def test_a_csv_upload_reads_its_purchase_orders_in_a_bounded_number_of_queries(app, world):
    """Issue finding: one query per row (5,000 rows allowed). Rows that all fail cost the
    same number of statements however many there are."""
    from app.supplier.services import ShipmentUploadError, ship_from_csv
    from app.tenancy import use_supplier

    split, pos = world
    tee, snack = purchase_order(pos[split.supplier_a.id]).lines

    def upload(rows: int):
        body = "po_number,sku,carrier,tracking_number\n" + "".join(
            f"{split.number}-1,{tee.sku if n % 2 else 'NOPE'},UPS,\n" for n in range(rows))
        db.session.expire_all()
        with use_supplier(split.supplier_a.id), pytest.raises(ShipmentUploadError) as refused:
            ship_from_csv(split.supplier_a.id, body.encode())
        assert len(refused.value.problems) == rows

    few = _statements_of(app, lambda: upload(4))
    many = _statements_of(app, lambda: upload(400))
    assert few == many and few <= 4


def test_supplier_staff_land_in_their_portal_and_the_header_links_it(client, world):
    """Issue finding: supplier staff who logged in landed on "Open a new shop"."""
    from tests.factories import PASSWORD

    split, _pos = world
    member = member_of(split.supplier_a, "staff@supplier.example")
    response = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 302
    landed = client.get(response.location)
    assert landed.status_code == 302 and landed.location.endswith("/supplier/")
    page = text(client.get("/supplier/"))
    # Named in full for everyone; a phone shows the short name ("Supplier") so the bar fits.
    assert ('href="/supplier/" aria-current="page" aria-label="Supplier portal">'
            '<span class="nav-long">Supplier portal</span><span class="nav-short">Supplier</span></a>') in page


def test_the_list_is_open_first_then_newest_in_pages_not_counted(app, shop_a, catalog):
    """Finding (issue 15): the portal sorted and counted every purchase order of the
    supplier on each page, and loading a page's lines read them all again (a supplier's
    purchase orders span every shop, so no (shop_id, id) key serves it). On PostgreSQL the
    list is now one range of the supplier's queue index, and a page's purchase orders are
    found by (supplier_id, id); pages say "Page 2", not "of" a count."""
    from datetime import timedelta

    from sqlalchemy import event

    from app.db_types import utcnow
    from app.orders.fulfilment import route_order, supplier_purchase_orders
    from app.orders.fulfilment_models import PurchaseOrder
    from app.tenancy import use_shop, use_supplier
    from tests.factories import make_order

    snack = shop_a.listings[1]
    made = []
    with use_shop(shop_a.shop.id):
        for _ in range(5):
            order = make_order(shop_a, {snack: (snack.supply_product.variants[0], 1)})
            route_order(order)
            made.append(db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == order.id)))
        start = utcnow() - timedelta(days=1)
        for hours, po in enumerate(made):  # made[4] newest; made[1] and made[3] shipped
            po.created_at = start + timedelta(hours=hours)
            po.status = "shipped" if hours in (1, 3) else "open"
        db.session.flush()
    expected = [made[4].id, made[2].id, made[0].id, made[3].id, made[1].id]
    seen = []
    capture = lambda conn, cursor, statement, params, context, many: seen.append((statement, params))  # noqa: E731
    with use_supplier(catalog.supplier.id):
        listed = []
        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            for number in (1, 2, 3):
                page = supplier_purchase_orders(catalog.supplier.id, page=number, per_page=2)
                listed += [po.id for po in page.items]
                assert page.pages is None and page.has_next == (number < 3)
                assert all(po.lines for po in page.items)
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
        assert listed == expected
        assert not [s for s, _ in seen if "count(" in s.lower()]
        if db.engine.dialect.name != "postgresql":
            return
        connection = db.session.connection()
        # (A table of five rows is read whole by any plan: ask whether the indexes can answer.)
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")

        def plan(statement, params) -> str:
            return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, params))

        [(listing, params)] = [(s, p) for s, p in seen[:2] if "ORDER BY (status <> 'open')" in s]
        assert "Index Scan using ix_purchase_orders_supplier_queue" in plan(listing, params)
        assert "Sort" not in plan(listing, params).replace("Sort Key", "")
        [(lines, params)] = [(s, p) for s, p in seen[:2] if "FROM purchase_orders AS purchase_orders_1 JOIN" in s]
        assert "using ix_purchase_orders_supplier_id_id on purchase_orders purchase_orders_1" in plan(lines, params)
