"""Feeds in the formats suppliers already have (app/catalog/feed_formats.py and its readers):
Shopify and WooCommerce product exports and Google Merchant Center feeds (XML and TSV),
told apart automatically, synced with the same checks and per-row rejects as our CSV."""

from __future__ import annotations

import io
import tracemalloc

import pytest
from sqlalchemy import select

from app.catalog.feed_formats import detect_format
from app.catalog.feeds import ByteCounter, FeedError, read_rows
from app.catalog.feeds_models import SyncRejectedRow
from app.catalog.models import SupplyProduct, SupplyVariant
from app.config import BASE_DIR
from app.extensions import db
from tests.catalog.feed_helpers import feeds_dir, sync_now, upload_feed
from tests.factories import make_supplier

__all__ = ["feeds_dir"]

SAMPLES = BASE_DIR / "samples" / "feeds"
SHOPIFY_HEADER = ("Handle,Title,Body (HTML),Product Category,Type,Option1 Name,Option1 Value,Option2 Name,"
                  "Option2 Value,Variant SKU,Variant Inventory Tracker,Variant Inventory Qty,Variant Price,"
                  "Variant Barcode,Image Src,Cost per item,Status\n")


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def rows(data: bytes | str, fmt: str = "auto", mapping=None):
    data = data.encode() if isinstance(data, str) else data
    return list(read_rows(ByteCounter(io.BytesIO(data)), fmt, mapping))


def products(supplier_id: int) -> dict[str, SupplyProduct]:
    found = db.session.scalars(select(SupplyProduct).where(SupplyProduct.supplier_id == supplier_id)
                               .execution_options(populate_existing=True))
    return {product.code: product for product in found}


def variants(supplier_id: int) -> dict[str, SupplyVariant]:
    found = db.session.scalars(select(SupplyVariant).where(SupplyVariant.supplier_id == supplier_id)
                               .execution_options(populate_existing=True))
    return {variant.sku: variant for variant in found}


def rejects(run_id: int) -> list[tuple[int, str, str]]:
    return [(row.line, row.sku, row.reason) for row in db.session.scalars(
        select(SyncRejectedRow).where(SyncRejectedRow.run_id == run_id)
        .order_by(SyncRejectedRow.line, SyncRejectedRow.id))]


def sync_sample(name: str, currency: str = "USD", fmt: str = "auto"):
    """Sync a sample export for a new supplier -> (supplier id, run)."""
    supplier = make_supplier(currency=currency)
    supplier_id = supplier.id
    upload_feed(supplier, sample(name), fmt=fmt)
    run, _ = sync_now(supplier)
    return supplier_id, run


# Shopify -------------------------------------------------------------------------------------


def test_shopify_export_syncs_forward_filled_variants_with_costs_and_stock(feeds_dir):
    supplier_id, run = sync_sample("shopify-products.csv")
    assert run.status == "partly_failed" and run.created_count == 3
    catalog = products(supplier_id)
    assert set(catalog) == {"organic-cotton-tee", "stoneware-mug", "yunnan-puer-tea"}
    tee = catalog["organic-cotton-tee"]
    assert tee.title == "Organic Cotton Tee" and tee.category == "apparel"
    assert tee.image_url == "https://cdn.supplier.example/tee-sand.jpg"  # the image-only row adds no variant
    skus = variants(supplier_id)
    assert [v.sku for v in tee.variants] == ["TEE-01-S-SAND", "TEE-01-M-SAND", "TEE-01-L-SAND"]
    assert skus["TEE-01-M-SAND"].options == {"Size": "M", "Color": "Sand"}
    assert (skus["TEE-01-M-SAND"].wholesale_price, skus["TEE-01-M-SAND"].min_retail_price) == (1200, 1800)
    assert (skus["TEE-01-S-SAND"].stock, skus["TEE-01-M-SAND"].stock) == (40, 55)
    assert skus["TEE-01-L-SAND"].stock == 0  # oversold to -2 in Shopify: none left
    assert skus["MUG-02"].options == {}  # "Default Title": a product without options
    assert catalog["stoneware-mug"].category == "home"


def test_shopify_body_html_becomes_safe_text(feeds_dir):
    supplier_id, _ = sync_sample("shopify-products.csv")
    description = products(supplier_id)["organic-cotton-tee"].description
    assert description == ("Heavyweight organic cotton, garment-dyed & pre-washed.\n\n"
                           "• 180 g/m²\n• Unisex fit")
    assert "<" not in description and "alert" not in description


