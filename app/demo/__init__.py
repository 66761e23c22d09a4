"""Demo data: suppliers, a supply catalog, three creator shops with orders, and logins.

`flask --app wsgi demo [--if-empty]` calls `load_demo` and commits, then `print_logins`.
Everything goes through the real services (so the demo obeys the same rules as users do);
the supply catalog is written directly, as a supplier feed would. Only flushes: the
caller owns the transaction.
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from sqlalchemy import select

from app.accounts.services import create_user, find_user_by_email
from app.catalog.models import Supplier, SupplyProduct, SupplyVariant
from app.db_types import utcnow
from app.deals import services as deals
from app.deals import weekly
from app.errors import DomainError
from app.extensions import db
from app.money import to_major
from app.orders.cart import build_cart, line_key
from app.orders.discounts import save_discount_code
from app.orders.fulfilment import Shipment, route_order, ship_lines
from app.orders.services import CustomerDetails, cancel_order, mark_paid, place_order
from app.orders.shipping import save_shipping_zone
from app.referrals import services as referrals
from app.referrals.models import ReferralBinding
from app.shops.hosts import storefront_host
from app.shops.models import Shop
from app.shops.pages import save_page
from app.shops.pickup import save_pickup_point
from app.shops.pricing import PriceRule, cost_of, floor_of
from app.shops.services import (
    add_listing,
    create_collection,
    create_shop,
    shop_listings,
    slugify,
    update_collection,
)
from app.tenancy import unscoped, use_shop

from .analytics import seed_visit_history
from .catalog import SUPPLIERS
from .photos import PHOTO_LISTING, PHOTO_SHOP, add_demo_photos
from .shops import SHOPS
from .suppliers import (
    FEED_SUPPLIER,
    SUPPLIER_PASSWORD,
    SUPPLIER_STAFF,
    create_demo_feed,
    create_supplier_staff,
    route_and_ship,
)
from .themes import apply_demo_theme

ADMIN_EMAIL = "admin@flagship.example"
ADMIN_PASSWORD = "flagship-demo-admin"
OWNER_PASSWORD = "flagship-demo"
IMAGE_URL = "/static/demo/{}.svg"


def load_demo(if_empty: bool = False) -> bool:
    """Create the demo data; True if it did.

    Does nothing (False) when the demo is already loaded, or, with `if_empty`, when the
    database holds any supplier at all. Raises DomainError if a demo login or subdomain is
    taken by real data.
    """
    with unscoped():
        if if_empty and db.session.scalar(select(Supplier.id).limit(1)) is not None:
            return False
        if db.session.scalar(select(Supplier.id).where(Supplier.name == SUPPLIERS[0]["name"])):
            return False
        _refuse_conflicts()
        create_user(ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True, verified=True)
        products, suppliers = {}, []
        for spec in SUPPLIERS:
            supplier, supplier_products = _create_supplier(spec)
            suppliers.append(supplier)
            products.update(supplier_products)
        create_supplier_staff(suppliers)
        create_demo_feed(next(s for s in suppliers if s.name == FEED_SUPPLIER))
        shops = [(spec, create_shop(create_user(spec["owner"], OWNER_PASSWORD, verified=True), name=spec["name"],
                                    subdomain=spec["subdomain"], currency=spec.get("currency", "USD"),
                                    bio=spec["bio"]))
                 for spec in SHOPS]
        for spec, shop in shops:  # the Chinese shop and its owner speak Chinese
            shop.language = spec.get("language", "en")
            shop.timezone = spec.get("timezone", shop.timezone)
            find_user_by_email(spec["owner"]).language = spec.get("language")
    for spec, shop in shops:
        with use_shop(shop.id):
            _fill_shop(shop, spec, products)
            if spec["subdomain"] == REFERRAL_SHOP:
                _open_referrals(shop)
            if spec["subdomain"] == DISCOUNT_SHOP:  # after its orders: they keep their totals
                _offer_discounts_and_shipping(shop)
            if spec["subdomain"] == GROUP_BUY_SHOP:
                _open_group_buy(shop)
                _open_presale(shop)
                _open_pickup_point(shop)
                weekly.save_weekly_deal(title="This week’s neighbourhood box", deadline_weekday=3,
                                        deadline_time="20:00", handout_weekday=5,
                                        listing_ids=[item.id for item in shop_listings(visible_only=True)
                                                     if deals.deal_of_listing(item.id) is None
                                                     and deals.presale_of_listing(item.id) is None][:6])
                save_page(shop, "returns", MAPLE_RETURNS)
            seed_visit_history(shop)  # after its orders: their sales are counted, not made up
    return True


# A community food group's own returns page (the other pages keep the platform's defaults).
MAPLE_RETURNS = """\
## Fresh food
Something spoiled, broken or missing from your box? Tell us **the same day** you pick it up or it arrives, with a photo if you can: we refund it or put a new one in next week's box, whichever you prefer.

