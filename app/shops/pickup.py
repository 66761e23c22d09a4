"""Neighbourhood pickup points: where a shop's shoppers may collect their orders instead of a
delivery to their door (a community leader's front room, a corner shop). The supplier ships
a pickup order to its point; the person in charge hands it over against the order's pickup
code, on a phone page reached by the point's own secret link."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import _
from app.money import MoneyError, format_money, parse_amount
from app.tenancy import TenantMixin, get_for_shop, row_key


class PickupPoint(TenantMixin, db.Model):
    __tablename__ = "pickup_points"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    line1: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2))
    hours: Mapped[str] = mapped_column(String(200), default="")  # "Mon-Fri 17:00-20:00"
    contact_name: Mapped[str] = mapped_column(String(120))  # the person in charge
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # What the point earns for each order handed over (minor units, the shop's currency),
    # out of the shop's margin on it: 0 for none.
    fee_per_order: Mapped[int] = mapped_column(default=0, server_default="0")
    # The person in charge's page: only a hash of its secret link is kept.
    staff_token_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def address(self) -> str:
        return ", ".join(part for part in (self.line1, self.postcode, self.city) if part)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clean(text, field: str, label: str, limit: int, required: bool = True) -> str:
    value = " ".join(str(text or "").split())
    if required and not value:
        raise DomainError(_('Enter the %(label)s.', label=label), field=field)
    if len(value) > limit:
        raise DomainError(_('Keep the %(label)s under %(limit)s characters.', label=label, limit=limit), field=field)
    return value


MAX_FEE = 10_000  # minor units: past this a per-order fee is a typo


def _fee(raw, currency: str) -> int:
    text = str(raw or "").strip()
    if not text:
        return 0
    try:
        fee = parse_amount(text, currency)
    except MoneyError:
        raise DomainError(_('Enter the fee as an amount, like 0.50 (or leave it empty for none).'),
                          field="fee_per_order") from None
    if fee > MAX_FEE:
        raise DomainError(_('Keep the fee per order at most %(max_fee)s.', max_fee=format_money(MAX_FEE, currency)), field="fee_per_order")
    return fee


def save_pickup_point(point: PickupPoint | None, *, name, line1, city, postcode, country, hours,
                      contact_name, contact_phone, fee_per_order="", currency: str = "USD",
                      ) -> tuple[PickupPoint, str | None]:
    """Create (point None) or change a pickup point (current shop scope). A new point gets
    the secret link of its person in charge: returned once (the token), never stored. An
    optional fee per order (major units, the shop's currency) goes to the point for each
    order handed over there."""
    values = {
        "name": _clean(name, "name", "point's name", 80),
        "line1": _clean(line1, "line1", "street address", 200),
        "city": _clean(city, "city", "city", 100),
        "postcode": _clean(postcode, "postcode", "postcode", 20),
        "country": _clean(country, "country", "country", 2).upper(),
        "hours": _clean(hours, "hours", "opening hours", 200),
        "contact_name": _clean(contact_name, "contact_name", "name of the person in charge", 120),
        "contact_phone": _clean(contact_phone, "contact_phone", "phone number", 40, required=False),
        "fee_per_order": _fee(fee_per_order, currency),
    }
    if len(values["country"]) != 2 or not values["country"].isalpha():
        raise DomainError(_('Choose the country.'), field="country")
    clash = db.session.scalar(select(PickupPoint.id).where(PickupPoint.name == values["name"]))
    if clash is not None and (point is None or clash != point.id):
        raise DomainError(_('Another pickup point has this name.'), field="name")
    token = None
    if point is None:
        point = PickupPoint()
        token = secrets.token_urlsafe(24)
        point.staff_token_hash = _hash(token)
        db.session.add(point)
    for key, value in values.items():
        setattr(point, key, value)
    db.session.flush()
    return point, token


def new_staff_link(point: PickupPoint) -> str:
    """A new secret link for the person in charge (the old one stops working)."""
    token = secrets.token_urlsafe(24)
    point.staff_token_hash = _hash(token)
    db.session.flush()
    return token


def set_point_active(point: PickupPoint, active: bool) -> PickupPoint:
    point.active = active
    db.session.flush()
    return point


def pickup_points(active_only: bool = False) -> list[PickupPoint]:
    query = select(PickupPoint).order_by(PickupPoint.name)
    if active_only:
        query = query.where(PickupPoint.active.is_(True))
    return list(db.session.scalars(query))


def get_pickup_point(point_id) -> PickupPoint:
    point = get_for_shop(db.session, PickupPoint, point_id)
    if point is None:
        raise NotFound(_('No such pickup point in this shop.'))
    return point


def point_for_staff(point_id, token: str) -> PickupPoint | None:
    """The point whose person in charge holds this secret link (current shop), or None."""
    point = get_for_shop(db.session, PickupPoint, point_id)
    if point is None or not point.staff_token_hash or not token:
        return None
    if not secrets.compare_digest(point.staff_token_hash, _hash(token)):
        return None
    return point