def test_shopify_rejects_and_skips_with_lines_and_reasons(feeds_dir):
    _, run = sync_sample("shopify-products.csv")
    found = rejects(run.id)
    # The first product's body spans lines 2-3, so its next rows are lines 4 and 5.
    assert sorted({(line, sku) for line, sku, _ in found}) == [
        (10, "BEANIE-01"), (11, "TOTE-OLD"), (12, "SOCK-SM"), (13, "SOCK-LXL"), (14, "APRON-01")]
    reasons = {line: [reason for at, _, reason in found if at == line] for line, _, _ in found}
    assert reasons[10] == ["Skipped: the product is a draft in Shopify (Status draft); it is imported once "
                           "it is active there."]
    assert reasons[11][0].startswith("Skipped: the product is archived in Shopify")
    assert "barcode “8.90123E+12” was mangled by a spreadsheet" in reasons[12][0]
    assert reasons[13] == ["Not synced: product bamboo-socks has a problem on line 12."]
    assert "Cost per item is blank" in reasons[14][0]  # (and the check's own: the wholesale price is missing)
    assert run.rejected_count == 5


def test_chinese_text_survives(feeds_dir):
    supplier_id, _ = sync_sample("shopify-products.csv")
    tea = products(supplier_id)["yunnan-puer-tea"]
    assert tea.title == "云南普洱茶饼" and tea.category == "snacks"
    assert tea.description == "云南勐海古树茶，七子饼，每饼 357 克。\n\n适合长期存放。"
    assert variants(supplier_id)["PUER-357"].options == {"规格": "357克"}


def shopify(*lines: str) -> str:
    return SHOPIFY_HEADER + "".join(line + "\n" for line in lines)


TOTE = "tote,Canvas Tote,<p>Sturdy.</p>,Bags,Bag,Title,Default Title,,,TOTE-1,shopify,5,15.00,,,7.00,{status}"


def test_an_archived_product_imported_before_is_discontinued(feeds_dir):
    supplier = make_supplier()
    supplier_id = supplier.id
    upload_feed(supplier, shopify(TOTE.format(status="active")), fmt="auto")
    sync_now(supplier)
    assert products(supplier_id)["tote"].status == "active"
    upload_feed(supplier, shopify(TOTE.format(status="archived")), fmt="auto")
    run, _ = sync_now(supplier)
    assert products(supplier_id)["tote"].status == "discontinued" and run.discontinued_count == 1
    assert "archived" in rejects(run.id)[0][2]


def test_a_faulty_row_rejects_its_whole_product_and_keeps_the_old_one(feeds_dir):
    supplier = make_supplier()
    supplier_id = supplier.id
    good = ("socks,Socks,,Socks,Socks,Size,S,,,SOCK-S,shopify,5,9.00,0890123456781,,4.00,active",
            "socks,,,,,,M,,,SOCK-M,shopify,6,9.00,0890123456782,,4.00,")
    upload_feed(supplier, shopify(*good), fmt="auto")
    sync_now(supplier)
    mangled = (good[0], good[1].replace("0890123456782", "8.90123E+11").replace(",6,", ",60,"))
    upload_feed(supplier, shopify(*mangled), fmt="auto")
    run, _ = sync_now(supplier)
    assert run.status == "partly_failed" and run.discontinued_count == 0
    assert products(supplier_id)["socks"].status == "active"
    assert variants(supplier_id)["SOCK-M"].stock == 6  # nothing of the rejected product written
    assert [line for line, _, _ in rejects(run.id)] == [2, 3]


def test_a_sku_in_scientific_notation_is_rejected():
    [row] = rows(shopify("n,Nuts,,Food,Nuts,Title,Default Title,,,4.00E+05,shopify,5,9.00,,,4.00,active"))
    assert "SKU “4.00E+05” was mangled by a spreadsheet" in row.fault


def test_untracked_inventory_is_rejected_not_guessed():
    [row] = rows(shopify("n,Nuts,,Food,Nuts,Title,Default Title,,,NUT-1,,,9.00,,,4.00,active"))
    assert "does not track this variant's inventory" in row.fault


def test_a_shopify_export_without_costs_is_refused_whole():
    header = SHOPIFY_HEADER.replace(",Cost per item", "")
    with pytest.raises(FeedError, match="lacks the column “Cost per item”"):
        rows(header + "n,Nuts,,Food,Nuts,Title,Default Title,,,NUT-1,shopify,5,9.00,,,active\n")


