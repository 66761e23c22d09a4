"""The supplier portal's CSV export/upload of purchase order lines. Portal reads run unscoped
and always filter by the member's supplier_id. (Staff and invitations: app.catalog.supplier_staff.)"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.csv_export import csv_text, unescape_cell
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.orders.fulfilment import Shipment, clean_tracking, open_purchase_order_lines, ship_lines
from app.orders.fulfilment_models import PurchaseOrder, PurchaseOrderLine
from app.wording import counted, named

CSV_EXPORT_COLUMNS = ("po_number", "created", "sku", "title", "variant", "quantity", "ship_name",
                      "ship_phone", "ship_line1", "ship_line2", "ship_city", "ship_region",
                      "ship_postcode", "ship_country")
CSV_UPLOAD_COLUMNS = ("po_number", "sku", "carrier", "tracking_number")
MAX_UPLOAD_ROWS = 5000


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
        super().__init__(f"{counted(len(problems), 'row')} {'needs' if len(problems) == 1 else 'need'} fixing; "
                         "nothing was marked shipped.")
        self.problems = problems


def ship_from_csv(supplier_id: int, data: bytes) -> tuple[int, list[int]]:
    """Mark lines shipped from a CSV (po_number, sku, carrier, tracking_number). All or
    nothing: every bad row is reported with its line number and nothing is written.
    Returns (lines shipped, ids of orders that became fully shipped)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_('The file must be UTF-8 encoded CSV.'), field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_UPLOAD_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DomainError(_('The file lacks %(named)s.', named=named(missing, 'column')), field="file")
    rows = []
    problems: list[UploadProblem] = []
    for raw in reader:
        line_no = reader.line_num
        if line_no > MAX_UPLOAD_ROWS + 1:
            problems.append(UploadProblem(line_no, f"Too many rows (at most {MAX_UPLOAD_ROWS})."))
            break
        # The file may be our export with tracking numbers added: undo its formula quoting.
        rows.append((line_no, {key: unescape_cell(value) if isinstance(value, str) else value
                               for key, value in raw.items()}))
    # Every purchase order the file names, with its lines, in one query (not one per row).
    numbers = {(row.get("po_number") or "").strip().upper() for _, row in rows}
    orders_by_number = {po.number: po for po in db.session.scalars(
        select(PurchaseOrder).where(PurchaseOrder.number.in_(numbers - {""}),
                                    PurchaseOrder.supplier_id == supplier_id)
        .options(selectinload(PurchaseOrder.lines)))} if numbers - {""} else {}
    shipments: list[Shipment] = []
    seen: set[int] = set()
    for line_no, row in rows:
        po_number = (row.get("po_number") or "").strip().upper()
        sku = (row.get("sku") or "").strip()
        if not po_number or not sku:
            problems.append(UploadProblem(line_no, "po_number and sku are required."))
            continue
        po = orders_by_number.get(po_number)
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
    problems.sort(key=lambda problem: problem.line)
    if problems:
        raise ShipmentUploadError(problems)
    if not shipments:
        raise DomainError(_('The file has no rows.'), field="file")
    return len(shipments), ship_lines(supplier_id, shipments)


def lines_by_id(po: PurchaseOrder, ids) -> list[PurchaseOrderLine]:
    """The purchase order's lines the shipping form ticked (`line_id` fields)."""
    try:
        wanted = {int(i) for i in ids}
    except (TypeError, ValueError):
        raise DomainError(_('Tick the lines to mark shipped.')) from None
    return [line for line in po.lines if line.id in wanted]
