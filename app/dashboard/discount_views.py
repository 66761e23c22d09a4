"""The owner's discount codes: add one, change it, pause or resume it, and see its uses."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, g, redirect, render_template, request, url_for

from app.errors import DomainError
from app.i18n import _
from app.money import to_major
from app.orders import discounts
from app.shops.timezones import local
from app.unit_of_work import refuse
from app.web import found

from .blueprint import NAV_SECTIONS, bp

NAV_SECTIONS.update({"discounts_page": "discounts", "discount_code": "discounts", "discount_code_action": "discounts"})
FIELDS = ("code", "kind", "value", "min_order", "starts", "ends", "max_uses")


def _typed(form) -> dict:
    values = {key: form.get(key, "") for key in FIELDS}
    values["once_per_shopper"] = form.get("once_per_shopper") == "1"
    return values


def _values_of(code) -> dict:
    """A code's fields as the owner typed them: amounts in major units, times on the shop's clock."""
    currency = g.shop.currency

    def moment(value):
        return local(value, g.shop).strftime("%Y-%m-%dT%H:%M") if value else ""

    return {"code": code.code, "kind": code.kind,
            "value": str(Decimal(code.value) / 100) if code.kind == "percent" else str(to_major(code.value, currency)),
            "min_order": str(to_major(code.min_order, currency)) if code.min_order else "",
            "starts": moment(code.starts_at), "ends": moment(code.ends_at),
            "max_uses": str(code.max_uses or ""), "once_per_shopper": code.once_per_shopper}


def _save(code, values):
    return discounts.save_discount_code(code, g.shop, text=values["code"], kind=values["kind"], value=values["value"],
                                        min_order=values["min_order"], starts=values["starts"], ends=values["ends"],
                                        max_uses=values["max_uses"], once_per_shopper=values["once_per_shopper"])


@bp.route("/<shop>/discounts", methods=["GET", "POST"])
def discounts_page():
    values, errors, status = {"kind": "percent", "once_per_shopper": False}, {}, 200
    if request.method == "POST":
        values = _typed(request.form)
        try:
            code = _save(None, values)
        except DomainError as error:
            refuse(error)
            errors, status = {error.field or "form": error.message}, 422
        else:
            flash(_('%(code)s is ready: shoppers type it at checkout.', code=code.code), "success")
            return redirect(url_for(".discounts_page"))
    codes = discounts.discount_codes()
    return render_template("dashboard/discounts.html", codes=codes, values=values, errors=errors,
                           describe=discounts.describe, state_of=discounts.state_of), status


@bp.route("/<shop>/discounts/<int:code_id>", methods=["GET", "POST"])
def discount_code(code_id: int):
    code = found(discounts.get_discount_code, code_id)
    values, errors, status = _values_of(code), {}, 200
    if request.method == "POST":
        values = _typed(request.form)
        try:
            _save(code, values)
        except DomainError as error:
            refuse(error)
            errors, status = {error.field or "form": error.message}, 422
        else:
            flash(_('%(code)s saved.', code=code.code), "success")
            return redirect(url_for(".discount_code", code_id=code.id))
    return render_template("dashboard/discount_code.html", code=code, values=values, errors=errors,
                           uses=discounts.uses_of(code), given=discounts.discount_given(code),
                           describe=discounts.describe, state_of=discounts.state_of), status


@bp.post("/<shop>/discounts/<int:code_id>/<action>")
def discount_code_action(code_id: int, action: str):
    code = found(discounts.get_discount_code, code_id)
    if action not in ("pause", "resume"):
        abort(404)
    discounts.set_code_active(code, action == "resume")
    flash(_('%(code)s is paused: checkout refuses it until you resume it.', code=code.code) if action == "pause"
          else _('%(code)s works again.', code=code.code), "success")
    if request.form.get("back") == "list":
        return redirect(url_for(".discounts_page"))
    return redirect(url_for(".discount_code", code_id=code.id))