def test_the_mapping_points_the_wholesale_price_at_another_column():
    header = SHOPIFY_HEADER.replace("Cost per item", "Net")
    [row] = rows(header + "n,Nuts,,Food,Nuts,Title,Default Title,,,NUT-1,shopify,5,9.00,,,4.00,active\n",
                 mapping={"wholesale_price": "Net"})
    assert row.fields["wholesale_price"] == "4.00" and not row.fault


def test_a_second_sync_of_the_same_export_writes_nothing(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, sample("shopify-products.csv"), fmt="auto")
    sync_now(supplier)
    run, _ = sync_now(supplier)
    assert (run.created_count, run.updated_count, run.unchanged_count) == (0, 0, 3)


# WooCommerce ---------------------------------------------------------------------------------


def test_woocommerce_export_syncs_variable_and_simple_products(feeds_dir):
    supplier_id, run = sync_sample("woocommerce-products.csv")
    catalog = products(supplier_id)
    assert set(catalog) == {"LS-100", "BCB-200", "CUP-300"} and run.created_count == 3
    shirt = catalog["LS-100"]
    assert shirt.title == "Linen Shirt" and shirt.category == "apparel"
    assert shirt.description == "Washed linen shirt with a relaxed fit.\n\nMother-of-pearl buttons."
    assert shirt.image_url == "https://cdn.supplier.example/linen-shirt.jpg"
    skus = variants(supplier_id)
    assert [v.sku for v in shirt.variants] == ["LS-100-S-WHT", "LS-100-M-WHT"]  # by id:10, then by SKU
    medium = skus["LS-100-M-WHT"]
    assert medium.options == {"Size": "M", "Colour": "White"} and medium.stock == 8
    assert (medium.wholesale_price, medium.min_retail_price) == (3000, 4600)  # the regular price, not the sale
    board = skus["BCB-200"]
    assert board.options == {} and (board.wholesale_price, board.min_retail_price, board.stock) == (1400, 2500, 30)
    cup = catalog["CUP-300"]
    assert cup.title == "手工青瓷茶杯" and cup.category == "home" and cup.description == "龙泉青瓷，手工拉坯。"
    assert skus["CUP-300"].stock == 0  # no stock number, "In stock?" 0


def test_woocommerce_rejects_with_lines_and_reasons(feeds_dir):
    _, run = sync_sample("woocommerce-products.csv")
    found = rejects(run.id)
    assert [(line, sku) for line, sku, _ in found] == [
        (8, "TOTE-400-NAT"), (9, "GIFT-500"), (11, "SCARF-600-GRY"), (12, "SCARF-600-NVY"), (13, "LOST-700-S")]
    reasons = {line: reason for line, _, reason in found}
    assert reasons[8] == "Skipped: the product is a draft in WooCommerce (Published -1)."
    assert "Type “grouped” is not imported" in reasons[9]
    assert reasons[11] == "The minimum retail price is below the wholesale price."
    assert "problem on line 11" in reasons[12]
    assert "parent “id:999” of this variation is not among the rows above it" in reasons[13]


WOO_HEADER = "ID,Type,SKU,Name,Published,In stock?,Stock,Regular price,Categories,Parent,Attribute 1 name,Attribute 1 value(s),Meta: _wc_cog_cost\n"


def test_a_woocommerce_variation_away_from_its_parent_is_rejected(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, WOO_HEADER + "".join(line + "\n" for line in (
        "1,variable,HAT,Hat,1,1,,,Hats,,Size,\"S, M\",",
        "2,variation,HAT-S,Hat - S,1,1,3,20.00,,id:1,Size,S,10.00",
        "3,simple,PIN,Pin,1,1,9,5.00,,,,,2.00",
        "4,variation,HAT-M,Hat - M,1,1,3,20.00,,HAT,Size,M,10.00",
    )), fmt="auto")
    run, _ = sync_now(supplier)
    [(line, sku, reason)] = rejects(run.id)
    assert (line, sku) == (5, "HAT-M") and "consecutive" in reason


def test_a_woocommerce_export_without_a_cost_column_is_refused_whole():
    with pytest.raises(FeedError, match="no wholesale price column"):
        rows(WOO_HEADER.replace(",Meta: _wc_cog_cost", "") + "3,simple,PIN,Pin,1,1,9,5.00,,,,\n")


def test_a_variable_product_without_variations_is_reported():
    found = rows(WOO_HEADER + "1,variable,HAT,Hat,1,1,,,Hats,,Size,S,\n3,simple,PIN,Pin,1,1,9,5.00,,,,,2.00\n")
    assert found[0].line == 2 and "no variation rows" in found[0].problem
    assert found[1].sku == "PIN"


