"""Shipping rates by zone: what an order pays to be delivered to a country.

A shop without zones ships everywhere for free (as before zones existed). Once it has one,
a country pays the flat rate per order of the zone that names it (free once the goods,
after any discount, come to the zone's `free_over`); a country in no zone pays the "rest
of the world" zone's rate, or, without one, is refused at checkout in plain words. An order
collected at a pickup point ships free (the supplier sends it with the point's others).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import _
from app.money import MAX_AMOUNT, MoneyError, format_money, parse_amount
from app.tenancy import get_for_shop

from .countries import COUNTRIES, country_name
from .shipping_models import ShippingZone

KNOWN = dict(COUNTRIES)


@dataclass(frozen=True)
class ShippingCharge:
    """What delivery costs one order: `refusal` says why it cannot go there ("": it can)."""

    amount: int = 0
    label: str = ""  # "Shipping to Germany": a card payment's line item
    note: str = ""  # what the shopper is told beside it ("Free over $50.00")
    refusal: str = ""


def shipping_zones() -> list[ShippingZone]:
    """The current shop's zones: the named ones by name, then the rest of the world."""
    return list(db.session.scalars(select(ShippingZone)
                                   .order_by(ShippingZone.rest_of_world, ShippingZone.name, ShippingZone.id)))


def get_shipping_zone(zone_id) -> ShippingZone:
    zone = get_for_shop(db.session, ShippingZone, zone_id)
    if zone is None:
        raise NotFound(_('No such shipping zone in this shop.'))
    return zone


def zone_for(zones: list[ShippingZone], country: str) -> ShippingZone | None:
    """The zone that ships to `country`: the one naming it, else the rest of the world."""
    country = (country or "").upper()
    named = [zone for zone in zones if not zone.rest_of_world and country in (zone.countries or [])]
    if named:
        return min(named, key=lambda zone: zone.id)
    return next((zone for zone in zones if zone.rest_of_world), None)


def refusal_for(shop, country: str) -> str:
    return _("Sorry, %(shop)s does not ship to %(country)s. Choose another country.", shop=shop.name,
             country=country_name(country))


def charge_for(shop, country: str, goods: int, *, pickup: bool = False,
               zones: list[ShippingZone] | None = None) -> ShippingCharge:
    """What shipping an order whose goods come to `goods` (after any discount) to `country`
    costs in the current shop; `pickup`: collected at a pickup point (free)."""
    if pickup:
        return ShippingCharge(note=_('Free: you collect it at the pickup point.'))
    zones = shipping_zones() if zones is None else zones
    if not zones:
        return ShippingCharge()
    zone = zone_for(zones, country)
    if zone is None:
        return ShippingCharge(refusal=refusal_for(shop, country))
    label = _('Shipping to %(country_name)s', country_name=country_name(country))
    if zone.free_over is not None and goods >= zone.free_over:
        return ShippingCharge(label=label, note=_('Free shipping on orders of %(free_over)s or more.', free_over=format_money(zone.free_over, shop.currency)))
    note = (_('Free on orders of %(free_over)s or more (%(remaining)s to go).', free_over=format_money(zone.free_over, shop.currency), remaining=format_money(zone.free_over - goods, shop.currency))) if zone.free_over else ""
    return ShippingCharge(amount=zone.rate, label=label, note=note)


def shippable_countries(zones: list[ShippingZone]) -> list[tuple[str, str]]:
    """The countries checkout offers: every one while there is no zone or a rest of the
    world, else those the zones name."""
    if not zones or any(zone.rest_of_world for zone in zones):
        return list(COUNTRIES)
    named = {code for zone in zones for code in (zone.countries or [])}
    return [(code, name) for code, name in COUNTRIES if code in named]


# The owner's zones -----------------------------------------------------------------------------


def _money(raw, currency: str, field: str, label: str, *, required: bool) -> int | None:
    text = str(raw or "").strip()
    if not text:
        if required:
            raise DomainError(_('Enter %(label)s, like 4.90 (0 for free).', label=label), field=field)
        return None
    try:
        amount = parse_amount(text, currency)
    except MoneyError:
        raise DomainError(_('Enter %(label)s as an amount, like 4.90.', label=label), field=field) from None
    if amount > MAX_AMOUNT // 100:
        raise DomainError(_('That is too much for %(label)s.', label=label), field=field)
    return amount


def save_shipping_zone(zone: ShippingZone | None, shop, *, name, countries, rest_of_world=False, rate="",
                       free_over="") -> ShippingZone:
    """Create (zone None) or change a zone of the current shop: a name, its countries (ISO
    codes, each in one zone only) or the rest of the world, a rate per order and an optional
    amount of goods from which it is free (major units of the shop's currency)."""
    name = " ".join(str(name or "").split())
    if not name:
        raise DomainError(_('Give the zone a name, like “Europe”.'), field="name")
    if len(name) > 80:
        raise DomainError(_('Keep the name under 80 characters.'), field="name")
    rest_of_world = bool(rest_of_world)
    codes = [] if rest_of_world else sorted({str(code).strip().upper() for code in countries or []})
    unknown = [code for code in codes if code not in KNOWN]
    if unknown:
        raise DomainError(_('Choose countries from the list.'), field="countries")
    if not rest_of_world and not codes:
        raise DomainError(_('Choose at least one country (or make it the rest of the world).'), field="countries")
    values = {"name": name, "countries": codes, "rest_of_world": rest_of_world,
              "rate": _money(rate, shop.currency, "rate", "the rate per order", required=True),
              "free_over": _money(free_over, shop.currency, "free_over", "the amount for free shipping",
                                  required=False)}
    if values["free_over"] == 0:
        values["free_over"] = None
    others = [other for other in shipping_zones() if zone is None or other.id != zone.id]
    if any(other.name == name for other in others):
        raise DomainError(_('Another zone is called %(name)s.', name=name), field="name")
    if rest_of_world and any(other.rest_of_world for other in others):
        raise DomainError(_('This shop has a “rest of the world” zone already.'), field="rest_of_world")
    for other in others:
        taken = sorted(set(codes) & set(other.countries or []))
        if taken:
            raise DomainError(_('%(country_name)s: in the zone %(name)s already (a country is in one zone only).', country_name=', '.join(country_name(code) for code in taken), name=other.name), field="countries")
    if zone is None:
        zone = ShippingZone()
        db.session.add(zone)
    for key, value in values.items():
        setattr(zone, key, value)
    db.session.flush()
    return zone


def delete_shipping_zone(zone: ShippingZone) -> None:
    """Orders keep what they paid; checkout no longer ships to the zone's countries (unless
    another zone, or the rest of the world, covers them)."""
    db.session.delete(zone)
    db.session.flush()
