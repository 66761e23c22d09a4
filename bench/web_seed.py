"""The web benchmark's database: the measured shops through the app's own services, the
bulk around them with PostgreSQL COPY.

Measured shops (identical at every scale, so a page can be compared across databases):
  mia      the demo's 13-listing boutique (`load_demo`, as `flask demo` makes it)
  hundred  a 100-listing boutique: 100 products of its own supplier, five collections, a
           homepage of seven sections (services, as the owner's dashboard would)
  busy     the dashboard's shop: 100 listings and 5 % of all orders (50,000 at full scale)
Bulk (COPY, not through the app; `--scale` multiplies it, full = 1.0):
  10,000 shops with an owner each, 1,000 suppliers, 100,000 supply products with two
  variants each, 100 listings per shop (1,000,000), 1,000,000 orders with 1-2 lines each.

A seeded database records its scale in `bench.seed` (a schema of its own, apart from the
app's); the next run at that scale reuses it and only runs `flask db upgrade`.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB_PREFIX = "flagship_bench_web"  # the only databases this harness creates or drops
APP_ROLE = "flagship_bench_app"  # owns nothing, no BYPASSRLS: row-level security applies as in production
SECRET_KEY = "flagship-bench-web-not-a-secret"  # web, release and seeding derive one RLS scope key from it
SERVER_NAME = "bench.test"  # the platform host; storefronts are SHOP.bench.test (sent as the Host header)
PASSWORD = "flagship-bench-password"

SCALES = {"full": 1.0, "small": 0.01, "empty": 0.0}  # empty: the measured shops only
FULL = {"shops": 10_000, "suppliers": 1_000, "products": 100_000, "orders": 1_000_000}
LISTINGS_PER_SHOP = 100
BUSY_SHARE = 0.05  # of all orders: 50,000 at full scale
DEMO_IMAGES = sorted(p.stem for p in (ROOT / "app" / "static" / "demo").glob("*.svg"))
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # app/orders/services.py's, so numbers look real
CHUNK = 1 << 20


def database_name(scale: str) -> str:
    return f"{DB_PREFIX}_{scale}"


def urls(server: str, database: str) -> tuple[str, str]:
    """(owner URL, app-role URL). The owner is the server's superuser (trust auth)."""
    return f"postgresql://postgres@{server}/{database}", f"postgresql://{APP_ROLE}@{server}/{database}"


def app_env(server: str, database: str, workdir: Path) -> dict:
    """Environment of every app process (release, web): production settings."""
    owner, app = urls(server, database)
    return {**os.environ, "FLAGSHIP_ENV": "production", "SECRET_KEY": SECRET_KEY, "DATABASE_URL": app,
            "MIGRATION_DATABASE_URL": owner, "SERVER_NAME": SERVER_NAME, "MEDIA_ROOT": str(workdir / "media"),
            "FEEDS_DIR": str(workdir / "feeds")}


