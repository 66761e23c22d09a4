"""Text that jobs store for people to read is written in its reader's language, whoever's
request or job wrote it (issue 16, item 1): a feed's rejected rows and run errors in the
supplier's language, listing notices and deal logs in the shop's. And the lists a Chinese
owner picks from (time zones, countries) are in Chinese."""

from __future__ import annotations

from sqlalchemy import select

from app.catalog.feeds_models import SyncRejectedRow
from app.catalog.models import Supplier
from app.deals import services as deals
from app.deals.models import DealEvent
from app.extensions import db
from app.i18n import speaking
from app.orders.countries import country_name
from app.shops.guardrails import review_listings_after_sync
from app.shops.models import Listing
from app.shops.notice_models import ListingNotice
from app.shops.timezones import zone_options
from app.tenancy import use_shop
from tests.admin.conftest import admin, page_text  # noqa: F401
from tests.catalog.feed_helpers import feed_csv, feeds_dir, sync_now, upload_feed  # noqa: F401
from tests.factories import make_supplier
from tests.shops.test_guardrails import finish, start_run, sync
from tests.test_languages import _tea_shop

# A row with more values than the header has columns, and a good one.
BAD_FEED = feed_csv("HON,Honey,Sweet.,snacks,HON-1,,4.00,6.00,5,,extra",
                    "TEA,Jasmine,Fragrant.,snacks,TEA-1,,3.00,5.00,10,")


def _reasons(run_id: int) -> list[str]:
    return list(db.session.scalars(select(SyncRejectedRow.reason).where(SyncRejectedRow.run_id == run_id)
                                   .order_by(SyncRejectedRow.line)))


def test_a_feeds_rejected_rows_are_written_in_the_suppliers_language(feeds_dir):  # noqa: F811
    english, chinese = make_supplier("Meadow Farm"), make_supplier("云岭茶园")
    chinese.language = "zh"
    for supplier in (english, chinese):
        upload_feed(supplier, BAD_FEED)
    db.session.commit()
    with speaking("en"):  # whoever starts it: an English-speaking admin
        english_run, _ = sync_now(english)
        chinese_run, _ = sync_now(chinese)
    assert english_run.status == chinese_run.status == "partly_failed"
    assert _reasons(english_run.id) == ["The line has 1 more value than the header has columns (a comma inside "
                                        "a value needs quotes)."]
    assert _reasons(chinese_run.id) == ["这一行比表头的列数多 1 个值（值里含有逗号时需要加引号）。"]


def test_a_feed_that_cannot_be_read_fails_the_run_in_the_suppliers_language(feeds_dir):  # noqa: F811
    supplier = make_supplier("云岭茶园")
    supplier.language = "zh"
    upload_feed(supplier, "")
    db.session.commit()
    run, result = sync_now(supplier)
    assert (result, run.error) == ("failed", "商品源是空的。")


def test_the_admin_sets_a_suppliers_language_and_a_bad_one_is_refused(admin):  # noqa: F811
    form = {"name": "云岭茶园", "currency": "CNY", "status": "active", "language": "zh"}
    assert admin.post("/admin/suppliers/new", data=form).status_code == 302
    assert db.session.scalar(select(Supplier.language).where(Supplier.name == "云岭茶园")) == "zh"
    refused = admin.post("/admin/suppliers/new", data=form | {"name": "Other Garden", "language": "xx"})
    assert refused.status_code == 422 and "Choose one of the listed languages." in page_text(refused)
    assert db.session.scalar(select(Supplier.id).where(Supplier.name == "Other Garden")) is None


def test_price_notices_are_written_in_the_shops_language(app):
    shop, _owner, listing = _tea_shop()
    with use_shop(shop.id):
        product_id = db.session.get(Listing, listing.id).supply_product_id
    run_id = start_run(db.session.scalar(select(Supplier.id).where(Supplier.name == "云岭茶园")))
    sync(product_id, wholesale=6000)  # 38 -> 60 yuan: 57 -> 90 at the 50 % markup, far past the tolerance
    finish(run_id)
    db.session.commit()
    with speaking("en"):  # the job runs with no reader of its own
        assert review_listings_after_sync(run_id) == 1
    with use_shop(shop.id):
        notice = db.session.scalar(select(ListingNotice).where(ListingNotice.listing_id == listing.id))
        paused = db.session.get(Listing, listing.id)
        assert notice.message == "50 克罐装：价格从 ¥57.00 涨到 ¥90.00（57.89%），超过你设定的容差 15%。"
        assert paused.status == "paused" and paused.pause_reason == notice.message


def test_a_deals_log_is_written_in_the_shops_language_from_an_english_request(app):
    shop, _owner, listing = _tea_shop()
    with app.test_request_context(headers={"Accept-Language": "en"}), use_shop(shop.id):
        tea = db.session.get(Listing, listing.id)
        deal = deals.save_group_buy(tea, prices={listing.variant_id: "55.00"}, group_size=3,
                                    time_limit_hours=24, max_open_groups=2)
        assert db.session.scalar(select(DealEvent.detail).where(DealEvent.deal_id == deal.id)) == \
            "3 人成团，24 小时，最多同时 2 个团"


def test_time_zones_and_countries_read_in_chinese(client, login, app):
    shop, owner, _listing = _tea_shop()
    with speaking("zh"):
        assert ("Asia/Shanghai", "中国（上海）时间 · Asia/Shanghai") in zone_options()
        assert (country_name("US"), country_name("CN")) == ("美国", "中国")
    with speaking("en"):
        assert ("America/New_York", "America/New York") in zone_options()
        assert country_name("US") == "United States"
    login(owner)
    settings = client.get(f"/dashboard/{shop.subdomain}/settings").get_data(as_text=True)
    assert "中国（上海）时间 · Asia/Shanghai" in settings


def test_a_chinese_shops_page_not_found_is_in_chinese_even_for_an_address_no_route_knows(storefront, app):
    shop, _owner, _listing = _tea_shop()
    client = storefront(shop)
    for path in ("/no-such-page", "/products/no-such-product"):
        missing = client.get(path)
        assert missing.status_code == 404 and "没有找到你要找的内容" in missing.get_data(as_text=True), path


def test_a_ledger_memo_is_stored_in_english_and_shown_in_the_readers_language(app):
    from app.ledger.memos import memo, memo_text

    stored = memo("commission", number="1042", level=2)
    assert stored == "Commission on order 1042 (level 2)"
    with speaking("zh"):
        assert memo_text(stored) == "订单 1042 的佣金（第 2 级）"
        assert memo_text("Written by hand") == "Written by hand"  # not one of ours: as it is
    with speaking("en"):
        assert memo_text(stored) == stored
