"""Supplier staff: invitations (only a sha256 of the token is stored), membership, and the
CSV export/upload of purchase order lines. Portal reads run unscoped and always filter by
the member's supplier_id."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from app.accounts.models import User
from app.accounts.services import create_user, find_user_by_email, normalise_email
from app.catalog.models import Supplier
from app.catalog.portal_models import SupplierInvitation, SupplierMember
from app.csv_export import csv_text, unescape_cell
from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.orders.fulfilment import Shipment, clean_tracking, open_purchase_order_lines, ship_lines
from app.orders.fulfilment_models import PurchaseOrder, PurchaseOrderLine

INVITATION_DAYS = 7
CSV_EXPORT_COLUMNS = ("po_number", "created", "sku", "title", "variant", "quantity", "ship_name",
                      "ship_phone", "ship_line1", "ship_line2", "ship_city", "ship_region",
                      "ship_postcode", "ship_country")
CSV_UPLOAD_COLUMNS = ("po_number", "sku", "carrier", "tracking_number")
MAX_UPLOAD_ROWS = 5000


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Membership ------------------------------------------------------------------------------


def suppliers_of(user: User) -> list[Supplier]:
    """The suppliers this user works for (none for everyone else)."""
    return list(db.session.scalars(
        select(Supplier).join(SupplierMember, SupplierMember.supplier_id == Supplier.id)
        .where(SupplierMember.user_id == user.id).order_by(Supplier.name)))


def members_of(supplier: Supplier) -> list[SupplierMember]:
    return list(db.session.scalars(
        select(SupplierMember).where(SupplierMember.supplier_id == supplier.id)
        .order_by(SupplierMember.id)))


def pending_invitations(supplier: Supplier) -> list[SupplierInvitation]:
    return list(db.session.scalars(
        select(SupplierInvitation).where(SupplierInvitation.supplier_id == supplier.id,
                                         SupplierInvitation.accepted_at.is_(None))
        .order_by(SupplierInvitation.id.desc())))


# Invitations -----------------------------------------------------------------------------


def invite_staff(supplier: Supplier, email: str) -> tuple[SupplierInvitation, str]:
    """A new invitation; returns it and the raw token (only its hash is stored)."""
    email = normalise_email(email)
    user = find_user_by_email(email)
    if user is not None and db.session.scalar(select(SupplierMember).where(
            SupplierMember.supplier_id == supplier.id, SupplierMember.user_id == user.id)):
        raise DomainError("This person already works for this supplier.", field="email")
    token = secrets.token_urlsafe(32)
    invitation = SupplierInvitation(supplier_id=supplier.id, email=email, token_hash=_hash(token),
                                    expires_at=utcnow() + timedelta(days=INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def find_invitation(token: str) -> SupplierInvitation | None:
    """The usable invitation behind a token: not accepted, not expired; else None."""
    invitation = db.session.scalar(
        select(SupplierInvitation).where(SupplierInvitation.token_hash == _hash(token or "")))
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= utcnow():
        return None
    return invitation


def invited(user: User, invitation: SupplierInvitation) -> bool:
    """Only the addressee may accept: a forwarded or leaked link is no way in for others."""
    return user.email.strip().lower() == invitation.email.strip().lower()


def wrong_account_message(invitation: SupplierInvitation) -> str:
    return (f"This invitation is for {invitation.email}. Log out, then open the link again "
            f"and log in (or set a password) as {invitation.email}.")


def accept_invitation(token: str, *, user: User | None = None, password: str = "") -> SupplierMember:
    """Use an invitation once: link `user` (logged in) or create the invitee's account."""
    invitation = find_invitation(token)
    if invitation is None:
        raise DomainError("This invitation link is invalid, used or expired. Ask for a new one.")
    if user is None:
        if find_user_by_email(invitation.email) is not None:
            raise DomainError("An account with this email already exists: log in, then open the link again.")
        user = create_user(invitation.email, password, verified=True)  # the link came by e-mail
    elif not invited(user, invitation):
        raise DomainError(wrong_account_message(invitation))
    elif user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the link reached this address
    member = db.session.scalar(select(SupplierMember).where(
        SupplierMember.supplier_id == invitation.supplier_id, SupplierMember.user_id == user.id))
    if member is None:
        member = SupplierMember(supplier_id=invitation.supplier_id, user_id=user.id)
        db.session.add(member)
    # Conditional UPDATE: of two concurrent uses of one token, only one wins.
    used = db.session.execute(
        update(SupplierInvitation)
        .where(SupplierInvitation.id == invitation.id, SupplierInvitation.accepted_at.is_(None))
        .values(accepted_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if used != 1:
        raise DomainError("This invitation link was already used.")
    db.session.flush()
    return member


# CSV -------------------------------------------------------------------------------------


def export_open_lines_csv(supplier_id: int) -> str:
    """One row per line still to ship of this supplier's open purchase orders (cells a
    spreadsheet would run as formulas are quoted: app.csv_export)."""
    return csv_text(CSV_EXPORT_COLUMNS, (
        [po.number, po.created_at.strftime("%Y-%m-%d %H:%M"), line.sku, line.title,
         line.variant_label, line.quantity, po.ship_name, po.ship_phone, po.ship_line1,
         po.ship_line2, po.ship_city, po.ship_region, po.ship_postcode, po.ship_country]
        for po, line in open_purchase_order_lines(supplier_id)))


@dataclass
class UploadProblem:
    line: int
    reason: str


class ShipmentUploadError(DomainError):
    def __init__(self, problems: list[UploadProblem]):
        super().__init__(f"{len(problems)} row(s) need fixing; nothing was marked shipped.")
        self.problems = problems


def ship_from_csv(supplier_id: int, data: bytes) -> tuple[int, list[int]]:
    """Mark lines shipped from a CSV (po_number, sku, carrier, tracking_number). All or
    nothing: every bad row is reported with its line number and nothing is written.
    Returns (lines shipped, ids of orders that became fully shipped)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("The file must be UTF-8 encoded CSV.", field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_UPLOAD_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DomainError("Missing column(s): " + ", ".join(missing) + ".", field="file")
    problems: list[UploadProblem] = []
    shipments: list[Shipment] = []
    seen: set[int] = set()
    for raw in reader:
        line_no = reader.line_num
        # The file may be our export with tracking numbers added: undo its formula quoting.
        row = {key: unescape_cell(value) if isinstance(value, str) else value for key, value in raw.items()}
        if line_no > MAX_UPLOAD_ROWS + 1:
            problems.append(UploadProblem(line_no, f"Too many rows (at most {MAX_UPLOAD_ROWS})."))
            break
        po_number = (row.get("po_number") or "").strip().upper()
        sku = (row.get("sku") or "").strip()
        if not po_number or not sku:
            problems.append(UploadProblem(line_no, "po_number and sku are required."))
            continue
        po = db.session.scalar(select(PurchaseOrder).where(
            PurchaseOrder.number == po_number, PurchaseOrder.supplier_id == supplier_id))
        if po is None:
            problems.append(UploadProblem(line_no, f"No purchase order {po_number}."))
            continue
        if po.status != "open":
            problems.append(UploadProblem(line_no, f"Purchase order {po_number} is {po.status}."))
            continue
        lines = [line for line in po.lines if line.sku == sku]
        if not lines:
            problems.append(UploadProblem(line_no, f"No line with SKU {sku} on {po_number}."))
            continue
        try:
            carrier, tracking = clean_tracking(row.get("carrier"), row.get("tracking_number"))
        except DomainError as error:
            problems.append(UploadProblem(line_no, error.message))
            continue
        for line in lines:
            if line.shipped_at is not None:
                problems.append(UploadProblem(line_no, f"{sku} on {po_number} has already shipped."))
            elif line.id in seen:
                problems.append(UploadProblem(line_no, f"{sku} on {po_number} appears twice."))
            else:
                seen.add(line.id)
                shipments.append(Shipment(line, carrier, tracking))
    if problems:
        raise ShipmentUploadError(problems)
    if not shipments:
        raise DomainError("The file has no rows.", field="file")
    return len(shipments), ship_lines(supplier_id, shipments)


def lines_by_id(po: PurchaseOrder, ids) -> list[PurchaseOrderLine]:
    wanted = {int(i) for i in ids}
    return [line for line in po.lines if line.id in wanted]