# Google Merchant Center ---------------------------------------------------------------------


def test_google_xml_groups_variants_and_reads_prices_and_availability(feeds_dir):
    supplier_id, run = sync_sample("google-merchant.xml")
    catalog = products(supplier_id)
    assert set(catalog) == {"TEE-G", "MUG-G-1", "PEPPER-100"} and run.created_count == 3
    tee = catalog["TEE-G"]
    assert tee.title == "Organic Cotton Tee" and tee.category == "apparel"  # " - Sand - S" trimmed
    skus = variants(supplier_id)
    assert [v.sku for v in tee.variants] == ["TEE-G-S-SAND", "TEE-G-M-SAND"]
    assert skus["TEE-G-M-SAND"].options == {"size": "M", "colour": "Sand"} and skus["TEE-G-M-SAND"].stock == 55
    assert (skus["TEE-G-S-SAND"].wholesale_price, skus["TEE-G-S-SAND"].min_retail_price) == (1200, 1800)
    assert skus["MUG-G-1"].stock == 0  # out_of_stock
    assert catalog["MUG-G-1"].description == "Hand-glazed stoneware; dishwasher safe."  # CDATA HTML, as text
    assert catalog["PEPPER-100"].title == "四川汉源花椒 100克" and catalog["PEPPER-100"].category == "snacks"


def test_google_xml_rejects_with_the_item_line_and_reason(feeds_dir):
    _, run = sync_sample("google-merchant.xml")
    found = rejects(run.id)
    assert [(line, sku) for line, sku, _ in found] == [(58, "SCARF-G-1"), (67, "CANDLE-G-1"), (67, "CANDLE-G-1")]
    assert found[0][2].startswith("The prices are in EUR, but this supplier's catalog is priced in USD")
    assert found[1][2].startswith("Item 6: The item is available but gives no quantity")
    assert found[2][2] == "The stock is missing."  # the check's own reason, beside the reader's


def test_google_tsv_imports_and_rejects(feeds_dir):
    supplier_id, run = sync_sample("google-merchant.tsv")
    assert set(products(supplier_id)) == {"TEE-G", "MUG-G-1", "PEPPER-100"}
    assert variants(supplier_id)["TEE-G-S-SAND"].options == {"size": "S", "colour": "Sand"}
    found = rejects(run.id)
    assert [(line, sku) for line, sku, _ in found] == [(6, "SCARF-G-1"), (7, "BOARD-G-1")]
    assert "“30.00” has no currency" in found[0][2]
    assert "gtin “8.90123E+12” was mangled" in found[1][2]


def test_a_comma_separated_google_feed_is_read_too():
    data = sample("google-merchant.tsv").decode().replace("\t", ",").replace("Shirts & Tops", "Shirts")
    found = rows(data.replace("Heavyweight organic cotton, garment-dyed.", "Heavyweight organic cotton"))
    assert [row.sku for row in found][:2] == ["TEE-G-S-SAND", "TEE-G-M-SAND"]
    assert found[0].fields["options"] == "size=S; colour=Sand" and not found[0].fault


def test_a_google_feed_in_another_currency_is_rejected_row_by_row(feeds_dir):
    supplier_id, run = sync_sample("google-merchant.xml", currency="CNY")
    assert products(supplier_id) == {} and run.rejected_count == 6
    assert "priced in CNY" in rejects(run.id)[0][2]


def test_google_atom_feed_and_entities_refused():
    atom = ('<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">\n'
            '<entry><g:id>A-1</g:id><title>Apron</title><g:price>10.00 USD</g:price>'
            '<g:cost_of_goods_sold>4.00 USD</g:cost_of_goods_sold><g:availability>in_stock</g:availability>'
            '<g:quantity>3</g:quantity></entry>\n</feed>\n')
    [row] = rows(atom)
    assert (row.line, row.sku, row.fields["title"], row.fields["stock"], row.currency) == (3, "A-1", "Apron", "3", "USD")
    bomb = atom.replace("<feed", '<!DOCTYPE feed [<!ENTITY a "aaaa">]>\n<feed')
    with pytest.raises(FeedError, match="DOCTYPE or entities"):
        rows(bomb)


def test_broken_xml_fails_the_feed_with_where():
    with pytest.raises(FeedError, match="line 3"):
        rows('<rss xmlns:g="http://base.google.com/ns/1.0"><channel>\n<item><g:id>A</g:id></item>\n<item></oops>\n')


