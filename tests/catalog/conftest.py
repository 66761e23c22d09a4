"""Catalog test helpers."""

from __future__ import annotations

from sqlalchemy import func, select

from app.catalog.models import SupplyProduct, SupplyVariant
from app.extensions import db


def catalog_counts(supplier) -> tuple[int, int]:
    """(products, variants) of the supplier, read fresh from the database."""
    db.session.expire_all()
    products = db.session.scalar(
        select(func.count(SupplyProduct.id)).where(SupplyProduct.supplier_id == supplier.id))
    variants = db.session.scalar(
        select(func.count(SupplyVariant.id)).where(SupplyVariant.supplier_id == supplier.id))
    return products, variants
