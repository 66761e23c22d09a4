"""The supplier portal (/supplier/): purchase orders to ship, shipping, CSV, webhook settings.

Only members of a supplier get in (everyone else: 404). Requests act for the member's
supplier (`for_supplier`): tenant queries see only its purchase orders and order lines, in
every shop, and any other shop data raises (fail closed); queries also name the supplier.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user

from app.catalog import supplier_staff
from app.catalog.models import Supplier
from app.catalog.services import get_supplier
from app.deals import services as deals
from app.errors import DomainError, NotFound
from app.extensions import login_manager
from app.i18n import _, ngettext
from app.orders import fulfilment, supplier_webhooks
from app.orders.fulfilment_models import PURCHASE_ORDER_STATUSES
from app.tenancy import for_supplier, scope_requests
from app.unit_of_work import refuse
from app.web import add_error, csv_download, flash_refusal, found, row_id
from app.wording import counted

from . import services
from .forms import AcceptInvitationForm, ShipForm, ShipmentUploadForm, WebhookForm

bp = Blueprint("supplier", __name__, url_prefix="/supplier")
SESSION_KEY = "supplier_id"
PUBLIC_ENDPOINTS = {"supplier.accept_invitation"}
NAV_SECTIONS = {"index": "orders", "purchase_order": "orders", "ship": "orders",
                "export_csv": "orders", "upload_shipments": "upload", "settings": "settings",
                "generate_secret": "settings"}


def _members_supplier():
    """Only members of a supplier get in (everyone else: 404); they act for it."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None  # accepting an invitation touches no shop's data
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    suppliers = supplier_staff.suppliers_of(current_user)
    if not suppliers:
        abort(404)
    chosen = session.get(SESSION_KEY)
    g.supplier = next((s for s in suppliers if s.id == chosen), suppliers[0])
    g.my_suppliers = suppliers
    return for_supplier(g.supplier.id)


scope_requests(bp, _members_supplier)


@bp.app_context_processor
def _supplier_link():
    """The platform header links to the portal for supplier staff (checked once per page)."""
    def works_for_a_supplier() -> bool:
        if not current_user.is_authenticated:
            return False
        if "works_for_a_supplier" not in g:
            g.works_for_a_supplier = bool(supplier_staff.suppliers_of(current_user))
        return g.works_for_a_supplier

    return {"works_for_a_supplier": works_for_a_supplier}


@bp.context_processor
def _portal_globals():
    return {"nav_section": NAV_SECTIONS.get((request.endpoint or "").rpartition(".")[2])}


@bp.get("/")
def index():
    status = request.args.get("status") or None
    if status not in (None, *PURCHASE_ORDER_STATUSES):
        status = None
    page = fulfilment.supplier_purchase_orders(
        g.supplier.id, status=status, page=max(request.args.get("page", 1, type=row_id) or 1, 1))
    return render_template("supplier/index.html", page=page, status=status,
                           statuses=PURCHASE_ORDER_STATUSES, to_make=deals.production_orders_to_make(),
                           batches=fulfilment.pickup_batches(g.supplier.id))


@bp.post("/pickup-batches/<key>/ship")
def ship_pickup_batch(key: str):
    """One parcel to a pickup point: every open line going there, one carrier and tracking."""
    try:
        carrier, tracking = fulfilment.clean_tracking(request.form.get("carrier", ""),
                                                      request.form.get("tracking_number", ""))
        batch, _shipped = fulfilment.ship_pickup_batch(g.supplier.id, key, carrier, tracking)
    except NotFound:
        abort(404)
    except DomainError as error:
        flash_refusal(error)
    else:
        flash(ngettext('%(num)d purchase order for %(address)s marked shipped.', '%(num)d purchase orders for %(address)s marked shipped.', len(batch.purchase_orders), address=batch.address), "success")
    return redirect(url_for(".index"))


@bp.post("/switch")
def switch():
    wanted = request.form.get("supplier_id", type=row_id)
    if wanted not in {s.id for s in g.my_suppliers}:
        abort(404)
    session[SESSION_KEY] = wanted
    return redirect(url_for(".index"))


