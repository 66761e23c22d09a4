"""Price guardrails after a supplier catalog sync: pause, notices, one digest per shop, idempotent."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.catalog.feeds_models import SyncRun
from app.catalog.models import SupplyProduct, SupplyVariant
from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.notifications.models import OutboundEmail
from app.orders.cart import add_to_cart, build_cart, line_key
from app.shops import guardrails
from app.shops.guardrails import review_listings_after_sync
from app.shops.models import Listing, Shop
from app.shops.notice_models import ListingNotice
from app.shops.pricing import PriceRule
from app.shops.services import update_listing
from app.tenancy import unscoped, use_shop


def start_run(supplier_id: int) -> int:
    run = SyncRun(supplier_id=supplier_id, status="running", started_at=utcnow())
    db.session.add(run)
    db.session.flush()
    return run.id


def sync(product_id: int, *, wholesale=None, min_retail=None, stock=None, status=None):
    """What a sync does to one product: new figures and a fresh updated_at."""
    product = db.session.get(SupplyProduct, product_id)
    for variant in product.variants:
        if min_retail is not None:
            variant.min_retail_price = min_retail
        if wholesale is not None:
            variant.wholesale_price = wholesale
            variant.min_retail_price = max(variant.min_retail_price, wholesale)
        if stock is not None:
            variant.stock = stock
    if status is not None:
        product.status = status
    product.updated_at = utcnow()
    db.session.flush()


def finish(run_id: int) -> None:
    run = db.session.get(SyncRun, run_id)
    run.status, run.finished_at = "succeeded", utcnow()
    db.session.flush()


def listing(shop_id: int, listing_id: int) -> Listing:
    with use_shop(shop_id):
        return db.session.scalar(select(Listing).where(Listing.id == listing_id)
                                 .execution_options(populate_existing=True))


def notices(shop_id: int) -> list[ListingNotice]:
    with use_shop(shop_id):
        return list(db.session.scalars(select(ListingNotice).order_by(ListingNotice.id)
                                       .execution_options(populate_existing=True)))


def emails(prefix="sync-digest:") -> list[OutboundEmail]:
    with unscoped():
        return list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.dedupe_key.like(f"{prefix}%"))
                                       .order_by(OutboundEmail.id)))


@pytest.fixture
def ids(catalog, shop_a, shop_b):
    """Plain ids, captured before any job commits."""
    return {
        "supplier": catalog.supplier.id, "tee": catalog.tee.id, "snack": catalog.snack.id,
        "tee_variants": [v.id for v in catalog.tee.variants],
        "a": shop_a.shop.id, "b": shop_b.shop.id,
        "a_tee": shop_a.listings[0].id, "a_snack": shop_a.listings[1].id,
        "b_tee": shop_b.listings[0].id, "b_snack": shop_b.listings[1].id,
        "a_owner": shop_a.owner.email, "b_owner": shop_b.owner.email,
    }


def test_new_listing_records_its_approved_prices(ids):
    tee = listing(ids["a"], ids["a_tee"])
    assert tee.approved_prices == {str(v): 1800 for v in ids["tee_variants"]}
    assert tee.status == "active"


def test_price_jump_beyond_tolerance_pauses_notifies_and_sends_one_digest_per_shop(ids):
    run_id = start_run(ids["supplier"])
    sync(ids["tee"], wholesale=1500)  # 1800 -> 2250 at 50 % markup: +25 %
    finish(run_id)

    assert review_listings_after_sync(run_id) == 2  # the tee in each shop

    tee = listing(ids["a"], ids["a_tee"])
    assert tee.status == "paused"
    assert "$18.00" in tee.pause_reason and "$22.50" in tee.pause_reason and "25%" in tee.pause_reason
    assert tee.approved_prices == {str(v): 1800 for v in ids["tee_variants"]}  # not approved yet
    assert listing(ids["a"], ids["a_snack"]).status == "active"
    [notice] = notices(ids["a"])
    assert (notice.kind, notice.listing_id, notice.sync_run_id) == ("price_change", ids["a_tee"], run_id)
    assert notices(ids["b"])[0].listing_id == ids["b_tee"]

    sent = emails()
    assert [e.dedupe_key for e in sent] == [f"sync-digest:{run_id}:{ids['a']}", f"sync-digest:{run_id}:{ids['b']}"]
    assert sent[0].to_address == ids["a_owner"]
    assert sent[0].subject == "1 listing in Alpha Shop needs your attention"
    assert "alpha Organic Cotton Tee" in sent[0].body_text and "bravo" not in sent[0].body_text
    assert "$22.50" in sent[0].body_html


def test_digest_lists_every_listing_in_one_email(ids):
    run_id = start_run(ids["supplier"])
    sync(ids["tee"], wholesale=1500)
    sync(ids["snack"], wholesale=400)  # 375 -> 600
    assert review_listings_after_sync(run_id) == 4
    sent = [e for e in emails() if e.shop_id == ids["a"]]
    assert len(sent) == 1
    assert "2 listings" in sent[0].subject
    assert "Organic Cotton Tee" in sent[0].body_text and "Sea Salt Crisps" in sent[0].body_text


def test_small_change_is_followed_silently(ids):
    run_id = start_run(ids["supplier"])
    sync(ids["tee"], wholesale=1300)  # 1800 -> 1950: +8.3 %
    assert review_listings_after_sync(run_id) == 2
    tee = listing(ids["a"], ids["a_tee"])
    assert tee.status == "active"
    assert tee.approved_prices == {str(v): 1950 for v in ids["tee_variants"]}
    assert notices(ids["a"]) == [] and emails() == []


def test_nothing_touched_means_nothing_done(ids):
    run_id = start_run(ids["supplier"])
    assert review_listings_after_sync(run_id) == 0
    assert emails() == []
    assert review_listings_after_sync(999_999) == 0


def test_tolerance_is_the_shops_own(ids):
    db.session.get(Shop, ids["b"]).price_change_tolerance_bp = 3000  # bravo accepts up to 30 %
    run_id = start_run(ids["supplier"])
    sync(ids["tee"], wholesale=1500)  # +25 %
    review_listings_after_sync(run_id)
    assert listing(ids["a"], ids["a_tee"]).status == "paused"
    assert listing(ids["b"], ids["b_tee"]).status == "active"
    assert [e.shop_id for e in emails()] == [ids["a"]]


def test_margin_under_the_floor_pauses(ids):
    db.session.get(Shop, ids["a"]).margin_floor_bp = 4000  # 40 %; a 50 % markup leaves 33.33 %
    run_id = start_run(ids["supplier"])
    sync(ids["snack"], wholesale=260)
    review_listings_after_sync(run_id)
    snack = listing(ids["a"], ids["a_snack"])
    assert snack.status == "paused"
    assert "under your floor of 40%" in snack.pause_reason
    assert [n.kind for n in notices(ids["a"])] == ["margin_floor"]
    assert listing(ids["b"], ids["b_snack"]).status == "active"  # bravo has no floor


def test_fixed_price_now_under_the_minimum_pauses(ids):
    with use_shop(ids["a"]):
        tee = db.session.scalar(select(Listing).where(Listing.id == ids["a_tee"]))
        update_listing(tee, title=tee.title, recommendation="", rule=PriceRule("fixed", fixed_price=2000))
    run_id = start_run(ids["supplier"])
    sync(ids["tee"], min_retail=2100)
    review_listings_after_sync(run_id)
    tee = listing(ids["a"], ids["a_tee"])
    assert tee.status == "paused" and tee.fixed_price == 2000
    assert "minimum retail price of $21.00" in tee.pause_reason
    assert [n.kind for n in notices(ids["a"])] == ["below_minimum"]


def test_fixed_price_under_new_wholesale_pauses(ids):
    with use_shop(ids["a"]):
        tee = db.session.scalar(select(Listing).where(Listing.id == ids["a_tee"]))
        update_listing(tee, title=tee.title, recommendation="", rule=PriceRule("fixed", fixed_price=2000))
    run_id = start_run(ids["supplier"])
    sync(ids["tee"], wholesale=2100)
    review_listings_after_sync(run_id)
    assert "wholesale cost of $21.00" in listing(ids["a"], ids["a_tee"]).pause_reason


@pytest.mark.parametrize("change, kind", [({"status": "discontinued"}, "discontinued"),
                                          ({"stock": 0}, "out_of_stock")])
def test_gone_products_notify_without_pausing_and_show_sold_out(ids, storefront, change, kind):
    run_id = start_run(ids["supplier"])
    sync(ids["tee"], **change)
    assert review_listings_after_sync(run_id) == 2
    tee = listing(ids["a"], ids["a_tee"])
    assert tee.status == "active"
    assert [n.kind for n in notices(ids["a"])] == [kind]
    assert len(emails()) == 2
    handle = tee.handle
    page = storefront(db.session.get(Shop, ids["a"])).get(f"/products/{handle}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Sold out" in text and "add-to-cart" not in text


def test_running_twice_doubles_nothing(ids):
    run_id = start_run(ids["supplier"])
    sync(ids["tee"], wholesale=1500)
    sync(ids["snack"], status="discontinued")
    assert review_listings_after_sync(run_id) == 4
    assert review_listings_after_sync(run_id) == 0
    assert len(notices(ids["a"])) == 2 and len(notices(ids["b"])) == 2
    assert len(emails()) == 2


def test_a_later_run_updates_the_open_notice_instead_of_adding_one(ids):
    run_1 = start_run(ids["supplier"])
    sync(ids["tee"], wholesale=1500)
    review_listings_after_sync(run_1)
    run_2 = start_run(ids["supplier"])
    sync(ids["tee"], wholesale=1600)
    review_listings_after_sync(run_2)
    [notice] = notices(ids["a"])
    assert notice.sync_run_id == run_2 and "$24.00" in notice.message
    assert len(emails()) == 4  # one digest per shop per run


def test_owner_approval_resumes_selling(ids):
    run_id = start_run(ids["supplier"])
    sync(ids["tee"], wholesale=1500)
    review_listings_after_sync(run_id)
    with use_shop(ids["a"]):
        tee = db.session.scalar(select(Listing).where(Listing.id == ids["a_tee"]))
        guardrails.approve_listing_prices(tee)
        assert guardrails.attention_count() == 0
    tee = listing(ids["a"], ids["a_tee"])
    assert (tee.status, tee.pause_reason) == ("active", "")
    assert tee.approved_prices == {str(v): 2250 for v in ids["tee_variants"]}
    assert notices(ids["a"])[0].resolved_at is not None
    assert listing(ids["b"], ids["b_tee"]).status == "paused"  # only shop A approved


def test_price_move_undone_before_approval_unpauses(ids):
    run_1 = start_run(ids["supplier"])
    sync(ids["tee"], wholesale=1500)
    review_listings_after_sync(run_1)
    run_2 = start_run(ids["supplier"])
    sync(ids["tee"], wholesale=1200)
    review_listings_after_sync(run_2)
    assert listing(ids["a"], ids["a_tee"]).status == "active"
    assert notices(ids["a"])[0].resolved_at is not None


def test_paused_listing_cannot_be_bought(ids, storefront):
    run_id = start_run(ids["supplier"])
    sync(ids["tee"], wholesale=1500)
    review_listings_after_sync(run_id)
    tee = listing(ids["a"], ids["a_tee"])
    handle, variant_id = tee.handle, ids["tee_variants"][0]
    client = storefront(db.session.get(Shop, ids["a"]))
    assert "alpha Organic Cotton Tee" not in client.get("/").get_data(as_text=True)
    assert "alpha Organic Cotton Tee" not in client.get("/search?q=cotton").get_data(as_text=True)
    page = client.get(f"/products/{handle}").get_data(as_text=True)
    assert "Currently unavailable" in page and "add-to-cart" not in page
    response = client.post("/cart/add", data={"listing_id": ids["a_tee"], "variant_id": variant_id,
                                              "quantity": 1})
    assert response.status_code == 302
    # Refused: back to the product, the shopper's choice kept.
    assert response.location.split("?")[0].endswith(f"/products/{handle}")
    with use_shop(ids["a"]):
        tee = db.session.scalar(select(Listing).where(Listing.id == ids["a_tee"]))
        with pytest.raises(DomainError, match="unavailable"):
            add_to_cart({}, tee, variant_id, 1)
        cart = build_cart({line_key(ids["a_tee"], variant_id): 1}, "USD")
        assert cart.problems == ["alpha Organic Cotton Tee is no longer available."]


def test_set_price_guardrails_validates(ids):
    shop = db.session.get(Shop, ids["a"])
    guardrails.set_price_guardrails(shop, tolerance="20", margin_floor="12.5")
    assert (shop.price_change_tolerance_bp, shop.margin_floor_bp) == (2000, 1250)
    for tolerance, floor, message in [("101", "0", "between 0% and 100%"), ("-1", "0", "between 0% and 100%"),
                                      ("abc", "0", "as a number"), ("10", "91", "between 0% and 90%"),
                                      ("10", "1.234", "at most two decimals")]:
        with pytest.raises(DomainError, match=message):
            guardrails.set_price_guardrails(shop, tolerance=tolerance, margin_floor=floor)
    assert (shop.price_change_tolerance_bp, shop.margin_floor_bp) == (2000, 1250)


def test_shops_only_see_their_own_notices(ids):
    run_id = start_run(ids["supplier"])
    sync(ids["tee"], wholesale=1500)
    review_listings_after_sync(run_id)
    with use_shop(ids["a"]):
        assert {n.listing_id for n in guardrails.open_notices()} == {ids["a_tee"]}
    with unscoped():
        b_notice = db.session.scalar(select(ListingNotice.id).where(ListingNotice.shop_id == ids["b"]))
    with use_shop(ids["a"]):
        from app.errors import NotFound

        with pytest.raises(NotFound):
            guardrails.get_notice(b_notice)


def test_variant_without_approved_price_counts_as_new(ids):
    with use_shop(ids["a"]):
        tee = db.session.scalar(select(Listing).where(Listing.id == ids["a_tee"]))
        tee.approved_prices = {}
        db.session.flush()
    run_id = start_run(ids["supplier"])
    sync(ids["tee"], wholesale=1500)
    review_listings_after_sync(run_id)
    tee = listing(ids["a"], ids["a_tee"])
    assert tee.status == "active" and tee.approved_prices == {str(v): 2250 for v in ids["tee_variants"]}
    assert db.session.get(SupplyVariant, ids["tee_variants"][0]).wholesale_price == 1500
