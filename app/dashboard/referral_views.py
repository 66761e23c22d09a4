"""The owner's referral programme: the rates (with their effect on every price's margin,
previewed before saving), who may join, the promoters (top sellers first), inviting one,
and pausing one."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for

from app.errors import DomainError
from app.i18n import _
from app.referrals import services as referrals
from app.shops.hosts import storefront_host
from app.unit_of_work import refuse
from app.web import found

from .blueprint import NAV_SECTIONS, bp

NAV_SECTIONS.update({"referrals": "referrals", "invite_promoter": "referrals", "promoter_action": "referrals"})


def _percent_value(basis_points: int) -> str:
    return referrals.percent(basis_points).removesuffix("%")


def _render(values: dict, errors: dict, effect=None, previewed: bool = False, invite=None, status: int = 200):
    shop = g.shop
    if effect is None:
        effect = referrals.margin_effect(shop, shop.referral_level1_bp, shop.referral_level2_bp)
    return render_template(
        "dashboard/referrals.html", values=values, errors=errors, effect=effect[:8], below=[
            row for row in effect if row.after < 0], previewed=previewed, promoters=referrals.top_promoters(),
        invite=invite or {"name": "", "email": "", "errors": {}}, hold_days=current_app.config["COMMISSION_HOLD_DAYS"],
        join_url=url_for("storefront.join_promoters", shop_host=storefront_host(g.shop), _external=True)), status


def _saved_values() -> dict:
    shop = g.shop
    return {"is_open": shop.referral_open, "invite_only": shop.referral_invite_only,
            "level1_percent": _percent_value(shop.referral_level1_bp),
            "level2_percent": _percent_value(shop.referral_level2_bp),
            "binding_days": str(shop.referral_binding_days)}


@bp.route("/<shop>/referrals", methods=["GET", "POST"])
def referrals_page():
    if request.method == "GET":
        return _render(_saved_values(), {})
    values = {"is_open": request.form.get("is_open") == "on", "invite_only": request.form.get("invite_only") == "on",
              "level1_percent": request.form.get("level1_percent", "").strip()[:10],
              "level2_percent": request.form.get("level2_percent", "").strip()[:10],
              "binding_days": request.form.get("binding_days", "").strip()[:5]}
    try:
        level1, level2 = referrals.read_rates(values["level1_percent"], values["level2_percent"])
        try:
            days = int(values["binding_days"])
        except ValueError:
            raise DomainError(_('Enter the binding period in whole days.'), field="binding_days") from None
        if request.form.get("action") == "preview":
            return _render(values, {}, referrals.margin_effect(g.shop, level1, level2), previewed=True)
        referrals.save_programme(g.shop, is_open=values["is_open"], invite_only=values["invite_only"],
                                 level1_bp=level1, level2_bp=level2, binding_days=days)
    except DomainError as error:
        refuse(error)
        return _render(values, {error.field or "form": error.message}, status=422)
    flash(_('Referral programme saved.') if g.shop.referral_open else _('Referral programme saved (closed).'), "success")
    return redirect(url_for(".referrals_page"))


@bp.post("/<shop>/referrals/promoters")
def invite_promoter():
    """The owner adds a promoter (also when the programme takes invitations only): they get
    the link to their page by e-mail."""
    invite = {"name": request.form.get("name", "").strip()[:80], "email": request.form.get("email", "").strip()[:254]}
    try:
        promoter, token = referrals.join(g.shop, by_owner=True, **invite)
    except DomainError as error:
        refuse(error)
        return _render(_saved_values(), {}, invite={**invite, "errors": {error.field or "form": error.message}},
                       status=422)
    referrals.send_page_link(promoter, g.shop, token)
    flash(_('%(name)s is a promoter: the link to their page is on its way to %(email)s.', name=promoter.name, email=promoter.email), "success")
    return redirect(url_for(".referrals_page"))


@bp.post("/<shop>/referrals/promoters/<int:promoter_id>")
def promoter_action(promoter_id: int):
    promoter = found(referrals.get_promoter, promoter_id)
    paused = request.form.get("action") == "pause"
    referrals.set_paused(promoter, paused)
    flash(_('%(name)s’s link is %(paused)s.', name=promoter.name, paused='paused: it brings no new commissions' if paused else 'active again'),
          "success")
    return redirect(url_for(".referrals_page"))
