"""Shop pages: the owner's returns, shipping, privacy and terms pages (the platform's default
text until they save their own, and back to it on "Restore the default"), and who receives
the messages of the storefront's contact page."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from app.errors import DomainError
from app.i18n import _
from app.shops import contact, pages
from app.unit_of_work import refuse

from .blueprint import NAV_SECTIONS, bp

NAV_SECTIONS.update({"shop_pages": "pages", "edit_shop_page": "pages", "restore_shop_page": "pages"})


@bp.get("/<shop>/pages")
def shop_pages():
    return render_template("dashboard/shop_pages.html", pages=pages.policy_pages(g.shop),
                           owners=contact.owners_and_confirmation(g.shop.id))


def _kind_or_404(kind: str) -> str:
    if not pages.is_page_kind(kind):
        abort(404)
    return kind


@bp.route("/<shop>/pages/<kind>", methods=["GET", "POST"])
def edit_shop_page(kind: str):
    """The editor. "Preview" shows the text as shoppers would see it, without saving."""
    page = pages.policy_page(g.shop, _kind_or_404(kind))
    body, errors, preview = page.body, {}, None
    if request.method == "POST":
        body = request.form.get("body", "")
        try:
            if request.form.get("action") == "preview":
                preview = pages.render_text(pages.clean_body(body))
            else:
                saved = pages.save_page(g.shop, kind, body)
        except DomainError as error:
            refuse(error)
            errors = {error.field or "form": error.message}
        else:
            if preview is None:
                flash(_('The default %(title)s page stays: your text is the same as the default.', title=saved.title)
                      if saved.is_default else _('%(title)s saved: your storefront shows it now.', title=saved.title), "success")
                return redirect(url_for(".edit_shop_page", kind=kind))
    return render_template("dashboard/shop_page_edit.html", page=page, body=body, errors=errors, preview=preview,
                           default=pages.default_page(g.shop, kind), max_body=pages.MAX_BODY), 422 if errors else 200


@bp.post("/<shop>/pages/<kind>/restore")
def restore_shop_page(kind: str):
    page = pages.restore_default(g.shop, _kind_or_404(kind))
    flash(_('The default %(title)s page is back on your storefront.', title=page.title), "success")
    return redirect(url_for(".edit_shop_page", kind=kind))
