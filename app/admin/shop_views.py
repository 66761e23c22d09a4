"""Admin: every shop on the platform (search, detail, suspend and reopen), and the outbox."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.errors import DomainError
from app.i18n import _
from app.notifications.services import outbox as outbox_page
from app.security_headers import allow_style_attributes
from app.shops.services import set_shop_status
from app.unit_of_work import refuse
from app.web import found

from . import queries
from .forms import SearchForm, SuspendShopForm
from .views import bp, page_number


@bp.get("/shops")
def shops():
    form = SearchForm(formdata=request.args)
    text = form.q.data if form.validate() else ""
    page, rows = queries.search_shops(text or "", page=page_number())
    return render_template("admin/shops.html", form=form, page=page, rows=rows,
                           filters={"q": text} if text else {})


def _render_shop(shop, form, status: int = 200):
    return render_template("admin/shop_detail.html", shop=shop, stats=queries.shop_stats(shop),
                           form=form), status


@bp.get("/shops/<int:shop_id>")
def shop_detail(shop_id: int):
    return _render_shop(found(queries.get_shop, shop_id), SuspendShopForm(formdata=None))


@bp.post("/shops/<int:shop_id>/suspend")
def suspend_shop(shop_id: int):
    shop = found(queries.get_shop, shop_id)
    form = SuspendShopForm()
    if not form.validate_on_submit():
        return _render_shop(shop, form, 422)
    try:
        set_shop_status(shop, "suspended", form.reason.data)
    except DomainError as error:
        refuse()
        form.reason.errors = [*form.reason.errors, error.message]
        return _render_shop(shop, form, 422)
    flash(_('%(name)s is suspended: its storefront shows a “closed” page.', name=shop.name), "success")
    return redirect(url_for(".shop_detail", shop_id=shop.id))


@bp.post("/shops/<int:shop_id>/reopen")
def reopen_shop(shop_id: int):
    shop = found(queries.get_shop, shop_id)
    set_shop_status(shop, "active")
    flash(_('%(name)s is open again.', name=shop.name), "success")
    return redirect(url_for(".shop_detail", shop_id=shop.id))


@bp.get("/outbox")
def outbox():
    return render_template("admin/outbox.html", page=outbox_page(page=page_number()))


@bp.get("/outbox/<int:email_id>")
@allow_style_attributes  # the e-mail preview's srcdoc: e-mails are styled inline
def outbox_email(email_id: int):
    return render_template("admin/outbox_email.html", email=found(queries.get_email, email_id))