# Detection -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "fmt"), [
    ("feeds/shopify-products.csv", "shopify"), ("feeds/woocommerce-products.csv", "woo"),
    ("feeds/google-merchant.xml", "google"), ("feeds/google-merchant.tsv", "google"),
    ("feed-sample.csv", "csv"), ("feed-sample.json", "json"),
])
def test_detection_from_the_content(name, fmt):
    assert detect_format((BASE_DIR / "samples" / name).read_bytes()[:65536], {}) == fmt


def test_detection_honours_the_column_mapping():
    header = b"Code,Name,Kind,Item,Cost,RRP,Qty\n"
    mapping = {"product_code": "Code", "title": "Name", "category": "Kind", "sku": "Item",
               "wholesale_price": "Cost", "min_retail_price": "RRP", "stock": "Qty"}
    assert detect_format(header, mapping) == "csv"


@pytest.mark.parametrize(("head", "message"), [
    (b"Name,Price\nTee,12\n", "This CSV has neither our columns"),
    (b"Name\tPrice\nTee\t12\n", "This TSV has neither the columns of a Google Merchant Center feed"),
    (b"<html><body>Not found</body></html>", "neither an <rss> nor an Atom <feed> root (it starts with <html>)"),
    (b'<?xml version="1.0"?>\n<rss version="2.0"><channel></channel></rss>', "without Google's product namespace"),
])
def test_detection_says_what_it_saw(head, message):
    with pytest.raises(FeedError, match=message.replace("(", r"\(").replace(")", r"\)")):
        detect_format(head, {})
    with pytest.raises(FeedError):
        rows(head)


def test_auto_reads_our_csv_exactly_as_csv_does():
    data = (BASE_DIR / "samples" / "feed-sample.csv").read_bytes()
    assert [(row.line, row.fields) for row in rows(data, "auto")] == [(row.line, row.fields) for row in rows(data, "csv")]


def test_an_explicit_format_that_does_not_fit_says_so():
    with pytest.raises(FeedError, match="lacks the columns “Handle”"):
        rows(sample("woocommerce-products.csv"), "shopify")
    with pytest.raises(FeedError, match="looks like XML"):
        rows(sample("google-merchant.xml"), "woo")


def test_every_format_fits_the_feed_column():
    from app.catalog.feeds_models import FEED_FORMATS, SupplierFeed

    assert max(len(fmt) for fmt in FEED_FORMATS) <= SupplierFeed.__table__.c.format.type.length


# Streaming -----------------------------------------------------------------------------------


def big_shopify(products_count: int) -> bytes:
    body = "<p>" + "Soft organic cotton. " * 20 + "</p>"
    lines = [SHOPIFY_HEADER]
    for n in range(products_count):
        lines.append(f'p{n},Product {n},"{body}",Apparel,Tee,Size,S,,,P{n}-S,shopify,5,18.00,,,12.00,active\n')
        lines.append(f"p{n},,,,,,M,,,P{n}-M,shopify,5,18.00,,,12.00,\n")
    return "".join(lines).encode()


def test_a_large_export_is_read_lazily():
    data = big_shopify(20_000)
    assert len(data) > 8_000_000
    counter = ByteCounter(io.BytesIO(data))
    stream = read_rows(counter, "auto", {})
    first = next(stream)
    assert first.sku == "P0-S" and counter.count < 300_000  # a chunk or two read, not the file
    assert sum(1 for _ in stream) == 39_999


def big_google_xml(items: int) -> bytes:
    parts = ['<?xml version="1.0"?>\n<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>\n']
    for n in range(items):
        parts.append(f"<item>\n<g:id>I-{n}</g:id>\n<g:title>Item {n} {'x' * 300}</g:title>\n"
                     f"<g:price>10.00 USD</g:price>\n<g:cost_of_goods_sold>4.00 USD</g:cost_of_goods_sold>\n"
                     f"<g:availability>in_stock</g:availability>\n<g:quantity>3</g:quantity>\n</item>\n")
    parts.append("</channel></rss>\n")
    return "".join(parts).encode()


def test_a_large_xml_feed_is_held_one_item_at_a_time():
    data = big_google_xml(15_000)
    assert len(data) > 6_000_000
    tracemalloc.start()
    try:
        count, last = 0, None
        for row in read_rows(ByteCounter(io.BytesIO(data)), "auto", {}):
            count, last = count + 1, row
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 15_000 and last.line == 3 + 8 * 14_999
    assert peak < 2_000_000, peak  # the items read are cleared and dropped, not kept in a tree