def ensure_database(server: str, database: str, reseed: bool) -> None:
    import psycopg

    assert database.startswith(DB_PREFIX), database
    with psycopg.connect(f"postgresql://postgres@{server}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone():
            conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if exists and reseed:
            conn.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')


def seeded(owner_url: str, scale: str) -> dict | None:
    import psycopg

    with psycopg.connect(owner_url) as conn:
        if conn.execute("SELECT to_regclass('bench.seed')").fetchone()[0] is None:
            return None
        row = conn.execute("SELECT counts FROM bench.seed WHERE scale = %s", (scale,)).fetchone()
        return row[0] if row else None


def migrate(env: dict) -> None:
    """The Procfile's release step."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"flask db upgrade failed:\n{done.stdout}{done.stderr}")


def prepare(server: str, scale: str, workdir: Path, reseed: bool = False, log=print) -> str:
    """Create, migrate and (unless already done at this scale) seed the database; its name."""
    database = database_name(scale)
    owner_url, _ = urls(server, database)
    env = app_env(server, database, workdir)
    ensure_database(server, database, reseed)
    if not reseed and seeded(owner_url, scale) is None:
        # Created but never finished (an interrupted seed): start again from empty.
        with_rows = _has_rows(owner_url)
        if with_rows:
            log(f"{database}: an unfinished seed; dropping it and starting again")
            ensure_database(server, database, reseed=True)
    migrate(env)
    counts = seeded(owner_url, scale)
    if counts is not None and "purchase orders" not in counts:  # seeded before they were
        log(f"{database}: seeded without purchase orders; seeding it again")
        ensure_database(server, database, reseed=True)
        migrate(env)
        counts = None
    if counts is not None:
        log(f"{database}: seeded already ({_describe(counts)}); migrations applied")
        return database
    started = time.perf_counter()
    measured = seed_measured(env, workdir)
    log(f"{database}: measured shops through the services in {time.perf_counter() - started:.0f} s")
    counts = seed_bulk(owner_url, SCALES[scale], measured, log)
    with _connect(owner_url) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS bench")
        conn.execute("CREATE TABLE IF NOT EXISTS bench.seed (scale text PRIMARY KEY, seeded_at timestamptz, "
                     "seconds float, counts jsonb)")
        conn.execute("INSERT INTO bench.seed VALUES (%s, now(), %s, %s)",
                     (scale, time.perf_counter() - started, json.dumps(counts)))
    log(f"{database}: seeded in {time.perf_counter() - started:.0f} s ({_describe(counts)})")
    return database


def _describe(counts: dict) -> str:
    return ", ".join(f"{v:,} {k}" for k, v in counts.items())


def _has_rows(owner_url: str) -> bool:
    import psycopg

    with psycopg.connect(owner_url) as conn:
        if conn.execute("SELECT to_regclass('public.shops')").fetchone()[0] is None:
            return False
        return conn.execute("SELECT EXISTS (SELECT 1 FROM shops)").fetchone()[0]


def _connect(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


# --- measured shops, through the app's services --------------------------------------------

HUNDRED_COLLECTIONS = ("New this week", "Wardrobe staples", "Beauty bag", "Home edit", "Gifts under $40")


def seed_measured(env: dict, workdir: Path) -> dict:
    """The demo (mia), the 100-listing shop and the busy shop's owner and shop, through the
    services as the app's role (row-level security on). Returns their ids."""
    from app import create_app
    from app.config import normalise_database_url

    workdir.mkdir(parents=True, exist_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(env["DATABASE_URL"]),
                      "MIGRATION_DATABASE_URI": normalise_database_url(env["MIGRATION_DATABASE_URL"]),
                      "SECRET_KEY": SECRET_KEY, "SERVER_NAME": SERVER_NAME, "REDIS_URL": "", "JOBS_INLINE": True,
                      "RATELIMIT_STORAGE_URI": "memory://", "MEDIA_ROOT": env["MEDIA_ROOT"],
                      "FEEDS_DIR": env["FEEDS_DIR"]})
    from app.demo import load_demo
    from app.extensions import db

    with app.app_context():
        load_demo()
        db.session.commit()
        ids = {"hundred": _hundred_shop(), "busy": _busy_shop()}
        db.session.commit()
        db.engine.dispose()
    return ids


