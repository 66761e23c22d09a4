"""Dashboard test helpers: shop A's owner logged in on the platform host."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.tenancy import unscoped


@pytest.fixture
def owner(shop_a, shop_b, login):
    """The platform client, logged in as shop A's owner (shop B exists too)."""
    return login(shop_a.owner)


def fetch_all(model, **where):
    """Rows of a tenant model straight from the database, whichever shop they belong to."""
    with unscoped():
        # populate_existing refreshes just these rows; expiring everything would make later
        # reads of fixture objects reload outside any shop scope (refused by RLS on PostgreSQL)
        query = select(model).order_by(model.id).execution_options(populate_existing=True)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list(db.session.scalars(query))


def page_text(response) -> str:
    return response.get_data(as_text=True)
