"""Admin: supplier feeds (settings, Sync now) and their sync runs (live progress, rejects)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.catalog import feeds, sync, sync_runs
from app.catalog import services as catalog
from app.catalog.feed_formats import FORMAT_LABELS, describe_format
from app.catalog.feeds_models import SupplierFeed
from app.catalog.importer import COLUMNS, REQUIRED_COLUMNS
from app.catalog.jobs import enqueue_sync
from app.config import BASE_DIR
from app.errors import DomainError
from app.i18n import _
from app.i18n import lazy_gettext as _l
from app.status_words import status_in_sentence
from app.web import add_error, flash_refusal, found

from .catalog_views import supplier_page
from .views import NAV_SECTIONS, bp, page_number

NAV_SECTIONS.update({
    "feeds": "feeds", "supplier_feed": "feeds", "sync_supplier": "feeds", "supplier_runs": "feeds",
    "sync_run": "feeds",
})
SAMPLES = {"csv": ("feed-sample.csv", "text/csv"), "json": ("feed-sample.json", "application/json")}
# Exports of other platforms, written for Flagship (samples/feeds/), each with a bad row or two.
EXPORT_SAMPLES = {
    "shopify-products.csv": "text/csv", "woocommerce-products.csv": "text/csv",
    "google-merchant.xml": "application/xml", "google-merchant.tsv": "text/tab-separated-values",
}


class FeedForm(FlaskForm):
    source = RadioField(_l('Where the feed comes from'), default="url",
                        choices=[SelectChoice("url", _l("A URL the worker fetches")), SelectChoice("upload", _l("An uploaded file"))])
    url = StringField(_l('Feed URL'), render_kw={"type": "url", "placeholder": "https://supplier.example/feed.csv"},
                      description=_l('A public http:// or https:// address (private network addresses are refused, redirects are not followed).'))
    upload = FileField(_l('Feed file'), description=_l('Replaces the file uploaded before, if any.'))
    format = SelectField(_l('Format'), default="auto",
                         choices=[SelectChoice(code, label) for code, label in FORMAT_LABELS.items()],
                         description=_l('Detect automatically tells our CSV and JSON, a Shopify or WooCommerce product export and a Google Merchant Center feed apart from the content.'))
    column_mapping = TextAreaField(
        _l('Column mapping'), render_kw={"rows": 4, "placeholder": _l('title=Product name\nsku=Item number')},
        description=_l("Only for other column names: one our_column=their column per line. Our columns: %(columns)s.",
                       columns=", ".join(COLUMNS)))
    schedule_every = StringField(_l('Sync every'), render_kw={"inputmode": "numeric"},
                                 description=_l('Blank: manual syncs only (Sync now).'))
    schedule_unit = SelectField(_l('Unit'), default="hours", choices=[SelectChoice("minutes", _l("minutes")), SelectChoice("hours", _l("hours"))])
    is_full_feed = BooleanField(_l('Full feed: products it no longer lists are marked discontinued'), default=True)

    def settings(self) -> feeds.FeedSettings:
        return feeds.FeedSettings(
            source=self.source.data or "url", url=self.url.data or "", format=self.format.data or "auto",
            column_mapping=self.column_mapping.data or "", schedule_every=self.schedule_every.data or "",
            schedule_unit=self.schedule_unit.data or "hours", is_full_feed=bool(self.is_full_feed.data))


def _fill(form: FeedForm, feed: SupplierFeed) -> None:
    form.source.data, form.url.data, form.format.data = feed.source, feed.url, feed.format
    form.column_mapping.data = feeds.format_mapping(feed.column_mapping or {})
    minutes = feed.schedule_minutes
    if minutes:
        hours = minutes % 60 == 0
        form.schedule_every.data = str(minutes // 60 if hours else minutes)
        form.schedule_unit.data = "hours" if hours else "minutes"
    form.is_full_feed.data = feed.is_full_feed


@bp.get("/feeds")
def feeds_index():
    form, page, filters = supplier_page()
    shown = [supplier.id for supplier in page.items]
    return render_template("admin/feed_list.html", form=form, page=page, filters=filters,
                           feeds=feeds.feeds_by_supplier(shown), last_runs=sync_runs.last_runs_by_supplier(shown),
                           describe_schedule=feeds.describe_schedule, describe_format=describe_format)


NAV_SECTIONS["feeds_index"] = "feeds"


@bp.route("/suppliers/<int:supplier_id>/feed", methods=["GET", "POST"])
def supplier_feed(supplier_id: int):
    supplier = found(catalog.get_supplier, supplier_id)
    feed = feeds.get_feed(supplier)
    form = FeedForm()
    if not form.is_submitted() and feed is not None:
        _fill(form, feed)
    if form.validate_on_submit():
        try:
            feeds.save_feed_settings(supplier, form.settings(), form.upload.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_('Saved the feed settings of %(name)s.', name=supplier.name), "success")
            return redirect(url_for(".supplier_feed", supplier_id=supplier.id))
    runs = sync.supplier_runs(supplier, per_page=5).items if feed else []
    return render_template("admin/feed_form.html", supplier=supplier, feed=feed, form=form, runs=runs,
                           required=REQUIRED_COLUMNS, columns=COLUMNS, export_samples=EXPORT_SAMPLES,
                           describe_schedule=feeds.describe_schedule), 422 if form.errors else 200


@bp.post("/suppliers/<int:supplier_id>/feed/sync")
def sync_supplier(supplier_id: int):
    supplier = found(catalog.get_supplier, supplier_id)
    try:
        run, created = sync.start_sync(supplier, trigger="manual")
    except DomainError as error:
        flash_refusal(error)
        return redirect(url_for(".supplier_feed", supplier_id=supplier.id))
    run_id = run.id
    if created:
        enqueue_sync(run)
    if not created:
        flash(_('A sync of %(name)s is already %(status)s (run #%(run_id)s); it was not started a second time.', name=supplier.name, status=status_in_sentence(run.status), run_id=run_id), "info")
    else:
        flash(_('Sync of %(name)s requested (run #%(run_id)s): this page follows it to the end.', name=supplier.name, run_id=run_id), "success")
    return redirect(url_for(".sync_run", run_id=run_id))


@bp.get("/suppliers/<int:supplier_id>/runs")
def supplier_runs(supplier_id: int):
    supplier = found(catalog.get_supplier, supplier_id)
    return render_template("admin/sync_runs.html", supplier=supplier, feed=feeds.get_feed(supplier),
                           page=sync.supplier_runs(supplier, page=page_number()))


@bp.get("/sync-runs/<int:run_id>")
def sync_run(run_id: int):
    run = found(sync.get_run, run_id)
    return render_template("admin/sync_run.html", run=run, supplier=run.supplier,
                           progress=sync.progress(run), page=sync.rejected_rows(run, page=page_number()))


@bp.get("/sync-runs/<int:run_id>/progress.json")
def sync_run_progress(run_id: int):
    run = found(sync.get_run, run_id)
    response = jsonify(sync.progress(run))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/feed-sample.csv", defaults={"fmt": "csv"})
@bp.get("/feed-sample.json", defaults={"fmt": "json"})
def feed_sample(fmt: str):
    name, mimetype = SAMPLES[fmt]
    return send_file(BASE_DIR / "samples" / name, mimetype=mimetype, as_attachment=True, download_name=name)


@bp.get("/feed-samples/<name>")
def feed_export_sample(name: str):
    if name not in EXPORT_SAMPLES:
        abort(404)
    return send_file(BASE_DIR / "samples" / "feeds" / name, mimetype=EXPORT_SAMPLES[name], as_attachment=True,
                     download_name=name)
