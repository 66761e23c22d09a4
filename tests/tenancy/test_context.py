"""The tenancy wall: automatic shop filters, fail-closed queries, stamped inserts."""

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.orders.models import Order
from app.shops.models import Collection, Listing
from app.tenancy import TenancyError, get_for_shop, unscoped, use_shop
from tests.factories import make_order


def test_query_without_scope_is_refused(shop_a):
    with pytest.raises(TenancyError):
        db.session.scalars(select(Listing)).all()


def test_count_in_a_subquery_without_scope_is_refused(shop_a):
    with pytest.raises(TenancyError):
        db.session.scalar(select(func.count()).select_from(select(Listing).subquery()))


def test_scoped_queries_see_only_their_shop(shop_a, shop_b):
    with use_shop(shop_a.shop.id):
        titles = db.session.scalars(select(Listing.title)).all()
        assert titles and all(t.startswith("alpha") for t in titles)
        # even a hand-written filter for the other shop finds nothing
        assert db.session.scalars(select(Listing).where(Listing.shop_id == shop_b.shop.id)).all() == []


def test_pagination_counts_are_scoped(app, shop_a, shop_b):
    with use_shop(shop_a.shop.id):
        page = db.paginate(select(Listing), page=1, per_page=1, error_out=False)
        assert page.total == len(shop_a.listings)


def test_get_for_shop_needs_id_and_shop(shop_a, shop_b):
    other = shop_b.listings[0]
    with use_shop(shop_a.shop.id):
        assert get_for_shop(db.session, Listing, other.id) is None
        assert get_for_shop(db.session, Listing, shop_a.listings[0].id) is shop_a.listings[0]
        assert get_for_shop(db.session, Listing, "not-a-number") is None


def test_bulk_update_cannot_reach_another_shop(shop_a, shop_b):
    with use_shop(shop_a.shop.id):
        db.session.execute(update(Listing).values(is_visible=False))
    with unscoped():
        visible_b = db.session.scalars(
            select(Listing.is_visible).where(Listing.shop_id == shop_b.shop.id)).all()
    assert visible_b and all(visible_b)


def test_new_rows_get_the_current_shop(shop_a):
    with use_shop(shop_a.shop.id):
        collection = Collection(title="Picks", handle="picks")
        db.session.add(collection)
        db.session.flush()
        assert collection.shop_id == shop_a.shop.id


def test_writing_a_row_of_another_shop_is_refused(shop_a, shop_b):
    with use_shop(shop_a.shop.id):
        db.session.add(Collection(shop_id=shop_b.shop.id, title="Sneaky", handle="sneaky"))
        with pytest.raises(TenancyError):
            db.session.flush()
    db.session.rollback()


def test_writing_without_scope_is_refused(shop_a):
    db.session.add(Collection(shop_id=shop_a.shop.id, title="No scope", handle="no-scope"))
    with pytest.raises(TenancyError):
        db.session.flush()
    db.session.rollback()


def test_lazy_loaded_lines_stay_in_the_shop(shop_a, shop_b):
    order_a = make_order(shop_a)
    make_order(shop_b)
    with use_shop(shop_a.shop.id):
        order = db.session.scalar(select(Order).where(Order.id == order_a.id))
        assert {line.shop_id for line in order.lines} == {shop_a.shop.id}


def test_composite_foreign_key_refuses_cross_shop_collection_entries(shop_a, shop_b):
    """The database itself refuses a collection entry pointing at another shop's listing."""
    from sqlalchemy.exc import IntegrityError

    from app.shops.models import CollectionListing

    with use_shop(shop_a.shop.id):
        collection = Collection(title="Mine", handle="mine")
        db.session.add(collection)
        db.session.flush()
        db.session.add(CollectionListing(collection_id=collection.id,
                                         listing_id=shop_b.listings[0].id))
        with pytest.raises(IntegrityError):
            db.session.flush()
    db.session.rollback()
