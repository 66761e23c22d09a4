"""The owner's pickup points: add and change them, open or close one, the person in
charge's secret link, and per point what has arrived and what waits to be collected."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from app.errors import DomainError
from app.i18n import _
from app.money import to_major
from app.orders.countries import country_options
from app.orders.pickup import orders_at
from app.shops import pickup
from app.shops.hosts import storefront_host
from app.unit_of_work import refuse
from app.web import found

from .blueprint import NAV_SECTIONS, bp

NAV_SECTIONS.update({"pickup_points": "pickup", "pickup_point": "pickup", "pickup_point_action": "pickup"})
FIELDS = ("name", "line1", "city", "postcode", "country", "hours", "contact_name", "contact_phone",
          "fee_per_order")


def _values_of(point) -> dict:
    values = {key: getattr(point, key) for key in FIELDS}
    values["fee_per_order"] = str(to_major(point.fee_per_order, g.shop.currency)) if point.fee_per_order else ""
    return values


def _staff_url(point, token: str) -> str:
    return url_for("storefront.pickup_desk", shop_host=storefront_host(g.shop), point_id=point.id,
                   token=token, _external=True)


@bp.route("/<shop>/pickup-points", methods=["GET", "POST"])
def pickup_points():
    values, errors, status = {"country": "US"}, {}, 200
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in FIELDS}
        try:
            point, token = pickup.save_pickup_point(None, **values, currency=g.shop.currency)
        except DomainError as error:
            refuse(error)
            errors, status = {error.field or "form": error.message}, 422
        else:
            flash(_('%(name)s added. Send %(contact_name)s their link to the pickup desk (shown once): %(_staff_url)s', name=point.name, contact_name=point.contact_name, _staff_url=_staff_url(point, token)), "success")
            return redirect(url_for(".pickup_point", point_id=point.id))
    points = pickup.pickup_points()
    return render_template("dashboard/pickup_points.html", points=points, counts={
        point.id: {kind: len(rows) for kind, rows in orders_at(point).items()} for point in points},
        values=values, errors=errors, countries=country_options()), status


@bp.route("/<shop>/pickup-points/<int:point_id>", methods=["GET", "POST"])
def pickup_point(point_id: int):
    point = found(pickup.get_pickup_point, point_id)
    values, errors, status = _values_of(point), {}, 200
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in FIELDS}
        try:
            pickup.save_pickup_point(point, **values, currency=g.shop.currency)
        except DomainError as error:
            refuse(error)
            errors, status = {error.field or "form": error.message}, 422
        else:
            flash(_('Pickup point saved.'), "success")
            return redirect(url_for(".pickup_point", point_id=point.id))
    return render_template("dashboard/pickup_point.html", point=point, orders=orders_at(point), values=values,
                           errors=errors, countries=country_options()), status


@bp.post("/<shop>/pickup-points/<int:point_id>/<action>")
def pickup_point_action(point_id: int, action: str):
    point = found(pickup.get_pickup_point, point_id)
    if action == "new-link":
        token = pickup.new_staff_link(point)
        flash(_('A new link for %(contact_name)s (the old one no longer works; shown once): %(_staff_url)s', contact_name=point.contact_name, _staff_url=_staff_url(point, token)), "success")
    elif action in ("close", "open"):
        pickup.set_point_active(point, action == "open")
        flash(_('%(name)s is %(action)s.', name=point.name, action='open again' if action == 'open' else 'closed: checkout no longer offers it'),
              "success")
    else:
        abort(404)
    return redirect(url_for(".pickup_point", point_id=point.id))
