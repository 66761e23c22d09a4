"""The stack's floor for a rendered storefront page (issue 15): what Flask, Flask-SQLAlchemy
and Jinja cost for the least such a page does, with none of Flagship's code.

Served like the hello-world baseline (`gunicorn -c gunicorn.conf.py bench.floor_app:app`,
the same environment: DATABASE_URL is the app's role on the benchmark's database) and
measured in the same run, so "rendered pages >= 0.35x hello-world" can be read against
what any page of this stack reaches:

- `/statements/<n>`: a Flask-SQLAlchemy session per request (the engine's pre-ping, as the
  app's), one round trip that sets a transaction-local setting (the app sets its tenancy
  scope so), then `n` statements on the shared catalog through SQLAlchemy Core (the
  cheapest way the stack has: no ORM objects), the session closed at the request's end;
- `/template`: a page of 24 product cards (about the size of a shop's home) rendered by
  Jinja, autoescaped, with `url_for` links, from rows kept in memory;
- `/page/<n>`: both, the statements' rows rendered;
- `/orm-page/<n>`: the same through the ORM (the stack's idiom, and the app's): the 24
  products as mapped objects with their variants (`selectinload`), then single rows as
  objects, rendered by the same template.

Nothing here is tuned beyond what the stack gives; nothing of the app's (tenancy, i18n,
themes, sessions, security headers) is included: those are the app's own cost above this.
"""

from __future__ import annotations

import os

from flask import Flask, abort, render_template
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

app = Flask(__name__, template_folder="floor_templates")
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "sqlite://").replace(
    "postgresql://", "postgresql+psycopg://", 1)
app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
db = SQLAlchemy(app)
CARDS = 24

PRODUCTS = text("SELECT id, title, category, image_url, supplier_id FROM supply_products "
                "WHERE id >= :start ORDER BY id LIMIT :cards")
VARIANTS = text("SELECT id, product_id, sku, min_retail_price, stock FROM supply_variants "
                "WHERE product_id IN :ids ORDER BY product_id, id").bindparams(bindparam("ids", expanding=True))
SUPPLIER = text("SELECT id, name FROM suppliers WHERE id = :id")
ONE_PRODUCT = text("SELECT id, title, description FROM supply_products WHERE id = :id")
# The round trip the app's tenancy scope makes before a request's first statement.
SETTING = text("SELECT set_config('flagship.floor', '1', true)")


def read(n: int, start: int = 1) -> list[dict]:
    """`n` statements (after the setting's round trip): the products, their variants, then
    single rows by key, as a page's shop, collection or cart lines are read. A card shows
    its product's lowest price (as `Product.price` below)."""
    db.session.execute(SETTING)
    products = [dict(row._mapping) for row in db.session.execute(PRODUCTS, {"start": start, "cards": CARDS})]
    if n >= 2:
        prices: dict[int, int] = {}
        for row in db.session.execute(VARIANTS, {"ids": [p["id"] for p in products] or [0]}):
            prices[row.product_id] = min(prices.get(row.product_id, row.min_retail_price), row.min_retail_price)
        for p in products:
            p["price"] = prices.get(p["id"], 0)
    for k in range(max(0, n - 2)):
        one = products[k % len(products)] if products else {"id": 0, "supplier_id": 0}
        if k % 2 == 0:
            db.session.execute(SUPPLIER, {"id": one["supplier_id"]}).first()
        else:
            db.session.execute(ONE_PRODUCT, {"id": one["id"]}).first()
    return products


class Supplier(db.Model):  # the floor's own mapping of the shared catalog: the columns it reads
    __tablename__ = "suppliers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Variant(db.Model):
    __tablename__ = "supply_variants"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int]
    sku: Mapped[str]
    min_retail_price: Mapped[int]
    stock: Mapped[int]


class Product(db.Model):
    __tablename__ = "supply_products"
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int]
    title: Mapped[str]
    description: Mapped[str]
    category: Mapped[str]
    image_url: Mapped[str]
    variants: Mapped[list[Variant]] = relationship(
        primaryjoin="Product.id == foreign(Variant.product_id)", order_by="Variant.id", lazy="raise")

    @property
    def price(self) -> int:
        return min((v.min_retail_price for v in self.variants), default=0)


def read_objects(n: int, start: int = 1) -> list[Product]:
    """`read` through the ORM: the products and their variants as objects (two statements),
    then single rows as objects."""
    db.session.execute(SETTING)
    products = list(db.session.scalars(select(Product).where(Product.id >= start).order_by(Product.id)
                                       .limit(CARDS).options(selectinload(Product.variants))))
    for k in range(max(0, n - 2)):
        if not products:
            break
        one = products[k % len(products)]
        if k % 2 == 0:
            db.session.scalars(select(Supplier).where(Supplier.id == one.supplier_id)).first()
        else:
            db.session.scalars(select(Product).where(Product.id == one.id)).first()
    return products


# The template-only row renders the same kind of rows, made once.
KEPT = [{"id": i, "title": f"Organic cotton tee no. {i}", "category": "apparel", "supplier_id": 1,
         "image_url": f"https://cdn.example/products/{i}.jpg", "price": 1_900 + 100 * i} for i in range(1, CARDS + 1)]


def money(minor: int) -> str:
    return f"${minor / 100:,.2f}"


app.jinja_env.filters["money"] = money


@app.get("/statements/<int:n>")
def statements(n: int):
    if not 1 <= n <= 20:
        abort(404)
    return {"products": len(read(n))}


@app.get("/template")
def template():
    return render_template("floor_page.html", products=KEPT)


@app.get("/page/<int:n>")
def page(n: int):
    if not 2 <= n <= 20:
        abort(404)
    return render_template("floor_page.html", products=read(n))


@app.get("/orm-page/<int:n>")
def orm_page(n: int):
    if not 2 <= n <= 20:
        abort(404)
    return render_template("floor_page.html", products=read_objects(n))


@app.get("/products/<int:product_id>")
def product(product_id: int):  # the cards' links (url_for needs an endpoint); never measured
    return str(product_id)
