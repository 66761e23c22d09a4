"""Admin: importing a supplier's products from a CSV file (all or nothing)."""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, send_file, url_for

from app.catalog import importer
from app.catalog import services as catalog
from app.config import BASE_DIR
from app.i18n import _, format_number
from app.unit_of_work import refuse
from app.web import found
from app.wording import counted

from .forms import CatalogImportForm
from .views import bp

SAMPLE_FILE = BASE_DIR / "samples" / "catalog-sample.csv"
ERRORS_SHOWN = 1000


def _size(stream) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def _render(supplier, form, result=None):
    failed = bool(form.errors or (result is not None and not result.ok))
    return render_template(
        "admin/import.html", supplier=supplier, form=form, result=result,
        errors_shown=ERRORS_SHOWN, columns=importer.COLUMNS, required=importer.REQUIRED_COLUMNS,
        max_mb=importer.MAX_BYTES // (1024 * 1024), max_rows=importer.MAX_ROWS,
    ), 422 if failed else 200


@bp.route("/suppliers/<int:supplier_id>/import", methods=["GET", "POST"])
def import_products(supplier_id: int):
    supplier = found(catalog.get_supplier, supplier_id)
    form = CatalogImportForm()
    if not form.validate_on_submit():
        return _render(supplier, form)
    stream = form.file.data.stream
    size = _size(stream)
    if size > importer.MAX_BYTES:
        form.file.errors = [_(
            "The file is %(size)s MB; the limit is %(limit)s MB (and %(rows)s rows). Split it into smaller "
            "files and import them one after the other.", size=format_number(round(size / (1024 * 1024), 1)),
            limit=format_number(importer.MAX_BYTES // (1024 * 1024)), rows=format_number(importer.MAX_ROWS))]
        return _render(supplier, form)
    result = importer.import_catalog_file(supplier, stream)
    if not result.ok:
        refuse()
        return _render(supplier, form, result)
    lines = "; ".join(_("line %(line)s", line=row.line) + (f" ({row.sku})" if row.sku else "")
                      for row in result.skipped[:20]) + ("…" if len(result.skipped) > 20 else "")
    skipped = (" " + _("Skipped %(rows)s the export marks as not for sale (drafts, archived or private products): "
                       "%(lines)s.", rows=counted(len(result.skipped), "row"), lines=lines)
               if result.skipped else "")
    flash(_("Imported %(rows)s for %(supplier)s: %(products)s created, %(updated)s updated; %(variants)s created, "
            "%(variants_updated)s updated.", rows=counted(result.rows - len(result.skipped), "row"),
            supplier=supplier.name, products=counted(result.created, "product"), updated=result.updated,
            variants=counted(result.variants_created, "variant"), variants_updated=result.variants_updated)
          + skipped, "success")
    return redirect(url_for(".supplier_detail", supplier_id=supplier.id))


@bp.get("/catalog-sample.csv")
def import_sample():
    return send_file(SAMPLE_FILE, mimetype="text/csv", as_attachment=True,
                     download_name="catalog-sample.csv")