## Everything else
Unopened pantry goods and home basics can go back within 14 days of delivery:
- write to us through the contact page with your order number;
- we reply with the supplier's return address within two working days;
- once it arrives there, we refund you.

## Refunds
- **paid by card:** back to the same card, within 5 working days;
- **paid on delivery or at the pickup point:** in cash, at the next handout.

Questions? Catch Maple at the Saturday handout in the lobby, or use the contact page.
"""


GROUP_BUY_SHOP = "maple"
GROUP_MEMBERS = (("Priya Natarajan", "priya@example.com"), ("Tom Becker", "tom.becker@example.com"))


def _open_group_buy(shop: Shop) -> None:
    """A group buy on the shop's first listing that leaves room under its price, with one
    group of three that two neighbours have joined (so the demo shows a group to join)."""
    for listing in shop_listings(visible_only=True):
        rule, prices = PriceRule.of(listing), {}
        for variant in listing.supply_product.variants:
            floor = max(cost_of(variant, shop.currency), floor_of(variant, shop.currency))
            if floor >= rule.price_for(variant, shop.currency):
                break
            prices[variant.id] = str(to_major(floor, shop.currency))
        else:
            deal = deals.save_group_buy(listing, prices=prices, group_size=3, time_limit_hours=48,
                                        max_open_groups=3)
            variant = next(v for v in listing.supply_product.variants if v.stock > 2)
            token = None
            for name, email in GROUP_MEMBERS:
                customer = CustomerDetails(name=name, email=email, phone="+1 555 0100 410",
                                           line1="12 Maple Street", line2="", city="Burlington",
                                           region="VT", postcode="05401", country="US")
                _order, round_ = deals.join(shop, deal, token, variant.id, 1, customer)
                token = round_.token
            return


def _open_presale(shop: Shop) -> None:
    """A pre-sale on a listing without a group buy: made to order once 30 are ordered within
    twelve days, with two neighbours' pre-orders so far (5 of 30)."""
    listing = next(item for item in shop_listings(visible_only=True) if deals.deal_of_listing(item.id) is None)
    rule = PriceRule.of(listing)
    # An early-bird price: 10% off, never under the supplier's floor.
    currency = shop.currency
    prices = {v.id: str(to_major(max(rule.price_for(v, currency) * 9 // 10, cost_of(v, currency),
                                     floor_of(v, currency)), currency))
              for v in listing.supply_product.variants}
    now = utcnow()
    deal, _run = deals.open_presale(listing, prices=prices, minimum=30,
                                    closes_at=(now + timedelta(days=12)).strftime("%Y-%m-%dT18:00"),
                                    ships_by=(now + timedelta(days=35)).strftime("%Y-%m-%d"))
    variant = listing.supply_product.variants[0]
    for (name, email), quantity in zip(GROUP_MEMBERS, (2, 3), strict=True):
        customer = CustomerDetails(name=name, email=email, phone="+1 555 0100 410", line1="12 Maple Street",
                                   line2="", city="Burlington", region="VT", postcode="05401", country="US")
        deals.join(shop, deal, None, variant.id, quantity, customer)


PICKUP_POINT = {"name": "Maple Street lobby", "line1": "12 Maple Street", "city": "Burlington",
                "postcode": "05401", "country": "US", "hours": "Mon-Fri 17:00-20:00, Sat 10:00-12:00",
                "contact_name": "Rosa Alvarez", "contact_phone": "+1 555 0100 417", "fee_per_order": "0.30"}


def _open_pickup_point(shop: Shop) -> None:
    """The building's lobby, where neighbours collect their orders: one has arrived and
    waits there, one is on its way."""
    point, _token = save_pickup_point(None, **PICKUP_POINT)
    listing = next(item for item in shop_listings(visible_only=True)
                   if deals.deal_of_listing(item.id) is None and deals.presale_of_listing(item.id) is None)
    variant = next(v for v in listing.supply_product.variants if v.stock > 2)
    for n, (name, email) in enumerate((("Sam Okafor", "sam.okafor@example.com"),
                                       ("Lena Fischer", "lena.fischer@example.com"))):
        customer = CustomerDetails(name=name, email=email, phone="+1 555 0100 418", line1="", line2="", city="",
                                   region="", postcode="", country="US")
        order = place_order(shop, build_cart({line_key(listing.id, variant.id): 1}, shop.currency), customer,
                            pickup_point=point)
        for po in route_order(order):
            if n == 0:  # sent to the lobby already
                ship_lines(po.supplier_id, [Shipment(line, "Local van", f"LV-{order.number[3:]}") for line in po.lines])


