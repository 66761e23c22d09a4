"""The owner's shipping zones: the countries the shop ships to and what delivery costs there."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from app.errors import DomainError
from app.i18n import _
from app.money import to_major
from app.orders import shipping
from app.orders.countries import country_options
from app.unit_of_work import refuse
from app.web import found

from .blueprint import NAV_SECTIONS, bp

NAV_SECTIONS.update({"shipping_page": "shipping", "shipping_zone": "shipping", "shipping_zone_action": "shipping"})


def _typed(form) -> dict:
    return {"name": form.get("name", ""), "countries": form.getlist("countries"),
            "rest_of_world": form.get("rest_of_world") == "1", "rate": form.get("rate", ""),
            "free_over": form.get("free_over", "")}


def _values_of(zone) -> dict:
    currency = g.shop.currency
    return {"name": zone.name, "countries": list(zone.countries or []), "rest_of_world": zone.rest_of_world,
            "rate": str(to_major(zone.rate, currency)),
            "free_over": str(to_major(zone.free_over, currency)) if zone.free_over else ""}


def _page(template: str, **context):
    zones = shipping.shipping_zones()
    taken = {code: zone.name for zone in zones for code in (zone.countries or [])}
    return render_template(template, zones=zones, taken=taken, countries=country_options(), **context)


@bp.route("/<shop>/shipping", methods=["GET", "POST"])
def shipping_page():
    values, errors, status = {"countries": [], "rest_of_world": False}, {}, 200
    if request.method == "POST":
        values = _typed(request.form)
        try:
            zone = shipping.save_shipping_zone(None, g.shop, **values)
        except DomainError as error:
            refuse(error)
            errors, status = {error.field or "form": error.message}, 422
        else:
            flash(_('%(name)s added: checkout charges its rate there.', name=zone.name), "success")
            return redirect(url_for(".shipping_page"))
    return _page("dashboard/shipping.html", values=values, errors=errors), status


@bp.route("/<shop>/shipping/<int:zone_id>", methods=["GET", "POST"])
def shipping_zone(zone_id: int):
    zone = found(shipping.get_shipping_zone, zone_id)
    values, errors, status = _values_of(zone), {}, 200
    if request.method == "POST":
        values = _typed(request.form)
        try:
            shipping.save_shipping_zone(zone, g.shop, **values)
        except DomainError as error:
            refuse(error)
            errors, status = {error.field or "form": error.message}, 422
        else:
            flash(_('%(name)s saved.', name=zone.name), "success")
            return redirect(url_for(".shipping_page"))
    return _page("dashboard/shipping_zone.html", zone=zone, values=values, errors=errors), status


@bp.post("/<shop>/shipping/<int:zone_id>/<action>")
def shipping_zone_action(zone_id: int, action: str):
    zone = found(shipping.get_shipping_zone, zone_id)
    if action != "delete":
        abort(404)
    name = zone.name
    shipping.delete_shipping_zone(zone)
    flash(_('%(name)s deleted. Orders placed keep what they paid.', name=name), "success")
    return redirect(url_for(".shipping_page"))