@bp.route("/purchase-orders/<int:po_id>", methods=["GET", "POST"], endpoint="purchase_order")
def purchase_order(po_id: int):
    po = found(fulfilment.supplier_purchase_order, g.supplier.id, po_id)
    form = ShipForm()
    status = 200
    if form.validate_on_submit():
        try:
            shipments = [fulfilment.Shipment(line, form.carrier.data, form.tracking_number.data)
                         for line in services.lines_by_id(po, request.form.getlist("line_id"))]
            fulfilment.ship_lines(g.supplier.id, shipments)  # the shoppers' e-mails go with it
        except DomainError as error:
            add_error(form, error)
            status = 422
        else:
            flash(_('%(counted)s of %(number)s marked shipped.', counted=counted(len(shipments), 'line'), number=po.number), "success")
            return redirect(url_for(".purchase_order", po_id=po_id))
    elif form.errors:
        status = 422
    return render_template("supplier/purchase_order.html", po=po, form=form), status


@bp.get("/purchase-orders.csv")
def export_csv():
    return csv_download(services.export_open_lines_csv(g.supplier.id), "open-purchase-orders.csv")


@bp.route("/shipments/upload", methods=["GET", "POST"])
def upload_shipments():
    form = ShipmentUploadForm()
    problems = []
    status = 200
    if form.validate_on_submit():
        try:
            count, _shipped = services.ship_from_csv(g.supplier.id, form.file.data.read())
        except services.ShipmentUploadError as error:
            refuse()
            problems = error.problems
            form.form_errors.append(error.message)
            status = 422
        except DomainError as error:
            add_error(form, error)
            status = 422
        else:
            flash(_('%(counted)s marked shipped.', counted=counted(count, 'line')), "success")
            return redirect(url_for(".index"))
    elif form.errors:
        status = 422
    return render_template("supplier/upload.html", form=form, problems=problems), status


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    supplier = g.supplier
    form = WebhookForm(obj=None if request.method == "POST" else _webhook_obj(supplier))
    status = 200
    if form.validate_on_submit():
        try:
            supplier_webhooks.set_webhook_url(supplier, form.url.data)
        except DomainError as error:
            add_error(form, error)
            status = 422
        else:
            flash(_('Webhook settings saved.'), "success")
            return redirect(url_for(".settings"))
    return _settings_page(form, secret=None, status=status)


@bp.post("/settings/secret")
def generate_secret():
    secret = supplier_webhooks.generate_secret(g.supplier)
    # Shown in this response only; the page after a reload never shows it again.
    return _settings_page(WebhookForm(obj=_webhook_obj(g.supplier)), secret=secret, status=200)


def _webhook_obj(supplier: Supplier):
    return type("WebhookValues", (), {"url": supplier.webhook_url or ""})()


def _settings_page(form, *, secret, status):
    deliveries = supplier_webhooks.recent_deliveries(g.supplier.id)
    response = render_template("supplier/settings.html", form=form, secret=secret,
                               deliveries=deliveries)
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = supplier_staff.find_invitation(token)
    if invitation is None:
        return render_template("supplier/invitation_invalid.html"), 404
    supplier = get_supplier(invitation.supplier_id)
    form = AcceptInvitationForm()
    logged_in = current_user.is_authenticated
    wrong_account = logged_in and not supplier_staff.invited(current_user, invitation)
    if wrong_account:
        form.form_errors.append(supplier_staff.wrong_account_message(invitation))
    elif request.method == "POST" and (logged_in or form.validate_on_submit()):
        try:
            supplier_staff.accept_invitation(
                token, user=current_user if logged_in else None, password=form.password.data or "")
        except DomainError as error:
            add_error(form, error)
        else:
            if not logged_in:
                from app.accounts.services import find_user_by_email

                login_user(find_user_by_email(invitation.email))
            flash(_('Welcome to the %(name)s supplier portal.', name=supplier.name), "success")
            return redirect(url_for(".index"))
    status = 403 if wrong_account else 422 if form.errors or form.form_errors else 200
    return render_template("supplier/accept_invitation.html", form=form, supplier=supplier,
                           invitation=invitation, logged_in=logged_in,
                           wrong_account=wrong_account), status


from . import payout_views  # noqa: E402,F401 - registers the payout pages on `bp`