REFERRAL_SHOP = "mia"
FANS = (("Grace Liu", "grace.liu@example.com", 20, "nadia"), ("Omar Haddad", "omar.haddad@example.com", 16, "nadia"),
        ("Ines Costa", "ines.costa@example.com", 1, "leo"))


def _open_referrals(shop: Shop) -> None:
    """Mia's fans recommend her closet: a programme at 10% (3% to a recruiter), Nadia with
    her own link and Leo whom she brought in, and three fans' orders: two through Nadia's link,
    delivered weeks ago (their commissions earned), and one through Leo's placed yesterday
    (pending, for Leo and, one level up, for Nadia)."""
    referrals.save_programme(shop, is_open=True, invite_only=False, level1_bp=1000, level2_bp=300,
                             binding_days=30)
    nadia, _ = referrals.join(shop, name="Nadia Karim", email="nadia.karim@example.com", by_owner=True)
    leo, _ = referrals.join(shop, name="Leo Park", email="leo.park@example.com", recruited_by=nadia.code,
                            by_owner=True)
    nadia.clicks, leo.clicks = 48, 12
    listing = next(item for item in shop_listings(visible_only=True) if item.supply_product.variants[0].stock > 5)
    variant = listing.supply_product.variants[0]
    now = utcnow()
    for name, email, days_ago, promoter in FANS:
        db.session.add(ReferralBinding(email=email, promoter_id=(nadia if promoter == "nadia" else leo).id, bound_at=now - timedelta(days=days_ago + 1),
                                       expires_at=now + timedelta(days=29 - days_ago)))
        db.session.flush()
        order = place_order(shop, build_cart({line_key(listing.id, variant.id): 1}, shop.currency),
                            CustomerDetails(name=name, email=email, phone="+1 555 0100 520", line1="5 Harbour Road",
                                            line2="", city="Portland", region="ME", postcode="04101", country="US"))
        order.placed_at = now - timedelta(days=days_ago)
        mark_paid(order)
        order.paid_at = order.placed_at + timedelta(hours=2)
        route_and_ship(order, days_ago)
        for commission in referrals.commissions_of(order.id):
            commission.created_at = order.placed_at
        referrals.settle_order(order, now)


DISCOUNT_SHOP = "nora"


def _offer_discounts_and_shipping(shop: Shop) -> None:
    """A welcome code for readers (10% off, once per shopper), a Sunday-letter code, and
    shipping by zone: home (free from $50), Europe, and the rest of the world."""
    save_discount_code(None, shop, text="READER10", kind="percent", value="10", once_per_shopper=True)
    save_discount_code(None, shop, text="SUNDAY5", kind="amount", value="5", min_order="40", max_uses="200")
    save_shipping_zone(None, shop, name="Home", countries=["US"], rate="4.90", free_over="50")
    save_shipping_zone(None, shop, name="Europe", countries=["GB", "IE", "DE", "FR", "ES", "IT", "NL"], rate="9")
    save_shipping_zone(None, shop, name="Rest of the world", countries=[], rest_of_world=True, rate="14")


def _refuse_conflicts() -> None:
    for email in [ADMIN_EMAIL, *SUPPLIER_STAFF.values()] + [spec["owner"] for spec in SHOPS]:
        if find_user_by_email(email) is not None:
            raise DomainError(f"Cannot load the demo: the user {email} already exists.")
    for spec in SHOPS:
        if db.session.scalar(select(Shop.id).where(Shop.subdomain == spec["subdomain"])):
            raise DomainError(f"Cannot load the demo: the subdomain {spec['subdomain']} is taken.")