def _hundred_shop() -> int:
    from app.accounts.services import create_user
    from app.catalog.models import Supplier, SupplyProduct, SupplyVariant
    from app.extensions import db
    from app.shops import theme_services
    from app.shops.pricing import PriceRule
    from app.shops.services import add_listing, create_collection, create_shop, update_collection
    from app.tenancy import unscoped, use_shop

    with unscoped():
        supplier = Supplier(name="Bench Atelier", contact_name="Ada Bench", contact_email="ada@bench.example",
                            contact_phone="+1 555 0100 900", currency="USD", status="active")
        db.session.add(supplier)
        db.session.flush()
        products = []
        for n in range(100):
            image = DEMO_IMAGES[n % len(DEMO_IMAGES)]
            product = SupplyProduct(supplier_id=supplier.id, code=f"ATL-{n:03d}",
                                    title=f"{image.replace('-', ' ').title()} No. {n + 1}",
                                    description="Made in small batches from natural materials; "
                                                "every piece is checked by hand before it ships.",
                                    category=("apparel", "beauty", "home", "snacks")[n % 4],
                                    image_url=f"/static/demo/{image}.svg", currency="USD", status="active")
            for size, extra in (("S", 0), ("M", 200)):
                wholesale = 900 + (n * 37) % 3000 + extra
                product.variants.append(SupplyVariant(supplier_id=supplier.id, sku=f"ATL-{n:03d}-{size}",
                                                      options={"size": size}, wholesale_price=wholesale,
                                                      min_retail_price=wholesale * 13 // 10, stock=25 + n % 40))
            db.session.add(product)
            products.append(product)
        db.session.flush()
        owner = create_user("hundred@bench.example", PASSWORD, verified=True)
        shop = create_shop(owner, name="Atelier Hundred", subdomain="hundred", currency="USD",
                           bio="A hundred things I own, use and recommend, from one small atelier.")
    with use_shop(shop.id):
        listings = [add_listing(shop, product.id, rule=PriceRule("markup", markup_basis_points=6000),
                                recommendation="I have used this every week for a year: it has earned its place.")
                    for product in products]
        handles = []
        for i, title in enumerate(HUNDRED_COLLECTIONS):
            collection = create_collection(title, f"{title}: picked by hand.")
            update_collection(collection, title=title, description=collection.description,
                              listing_ids=[item.id for item in listings[i * 20:(i + 1) * 20]])
            handles.append(collection.handle)
        theme = theme_services.theme_package("boutique")
        theme_services.save_draft_settings("boutique", theme.defaults() | {"announcement": "Free shipping over $50"})
        theme_services.config_for_edit("boutique").draft_sections = []
        for section_type, settings in (
                ("hero", {"heading": "The hundred", "button_label": "Shop now", "button_collection": handles[0]}),
                ("featured_collection", {"collection": handles[0], "limit": 4}),
                ("collection_list", {"heading": "Shop by edit"}),
                ("featured_collection", {"collection": handles[1], "limit": 8}),
                ("testimonials", {"heading": "Said about us", "quote_1": "Everything arrived beautifully packed.",
                                  "author_1": "Kim, Oslo"}),
                ("product_grid", {"heading": "Everything"}),
                ("newsletter", {"heading": "New things first", "button_label": "Join"})):
            section = theme_services.add_section("boutique", section_type)
            defaults = theme.sections[section_type].defaults()
            theme_services.save_section_settings("boutique", section["key"], defaults | settings)
        theme_services.publish_theme(shop, "boutique")
    return shop.id


def _busy_shop() -> int:
    """The shop whose dashboard is measured; its listings and orders are bulk (COPY)."""
    from app.accounts.services import create_user
    from app.shops.services import create_shop
    from app.tenancy import unscoped

    with unscoped():
        owner = create_user("busy@bench.example", PASSWORD, verified=True)
        return create_shop(owner, name="Busy Corner", subdomain="busy", currency="USD",
                           bio="Everything for everyone, shipped fast.").id


# --- bulk, with COPY ------------------------------------------------------------------------

def seed_bulk(owner_url: str, factor: float, measured: dict, log) -> dict:
    """COPY the bulk rows in (as the superuser: FK triggers off while loading, since the rows
    are generated consistent), then VACUUM ANALYZE. Ids continue after the measured shops'."""
    shops = int(FULL["shops"] * factor)
    if shops == 0:
        return {"shops": _count(owner_url, "shops"), "listings": _count(owner_url, "listings"),
                "orders": _count(owner_url, "orders"), "purchase orders": _count(owner_url, "purchase_orders")}
    n = {"shops": shops, "suppliers": max(1, int(FULL["suppliers"] * factor)),
         "products": int(FULL["products"] * factor), "orders": int(FULL["orders"] * factor)}
    started = time.perf_counter()
    with _connect(owner_url) as conn, tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        base = {t: conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {t}").fetchone()[0]
                for t in ("users", "shops", "shop_memberships", "suppliers", "supply_products", "supply_variants",
                          "listings", "orders", "order_lines")}
        gen = _Generator(n, base, measured["busy"], Path(tmp))
        files = gen.write_all()
        log(f"  generated the rows in {time.perf_counter() - started:.0f} s")
        conn.execute("SET session_replication_role = replica")  # no FK checks per row
        conn.execute("SET synchronous_commit = off")
        for table, columns in COPY_COLUMNS.items():
            t0 = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy, \
                    open(files[table], "rb") as source:
                while chunk := source.read(CHUNK):
                    copy.write(chunk)
            log(f"  COPY {table}: {time.perf_counter() - t0:.0f} s")
        t0 = time.perf_counter()
        _purchase_orders(conn)
        log(f"  purchase orders of the paid orders: {time.perf_counter() - t0:.0f} s")
        conn.execute("SET session_replication_role = DEFAULT")
        for table in ("users", "shops", "shop_memberships", "suppliers", "supply_products", "supply_variants",
                      "listings", "orders", "order_lines"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        _supplier_account(conn)
        t0 = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        log(f"  VACUUM ANALYZE: {time.perf_counter() - t0:.0f} s")
    return {"shops": _count(owner_url, "shops"), "supply products": _count(owner_url, "supply_products"),
            "listings": _count(owner_url, "listings"), "orders": _count(owner_url, "orders"),
            "busy orders": gen.busy_orders, "purchase orders": _count(owner_url, "purchase_orders")}


SUPPLIER_EMAIL = "supplier@bench.example"  # staff of the supplier with the most purchase orders


def _purchase_orders(conn) -> None:
    """What routing makes of the bulk orders once paid (app/orders/fulfilment.py): one
    purchase order per supplier of each paid order, and its lines, shipped where the order is."""
    conn.execute("""
        INSERT INTO purchase_orders (shop_id, order_id, supplier_id, number, status, ship_name, ship_phone,
                                     ship_line1, ship_line2, ship_city, ship_region, ship_postcode, ship_country,
                                     created_at, shipped_at)
        SELECT o.shop_id, o.id, s.supplier_id, o.number || '-' || s.n,
               CASE WHEN o.fulfilment_status = 'shipped' THEN 'shipped' ELSE 'open' END, o.customer_name,
               o.customer_phone, o.ship_line1, o.ship_line2, o.ship_city, o.ship_region, o.ship_postcode,
               o.ship_country, o.paid_at, o.shipped_at
        FROM orders o
        JOIN LATERAL (SELECT supplier_id, row_number() OVER (ORDER BY supplier_id) AS n
                      FROM (SELECT DISTINCT supplier_id FROM order_lines l
                            WHERE l.shop_id = o.shop_id AND l.order_id = o.id) d) s ON true
        WHERE o.status = 'paid' AND o.number LIKE 'BW-%'""")
    conn.execute("""
        INSERT INTO purchase_order_lines (shop_id, purchase_order_id, order_line_id, sku, title, variant_label,
                                          quantity, unit_cost, currency, carrier, tracking_number, shipped_at)
        SELECT l.shop_id, po.id, l.id, l.sku, l.title, l.variant_label, l.quantity, l.unit_cost, l.currency,
               CASE WHEN po.shipped_at IS NULL THEN '' ELSE 'Bench Post' END,
               CASE WHEN po.shipped_at IS NULL THEN '' ELSE 'BP' || l.id END, po.shipped_at
        FROM purchase_orders po
        JOIN order_lines l ON l.shop_id = po.shop_id AND l.order_id = po.order_id AND l.supplier_id = po.supplier_id
        WHERE po.number LIKE 'BW-%'""")


def _supplier_account(conn) -> None:
    """A portal account for the supplier with the most purchase orders (the busy shop's
    products come from seven suppliers), with the busy owner's password."""
    conn.execute("""
        INSERT INTO users (email, password_hash, is_admin, created_at, session_version, email_verified_at)
        SELECT %s, password_hash, false, created_at, session_version, email_verified_at
        FROM users WHERE email = 'busy@bench.example'""", (SUPPLIER_EMAIL,))
    conn.execute("""
        INSERT INTO supplier_members (supplier_id, user_id, created_at)
        SELECT (SELECT supplier_id FROM purchase_orders GROUP BY supplier_id ORDER BY count(*) DESC, supplier_id
                LIMIT 1), id, now()
        FROM users WHERE email = %s""", (SUPPLIER_EMAIL,))


def _count(owner_url: str, table: str) -> int:
    with _connect(owner_url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


COPY_COLUMNS = {
    "users": ("id", "email", "password_hash", "is_admin", "created_at", "session_version", "email_verified_at"),
    "shops": ("id", "name", "subdomain", "currency", "bio", "theme", "status", "suspended_reason", "created_at"),
    "shop_memberships": ("id", "shop_id", "user_id", "role", "created_at"),
    "suppliers": ("id", "name", "contact_name", "contact_email", "contact_phone", "currency", "status",
                  "created_at"),
    "supply_products": ("id", "supplier_id", "code", "title", "description", "category", "image_url", "currency",
                        "status", "created_at", "updated_at", "content_hash"),
    "supply_variants": ("id", "product_id", "supplier_id", "sku", "options", "wholesale_price", "min_retail_price",
                        "stock"),
    "listings": ("id", "supply_product_id", "handle", "title", "recommendation", "price_rule",
                 "markup_basis_points", "is_visible", "position", "created_at", "updated_at", "shop_id", "status",
                 "pause_reason", "approved_prices"),
    "orders": ("id", "number", "access_token", "status", "payment_method", "currency", "subtotal",
               "shipping_total", "total", "customer_name", "customer_email", "customer_phone", "ship_line1",
               "ship_line2", "ship_city", "ship_region", "ship_postcode", "ship_country", "placed_at", "paid_at",
               "cancelled_at", "shop_id", "fulfilment_status", "shipped_at"),
    "order_lines": ("id", "order_id", "listing_id", "supply_variant_id", "supplier_id", "title", "variant_label",
                    "sku", "image_url", "currency", "unit_price", "unit_cost", "quantity", "shop_id"),
    "order_numbers": ("number", "shop_id", "order_id"),
}
CATEGORIES = ("apparel", "snacks", "beauty", "home", "fresh", "electronics", "other")
FIRST = ("Ava", "Ben", "Chloe", "Dan", "Eva", "Finn", "Grace", "Hugo", "Iris", "Jon", "Kira", "Liam")
LAST = ("Ng", "Smith", "Garcia", "Kowalski", "Okafor", "Rossi", "Tanaka", "Muller", "Silva", "Haddad")


class _Generator:
    """Writes each table's rows as COPY text files. Shop 0 is the busy shop (created by the
    services); every id is derived, so orders find their listings' variants and prices."""

    def __init__(self, n: dict, base: dict, busy_id: int, tmp: Path):
        self.n, self.base, self.tmp = n, base, tmp
        self.shop_ids = [busy_id] + [base["shops"] + i for i in range(n["shops"] - 1)]
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.stamp = self.now.isoformat()
        self.busy_orders = 0

    def write_all(self) -> dict[str, Path]:
        return {table: self._write(table, getattr(self, f"_{table}")()) for table in
                ("users", "shops", "shop_memberships", "suppliers", "supply_products", "supply_variants",
                 "listings")} | self._orders()

    def _write(self, table: str, rows) -> Path:
        path = self.tmp / f"{table}.tsv"
        with path.open("w", encoding="utf-8") as out:
            buffer = []
            for row in rows:
                buffer.append(row)
                if len(buffer) >= 10_000:
                    out.write("".join(buffer))
                    buffer.clear()
            out.write("".join(buffer))
        return path

    # bulk shops: index 1.. (index 0, the busy shop, exists already with its owner)
    def _users(self):
        from argon2 import PasswordHasher

        hashed = PasswordHasher().hash(PASSWORD)  # one hash for all: hashing 10,000 would take minutes
        for i in range(1, self.n["shops"]):
            yield (f"{self.base['users'] + i - 1}\towner{i}@bulk.bench.example\t{hashed}\tf\t{self.stamp}\t1\t"
                   f"{self.stamp}\n")

    def _shops(self):
        for i in range(1, self.n["shops"]):
            yield (f"{self.shop_ids[i]}\tBulk shop {i}\tbulk{i}\tUSD\tA shop among many.\tdefault\tactive\t\t"
                   f"{self.stamp}\n")

    def _shop_memberships(self):
        for i in range(1, self.n["shops"]):
            yield (f"{self.base['shop_memberships'] + i - 1}\t{self.shop_ids[i]}\t{self.base['users'] + i - 1}\t"
                   f"owner\t{self.stamp}\n")

    def _suppliers(self):
        for s in range(self.n["suppliers"]):
            yield (f"{self.base['suppliers'] + s}\tBulk supplier {s}\tContact {s}\tsupplier{s}@bulk.bench.example\t"
                   f"+1 555 0100 {s % 1000:03d}\tUSD\tactive\t{self.stamp}\n")

    def supplier_of(self, p: int) -> int:
        return self.base["suppliers"] + p * self.n["suppliers"] // self.n["products"]

    @staticmethod
    def wholesale(p: int, v: int) -> int:
        return 300 + (p * 37) % 4700 + v * 150

    def _supply_products(self):
        for p in range(self.n["products"]):
            category = CATEGORIES[p % len(CATEGORIES)]
            image = DEMO_IMAGES[p % len(DEMO_IMAGES)]
            yield (f"{self.base['supply_products'] + p}\t{self.supplier_of(p)}\tBULK-{p:06d}\t"
                   f"{image.replace('-', ' ').title()} {p}\tA sturdy, well-made product number {p}, in {category}.\t"
                   f"{category}\t/static/demo/{image}.svg\tUSD\tactive\t{self.stamp}\t{self.stamp}\t\n")

    def _supply_variants(self):
        for p in range(self.n["products"]):
            for v, size in enumerate(("S", "M")):
                w = self.wholesale(p, v)
                yield (f"{self.base['supply_variants'] + 2 * p + v}\t{self.base['supply_products'] + p}\t"
                       f"{self.supplier_of(p)}\tBULK-{p:06d}-{size}\t{{\"size\": \"{size}\"}}\t{w}\t{w * 13 // 10}\t"
                       f"{(p * 7 + v) % 200}\n")

    def product_of(self, shop: int, k: int) -> int:
        """The k-th listing's product: 100 distinct products per shop."""
        return (shop * 7919 + k * 7) % self.n["products"]

    def listing_id(self, shop: int, k: int) -> int:
        return self.base["listings"] + shop * LISTINGS_PER_SHOP + k

    def _listings(self):
        for shop in range(self.n["shops"]):
            for k in range(LISTINGS_PER_SHOP):
                p = self.product_of(shop, k)
                yield (f"{self.listing_id(shop, k)}\t{self.base['supply_products'] + p}\tproduct-{p}\t"
                       f"Product {p}\tWhy I picked it.\tmarkup\t5000\tt\t{k + 1}\t{self.stamp}\t{self.stamp}\t"
                       f"{self.shop_ids[shop]}\tactive\t\t{{}}\n")

    def _orders(self) -> dict[str, Path]:
        rng = random.Random(15)
        orders_path, lines_path, numbers_path = (self.tmp / f"{t}.tsv" for t in ("orders", "order_lines",
                                                                               "order_numbers"))
        line_id = self.base["order_lines"]
        with orders_path.open("w") as orders, lines_path.open("w") as lines, numbers_path.open("w") as numbers:
            o_buf, l_buf, n_buf = [], [], []
            for i in range(self.n["orders"]):
                order_id = self.base["orders"] + i
                shop = 0 if rng.random() < BUSY_SHARE or self.n["shops"] == 1 else rng.randrange(1, self.n["shops"])
                self.busy_orders += shop == 0
                shop_id = self.shop_ids[shop]
                number = "BW-" + _encode(order_id)
                subtotal = 0
                for k in rng.sample(range(LISTINGS_PER_SHOP), 1 + (rng.random() < 0.5)):
                    p, v = self.product_of(shop, k), rng.randrange(2)
                    cost = self.wholesale(p, v)
                    price, quantity = cost * 3 // 2, 1 + (rng.random() < 0.2)
                    subtotal += price * quantity
                    l_buf.append(f"{line_id}\t{order_id}\t{self.listing_id(shop, k)}\t"
                                 f"{self.base['supply_variants'] + 2 * p + v}\t{self.supplier_of(p)}\tProduct {p}\t"
                                 f"{'SM'[v]}\tBULK-{p:06d}-{'SM'[v]}\t/static/demo/{DEMO_IMAGES[p % len(DEMO_IMAGES)]}"
                                 f".svg\tUSD\t{price}\t{cost}\t{quantity}\t{shop_id}\n")
                    line_id += 1
                placed = self.now - timedelta(seconds=rng.randrange(365 * 86400))
                roll = rng.random()
                status = "paid" if roll < 0.6 else "pending" if roll < 0.85 else "cancelled"
                paid = (placed + timedelta(hours=1)).isoformat() if status == "paid" else "\\N"
                cancelled = (placed + timedelta(hours=5)).isoformat() if status == "cancelled" else "\\N"
                shipped = status == "paid" and placed < self.now - timedelta(days=3)
                name = f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}"
                o_buf.append(f"{order_id}\t{number}\t{order_id:032x}\t{status}\tcod\tUSD\t{subtotal}\t0\t{subtotal}\t"
                             f"{name}\tshopper{i}@example.com\t+1 555 0100 {i % 1000:03d}\t{i % 500} Main Street\t\t"
                             f"Springfield\tIL\t62701\tUS\t{placed.isoformat()}\t{paid}\t{cancelled}\t{shop_id}\t"
                             f"{'shipped' if shipped else 'unfulfilled'}\t"
                             f"{(placed + timedelta(days=2)).isoformat() if shipped else chr(92) + 'N'}\n")
                n_buf.append(f"{number}\t{shop_id}\t{order_id}\n")
                if len(o_buf) >= 10_000:
                    for out, buf in ((orders, o_buf), (lines, l_buf), (numbers, n_buf)):
                        out.write("".join(buf))
                        buf.clear()
            for out, buf in ((orders, o_buf), (lines, l_buf), (numbers, n_buf)):
                out.write("".join(buf))
        return {"orders": orders_path, "order_lines": lines_path, "order_numbers": numbers_path}


def _encode(number: int) -> str:
    digits = []
    for _ in range(8):
        number, digit = divmod(number, len(NUMBER_ALPHABET))
        digits.append(NUMBER_ALPHABET[digit])
    return "".join(reversed(digits))
