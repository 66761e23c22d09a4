"""Admin: creating and editing suppliers."""

from __future__ import annotations

from sqlalchemy import func, select

from app.catalog.models import Supplier
from app.extensions import db
from tests.admin.conftest import page_text
from tests.factories import make_product, make_supplier

FORM = {"name": "Harbour Knitwear", "contact_name": "Ines Moreau", "contact_email": "ines@harbour.example",
        "contact_phone": "+44 20 7946 0000", "currency": "GBP", "status": "active"}


def supplier_named(name):
    db.session.expire_all()
    return db.session.scalar(select(Supplier).where(Supplier.name == name))


def test_create_supplier(admin):
    assert admin.get("/admin/suppliers/new").status_code == 200
    response = admin.post("/admin/suppliers/new", data=FORM)
    assert response.status_code == 302
    supplier = supplier_named("Harbour Knitwear")
    assert (supplier.currency, supplier.status, supplier.contact_email) == ("GBP", "active", "ines@harbour.example")
    assert response.location.endswith(f"/admin/suppliers/{supplier.id}")
    detail = page_text(admin.get(response.location))
    assert "Harbour Knitwear" in detail and "Add product" in detail and "Import CSV" in detail


def test_duplicate_name_is_refused_next_to_the_field(admin):
    make_supplier("Harbour Knitwear")
    response = admin.post("/admin/suppliers/new", data=FORM | {"name": "harbour knitwear"})
    assert response.status_code == 422
    assert "already exists" in page_text(response) and "has-error" in page_text(response)
    assert db.session.scalar(select(func.count(Supplier.id)).where(
        func.lower(Supplier.name) == "harbour knitwear")) == 1


def test_bad_email_and_unknown_currency_are_shown(admin):
    response = admin.post("/admin/suppliers/new", data=FORM | {"contact_email": "nope"})
    assert response.status_code == 422 and supplier_named("Harbour Knitwear") is None
    response = admin.post("/admin/suppliers/new", data=FORM | {"currency": "XXX"})
    assert response.status_code == 422 and "listed currencies" in page_text(response)
    assert supplier_named("Harbour Knitwear") is None


def test_edit_supplier(admin):
    supplier = make_supplier("Old Name", status="pending")
    assert "Old Name" in page_text(admin.get(f"/admin/suppliers/{supplier.id}/edit"))
    response = admin.post(f"/admin/suppliers/{supplier.id}/edit",
                          data=FORM | {"name": "New Name", "currency": "USD", "status": "suspended"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (supplier.name, supplier.status) == ("New Name", "suspended")


def test_edit_to_a_taken_name_is_refused(admin):
    make_supplier("Taken")
    supplier = make_supplier("Mine")
    response = admin.post(f"/admin/suppliers/{supplier.id}/edit", data=FORM | {"name": "Taken", "currency": "USD"})
    assert response.status_code == 422 and "already exists" in page_text(response)
    db.session.expire_all()
    assert supplier.name == "Mine"


def test_currency_is_fixed_once_there_are_products(admin):
    supplier = make_supplier("Mine", currency="USD")
    make_product(supplier)
    response = admin.post(f"/admin/suppliers/{supplier.id}/edit", data=FORM | {"name": "Mine", "currency": "EUR"})
    assert response.status_code == 422 and "currency stays USD" in page_text(response)
    db.session.expire_all()
    assert supplier.currency == "USD"


def test_supplier_list_shows_status_and_product_counts(admin):
    supplier = make_supplier("Counted", status="pending")
    make_product(supplier)
    make_product(supplier)
    page = page_text(admin.get("/admin/suppliers"))
    assert "Counted" in page and "badge-pending" in page
    row = page[page.index("Counted"):]
    assert '<td class="num">2</td>' in row[:600]


def test_unknown_supplier_is_404(admin):
    assert admin.get("/admin/suppliers/999999").status_code == 404
    assert admin.get("/admin/suppliers/999999/edit").status_code == 404


def test_the_supplier_and_feed_lists_come_in_pages_and_search(admin, monkeypatch):
    """A platform may have thousands of suppliers: both lists show a page at a time, by name,
    each row's products and feed read for that page only, and find a supplier by its name,
    contact or e-mail."""
    import re

    from app.catalog import services as catalog

    monkeypatch.setattr(catalog, "SUPPLIERS_PER_PAGE", 2)
    for name in ("Delta Dairy", "Alpha Apiary", "Charlie Cheese", "Bravo Bakery", "Echo Eggs"):
        make_product(make_supplier(name))
    make_supplier("Foxtrot Farm").contact_email = "hello@foxtrot.example"
    db.session.flush()

    def names(path: str) -> list[str]:
        return re.findall(r'<td><a href="/admin/suppliers/\d+">([^<]+)</a></td>', admin.get(path).get_data(as_text=True))

    for path in ("/admin/suppliers", "/admin/feeds"):
        assert names(path) == ["Alpha Apiary", "Bravo Bakery"]
        assert names(path + "?page=2") == ["Charlie Cheese", "Delta Dairy"]
        assert names(path + "?page=3") == ["Echo Eggs", "Foxtrot Farm"]
        assert "Page 2 of 3" in page_text(admin.get(path + "?page=2"))
        assert names(path + "?q=cheese") == ["Charlie Cheese"]
        assert names(path + "?q=FOXTROT.example") == ["Foxtrot Farm"]  # the contact e-mail
        assert names(path + "?q=%25") == []  # a wildcard is a plain character
        assert "No supplier matches “Zulu”." in page_text(admin.get(path + "?q=Zulu"))
    row = page_text(admin.get("/admin/suppliers?q=echo"))
    assert '<td class="num">1</td>' in row[row.index("Echo Eggs"):][:600]