def _create_supplier(spec: dict) -> tuple[Supplier, dict[str, SupplyProduct]]:
    """A supplier and its products, keyed by image name (the demo's product key)."""
    supplier = Supplier(name=spec["name"], contact_name=spec["contact_name"],
                        contact_email=spec["contact_email"], contact_phone=spec["contact_phone"],
                        currency=spec.get("currency", "USD"), language=spec.get("language", "en"),
                        status="active")
    db.session.add(supplier)
    db.session.flush()
    products = {}
    for code, title, category, image, description, variants in spec["products"]:
        product = SupplyProduct(supplier_id=supplier.id, code=code, title=title,
                                description=description, category=category,
                                image_url=IMAGE_URL.format(image), currency=supplier.currency,
                                status="active")
        for number, (options, wholesale, min_retail, stock) in enumerate(variants, start=1):
            slugs = [slugify(str(value)).upper() for value in options.values()]
            # SKUs stay ASCII (a supplier's system): Chinese option values number the variants instead.
            sku = "-".join([code] + slugs) if all(slug.isascii() for slug in slugs) else f"{code}-{number}"
            product.variants.append(SupplyVariant(
                supplier_id=supplier.id, sku=sku, options=options, wholesale_price=wholesale,
                min_retail_price=min_retail, stock=stock,
            ))
        db.session.add(product)
        products[spec.get("key_prefix", "") + image] = product
    db.session.flush()
    return supplier, products


def _fill_shop(shop: Shop, spec: dict, products: dict[str, SupplyProduct]) -> None:
    """Listings, collections and orders of one shop; runs inside its tenancy scope."""
    listings = {}
    for key, title, recommendation, rule in spec["listings"]:
        kind, amount = rule or spec["default_rule"]
        price_rule = PriceRule("markup", markup_basis_points=amount) if kind == "markup" \
            else PriceRule("fixed", fixed_price=amount)
        listings[key] = add_listing(shop, products[key].id, rule=price_rule, title=title,
                                    recommendation=recommendation)
        if (spec["subdomain"], key) == (PHOTO_SHOP, PHOTO_LISTING):
            add_demo_photos(listings[key])
    for title, description, keys in spec["collections"]:
        collection = create_collection(title, description)
        update_collection(collection, title=title, description=description,
                          listing_ids=[listings[key].id for key in keys])
    now = utcnow()
    for order_spec in spec["orders"]:
        raw = {}
        for key, variant_index, quantity in order_spec["lines"]:
            variant = products[key].variants[variant_index]
            raw[line_key(listings[key].id, variant.id)] = quantity
        order = place_order(shop, build_cart(raw, shop.currency), order_spec["customer"])
        order.placed_at = now - timedelta(days=order_spec["days_ago"])
        handled_at = min(order.placed_at + timedelta(hours=20), now)
        if order_spec["status"] == "paid":
            mark_paid(order)
            order.paid_at = handled_at
        elif order_spec["status"] == "cancelled":
            cancel_order(order)
            order.cancelled_at = handled_at
        route_and_ship(order, order_spec["days_ago"])
    apply_demo_theme(shop)
    db.session.flush()


def print_logins() -> None:
    """Print where to go and how to log in, for whichever demo accounts exist."""
    config = current_app.config
    scheme = config.get("PREFERRED_URL_SCHEME", "http")
    platform = f"{scheme}://{config['SERVER_NAME']}"
    with unscoped():
        admin = find_user_by_email(ADMIN_EMAIL)
        shops = [(spec, db.session.scalar(select(Shop).where(Shop.subdomain == spec["subdomain"])))
                 for spec in SHOPS if find_user_by_email(spec["owner"]) is not None]
    rule = "=" * 64
    lines = [rule, "Flagship demo", rule, f"Platform:     {platform}/"]
    if admin is None and not shops:
        lines.append("The demo data is not loaded (the database already had data).")
    if admin is not None:
        lines += ["", f"Admin:        {ADMIN_EMAIL} / {ADMIN_PASSWORD}",
                  f"              {platform}/login, then {platform}/admin/"]
    staff = [email for email in SUPPLIER_STAFF.values() if find_user_by_email(email) is not None]
    if staff:
        lines += ["", f"Supplier staff (password: {SUPPLIER_PASSWORD}), at {platform}/supplier/"]
        lines += [f"  {email}" for email in staff]
    if shops:
        lines += ["", f"Shop owners (password: {OWNER_PASSWORD}), log in at {platform}/login"]
        for spec, _shop in shops:
            lines.append(f"  {spec['owner']:<24} {spec['name']}")
        lines += ["", "Storefronts:"]
        for _spec, shop in shops:
            if shop is not None:
                lines.append(f"  {shop.name:<24} {scheme}://{storefront_host(shop)}/")
    lines.append(rule)
    click.echo("\n".join(lines))
