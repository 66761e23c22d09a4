"""Admin: a supplier's portal staff (invite by e-mail) and its webhook delivery log."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from app.catalog import services as catalog
from app.catalog import supplier_staff as staff
from app.errors import DomainError
from app.i18n import _
from app.notifications.jobs import send_after_commit
from app.notifications.services import record_email
from app.orders.supplier_webhooks import recent_deliveries
from app.web import add_error, found

from .forms import InviteStaffForm
from .views import bp


def _staff_page(supplier, form, status=200):
    return render_template(
        "admin/supplier_staff.html", supplier=supplier, form=form,
        members=staff.members_of(supplier), invitations=staff.pending_invitations(supplier),
        deliveries=recent_deliveries(supplier.id),
    ), status


@bp.get("/suppliers/<int:supplier_id>/staff")
def supplier_staff(supplier_id: int):
    supplier = found(catalog.get_supplier, supplier_id)
    return _staff_page(supplier, InviteStaffForm())


@bp.post("/suppliers/<int:supplier_id>/staff/invite")
def invite_supplier_staff(supplier_id: int):
    """Invite someone by e-mail: the link (raw token) exists only in the e-mail."""
    supplier = found(catalog.get_supplier, supplier_id)
    form = InviteStaffForm()
    if not form.validate_on_submit():
        return _staff_page(supplier, form, 422)
    try:
        invitation, token = staff.invite_staff(supplier, form.email.data)
        invite_url = url_for("supplier.accept_invitation", token=token, _external=True)
        context = {"supplier": supplier, "invite_url": invite_url}
        email, _created = record_email(
            f"supplier-invitation:{invitation.id}", to=invitation.email,
            subject=_("You are invited to the %(supplier)s supplier portal on Flagship", supplier=supplier.name),
            body_text=render_template("emails/supplier_invitation.txt", **context),
            body_html=render_template("emails/supplier_invitation.html", **context),
        )
    except DomainError as error:
        add_error(form, error)
        return _staff_page(supplier, form, 422)
    send_after_commit(email)  # a failure to send shows in Jobs and the outbox
    flash(_('Invitation sent to %(email)s.', email=invitation.email), "success")
    return redirect(url_for(".supplier_staff", supplier_id=supplier.id))
