"""The sync's set-based writer on PostgreSQL: a batch's checked products and variants go in
with COPY, a few statements per batch instead of one per row.

New products get their ids from the sequence in one statement and are COPYed straight into
supply_products, their variants straight into supply_variants (the rows were checked
already, and SKUs owned by another product were rejected: nothing can conflict). Changed
products and variants are COPYed into temporary staging tables and applied with one
UPDATE ... FROM each. Everything runs in the session's transaction, so a batch still
commits (or rolls back) as one. The supply catalog has no shop_id and no row-level
security; the staging tables are the connection's own (TEMPORARY needs no grant beyond
PostgreSQL's default).
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from sqlalchemy import text

from app.extensions import db

PRODUCT_INSERT = ("id", "supplier_id", "code", "title", "description", "category", "image_url", "currency",
                  "status", "content_hash", "created_at", "updated_at")
VARIANT_INSERT = ("product_id", "supplier_id", "sku", "options", "wholesale_price", "min_retail_price", "stock")

# ON COMMIT DELETE ROWS empties them at each batch commit; the explicit DELETE after use also
# covers a caller that only releases a savepoint (the tests' transactions).
STAGING = {
    "sync_product_updates": "id integer, title text, description text, category text, image_url text, "
                            "content_hash text",
    "sync_variant_updates": "id integer, options text, wholesale_price integer, min_retail_price integer, "
                            "stock integer",
}
APPLY = {
    "sync_product_updates": """
        UPDATE supply_products AS p
        SET title = s.title, description = s.description, category = s.category, image_url = s.image_url,
            status = 'active', content_hash = s.content_hash, updated_at = :now
        FROM sync_product_updates AS s WHERE p.id = s.id""",
    "sync_variant_updates": """
        UPDATE supply_variants AS v
        SET options = s.options::json, wholesale_price = s.wholesale_price,
            min_retail_price = s.min_retail_price, stock = s.stock
        FROM sync_variant_updates AS s WHERE v.id = s.id""",
}


def _driver_connection():
    """The psycopg connection under the session's, in the session's transaction."""
    return db.session.connection().connection.driver_connection


def _copy(table: str, columns: tuple[str, ...], rows) -> None:
    with _driver_connection().cursor() as cursor, \
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _options(options: dict) -> str:
    return _options_json(tuple(options.items()))


@lru_cache(maxsize=8192)  # (a feed repeats its few option sets row after row)
def _options_json(items: tuple[tuple[str, str], ...]) -> str:
    return json.dumps(dict(items))  # as SQLAlchemy's JSON type writes it


def new_ids(count: int) -> list[int]:
    return list(db.session.execute(text(
        "SELECT nextval(pg_get_serial_sequence('supply_products', 'id')) FROM generate_series(1, :n)"
    ), {"n": count}).scalars())


def insert_products(products: list[dict]) -> dict[str, int]:
    """COPY new products in; code -> new id."""
    ids = new_ids(len(products))
    _copy("supply_products", PRODUCT_INSERT, (
        (product_id, p["supplier_id"], p["code"], p["title"], p["description"], p["category"], p["image_url"],
         p["currency"], p["status"], p["content_hash"], p["created_at"], p["updated_at"])
        for product_id, p in zip(ids, products, strict=True)))
    return {p["code"]: product_id for product_id, p in zip(ids, products, strict=True)}


def insert_variants(variants: list[dict]) -> None:
    _copy("supply_variants", VARIANT_INSERT, (
        (v["product_id"], v["supplier_id"], v["sku"], _options(v["options"]), v["wholesale_price"],
         v["min_retail_price"], v["stock"]) for v in variants))


def _apply(table: str, columns: tuple[str, ...], rows, now: datetime) -> None:
    db.session.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} ({STAGING[table]}) "
                            "ON COMMIT DELETE ROWS"))
    _copy(table, columns, rows)
    db.session.execute(text(APPLY[table]), {"now": now})
    db.session.execute(text(f"DELETE FROM {table}"))


def update_products(updates: list[dict], now: datetime) -> None:
    _apply("sync_product_updates", ("id", "title", "description", "category", "image_url", "content_hash"),
           ((u["b_id"], u["title"], u["description"], u["category"], u["image_url"], u["content_hash"])
            for u in updates), now)


def update_variants(updates: list[dict], now: datetime) -> None:
    _apply("sync_variant_updates", ("id", "options", "wholesale_price", "min_retail_price", "stock"),
           ((u["b_id"], _options(u["options"]), u["wholesale_price"], u["min_retail_price"], u["stock"])
            for u in updates), now)


def sku_owners(supplier_id: int, skus: list[str]) -> dict[str, tuple[int, int, str]]:
    """sku -> (variant id, product id, product code), in one statement (an array, not a list
    of bound parameters)."""
    if not skus:
        return {}
    rows = db.session.execute(text(
        "SELECT v.sku, v.id, v.product_id, p.code FROM supply_variants AS v "
        "JOIN supply_products AS p ON p.id = v.product_id "
        "WHERE v.supplier_id = :supplier AND v.sku = ANY(:skus)"), {"supplier": supplier_id, "skus": skus})
    return {sku: (variant_id, product_id, code) for sku, variant_id, product_id, code in rows}


def known_hashes(supplier_id: int) -> dict[str, str]:
    """code -> content_hash of the supplier's active products, fetched by the driver (100,000s
    of rows: the ORM's row processing would cost more than the query)."""
    with _driver_connection().cursor() as cursor:
        cursor.execute("SELECT code, content_hash FROM supply_products WHERE supplier_id = %s AND status = 'active'",
                       (supplier_id,))
        return dict(cursor.fetchall())


def active_products(supplier_id: int) -> list[tuple[str, int]]:
    """(code, id) of the supplier's active products, fetched by the driver."""
    with _driver_connection().cursor() as cursor:
        cursor.execute("SELECT code, id FROM supply_products WHERE supplier_id = %s AND status = 'active'",
                       (supplier_id,))
        return cursor.fetchall()


def existing_products(supplier_id: int, codes: list[str]) -> dict[str, tuple[int, str, str]]:
    """code -> (id, content_hash, status) of the supplier's products with these codes."""
    if not codes:
        return {}
    rows = db.session.execute(text(
        "SELECT code, id, content_hash, status FROM supply_products "
        "WHERE supplier_id = :supplier AND code = ANY(:codes)"), {"supplier": supplier_id, "codes": codes})
    return {code: (product_id, digest, status) for code, product_id, digest, status in rows}
