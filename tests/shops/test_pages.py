"""app/shops/pages.py: the owner's text of a policy page, its limits, the default, and the
plain-text format (escaped before anything is formatted)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import DomainError
from app.extensions import db
from app.shops import pages
from app.shops.pages import ShopPage
from app.tenancy import get_for_shop, unscoped, use_shop


def _rows():
    with unscoped():
        return db.session.scalars(select(ShopPage).order_by(ShopPage.id)).all()


def test_save_then_restore(shop_a):
    shop = shop_a.shop
    with use_shop(shop.id):
        assert pages.policy_page(shop, "terms").is_default
        saved = pages.save_page(shop, "terms", "  Our terms.\r\n\r\nBe kind to each other, please.  \n\n")
        assert not saved.is_default and saved.body == "Our terms.\n\nBe kind to each other, please."
        assert pages.policy_page(shop, "terms").body == saved.body
        pages.save_page(shop, "terms", "Second version of our terms.")
        assert [(r.kind, r.body) for r in _rows()] == [("terms", "Second version of our terms.")]
        restored = pages.restore_default(shop, "terms")
        assert restored.is_default and "These terms apply when you buy from Alpha Shop." in restored.body
        assert _rows() == []
        assert pages.restore_default(shop, "terms").is_default  # twice is fine


def test_saving_the_default_unchanged_keeps_the_default(shop_a):
    shop = shop_a.shop
    with use_shop(shop.id):
        default = pages.policy_page(shop, "privacy").body
        assert pages.save_page(shop, "privacy", default.replace("\n", "\r\n") + "\n").is_default
        assert _rows() == []
        pages.save_page(shop, "privacy", default + "\n\nOne more line of our own.")
        assert pages.save_page(shop, "privacy", default).is_default  # back to the default: the row goes
        assert _rows() == []


@pytest.mark.parametrize(("body", "message"), [
    ("", "Write the page’s text, or restore the default below."),
    ("   \n\n  ", "Write the page’s text, or restore the default below."),
    ("Too short", "That is very short for a policy: write at least 20 characters."),
    ("x" * 20_001, "Keep the page under 20,000 characters (this text has 20,001)."),
])
def test_bad_texts_are_refused_on_the_field_and_nothing_is_written(shop_a, body, message):
    with use_shop(shop_a.shop.id), pytest.raises(DomainError) as refused:
        pages.save_page(shop_a.shop, "returns", body)
    assert (refused.value.field, refused.value.message) == ("body", message)
    assert _rows() == []


def test_only_the_four_pages_exist(shop_a):
    with use_shop(shop_a.shop.id):
        with pytest.raises(DomainError):
            pages.save_page(shop_a.shop, "about", "A page that is not one of the four.")
        with pytest.raises(KeyError):
            pages.policy_page(shop_a.shop, "about")
    with use_shop(shop_a.shop.id):
        assert [p.kind for p in pages.policy_pages(shop_a.shop)] == ["returns", "shipping", "privacy", "terms"]


def test_a_shop_never_reads_or_writes_another_shops_page(shop_a, shop_b):
    with use_shop(shop_b.shop.id):
        pages.save_page(shop_b.shop, "returns", "Bravo's own returns policy, kept private.")
    [theirs] = _rows()
    with use_shop(shop_a.shop.id):
        assert get_for_shop(db.session, ShopPage, theirs.id) is None
        assert pages.policy_page(shop_a.shop, "returns").is_default
        pages.save_page(shop_a.shop, "returns", "Alpha's returns policy, its own row.")
        pages.restore_default(shop_a.shop, "returns")
    with unscoped():
        db.session.refresh(theirs)
    assert theirs.shop_id == shop_b.shop.id and theirs.body == "Bravo's own returns policy, kept private."
    assert len(_rows()) == 1


def test_the_format_escapes_everything_then_formats():
    html = str(pages.render_text(
        "## Returns <b>now</b>\nWithin **14 days** & <script>alert(1)</script>\nsecond line\n\n"
        "- one\n* two\n\nafter the list\n# Big\n**unclosed"))
    assert html == ("<h2>Returns &lt;b&gt;now&lt;/b&gt;</h2>\n"
                    "<p>Within <strong>14 days</strong> &amp; &lt;script&gt;alert(1)&lt;/script&gt;<br>second line</p>\n"
                    "<ul><li>one</li><li>two</li></ul>\n"
                    "<p>after the list</p>\n<h2>Big</h2>\n<p>**unclosed</p>")


def test_every_default_renders_without_placeholders(shop_a):
    for kind in pages.PAGE_KINDS:
        page = pages.default_page(shop_a.shop, kind)
        assert "{" not in page.body and "}" not in page.body
        assert kind == "returns" or "Alpha Shop" in page.body  # returns speaks as "we" only
        assert "<h2>" in str(page.html) and len(page.body) <= pages.MAX_BODY
