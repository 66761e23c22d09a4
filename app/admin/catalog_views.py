"""Admin: suppliers and their products (one by one; the CSV import is in import_views)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from app.catalog import services as catalog
from app.catalog.models import CATEGORIES, PRODUCT_STATUSES
from app.errors import DomainError
from app.i18n import _
from app.money import to_major
from app.remembered import remembered
from app.unit_of_work import refuse
from app.web import OptionList, add_error, found, row_id
from app.wording import counted

from .forms import MAX_ROWS, ProductForm, SearchForm, SupplierForm
from .views import bp, page_number

NEW_PRODUCT_ROWS = 3
EXTRA_ROWS = 3


# Suppliers ---------------------------------------------------------------------------------


def supplier_page():
    """The admin's supplier lists (suppliers, feeds): the search bar, and the page of
    suppliers it finds."""
    form = SearchForm(formdata=request.args)
    text = (form.q.data or "") if form.validate() else ""
    page = catalog.search_suppliers(text, page=page_number())
    return form, page, {"q": text} if text else {}


@bp.get("/suppliers")
def suppliers():
    form, page, filters = supplier_page()
    return render_template("admin/suppliers.html", form=form, page=page, filters=filters,
                           counts=catalog.product_counts([supplier.id for supplier in page.items]))


@bp.route("/suppliers/new", methods=["GET", "POST"])
def new_supplier():
    form = SupplierForm()
    if form.validate_on_submit():
        try:
            supplier = catalog.create_supplier(form.details())
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_('Supplier “%(name)s” created.', name=supplier.name), "success")
            return redirect(url_for(".supplier_detail", supplier_id=supplier.id))
    return render_template("admin/supplier_form.html", form=form, supplier=None), \
        422 if form.errors or form.form_errors else 200


@bp.route("/suppliers/<int:supplier_id>/edit", methods=["GET", "POST"])
def edit_supplier(supplier_id: int):
    supplier = found(catalog.get_supplier, supplier_id)
    form = SupplierForm(obj=supplier)
    locked = catalog.has_products(supplier)
    if locked:
        # Offer only its currency; the service refuses a change too.
        form.currency.choices = [SelectChoice(supplier.currency, supplier.currency)]
        form.currency.description = _('Fixed at %(currency)s: this supplier has products.', currency=supplier.currency)
    if form.validate_on_submit():
        try:
            catalog.update_supplier(supplier, form.details())
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_('Supplier “%(name)s” saved.', name=supplier.name), "success")
            return redirect(url_for(".supplier_detail", supplier_id=supplier.id))
    return render_template("admin/supplier_form.html", form=form, supplier=supplier), 422 if form.errors or form.form_errors else 200


@bp.get("/suppliers/<int:supplier_id>")
def supplier_detail(supplier_id: int):
    supplier = found(catalog.get_supplier, supplier_id)
    page = catalog.supplier_products(supplier, page=page_number())
    return render_template("admin/supplier_detail.html", supplier=supplier, page=page)


# Products ----------------------------------------------------------------------------------


@bp.get("/products")
def products():
    form = SearchForm(formdata=request.args)
    form.validate()
    # A platform's thousand suppliers, written out once per process until the catalog changes.
    suppliers = remembered("supplier_name_options", lambda: OptionList.of(
        (supplier.id, supplier.name) for supplier in catalog.supplier_names()))
    supplier_id = request.args.get("supplier", type=row_id)
    category = request.args.get("category", "")
    status = request.args.get("status", "")
    page = catalog.find_products(
        text=form.q.data if not form.errors else "",
        supplier_id=supplier_id if str(supplier_id) in suppliers.values else None,
        category=category if category in CATEGORIES else "",
        status=status if status in PRODUCT_STATUSES else "",
        page=page_number(),
    )
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "admin/products.html", form=form, page=page, filters=filters,
        supplier_options=suppliers,
        categories=CATEGORIES, statuses=PRODUCT_STATUSES,
        supplier_id=supplier_id, category=category, status=status,
    )


def _requested_rows(default: int) -> int:
    return max(0, min(request.args.get("rows", default, type=row_id) or 0, MAX_ROWS))


def _render_product_form(form: ProductForm, supplier, product):
    failed = bool(form.errors or form.form_errors or form.variant_errors
                  or any(entry.form.errors for entry in form.variants.entries)) \
        and request.method == "POST" and request.form.get("action") != "more_rows"
    return render_template(
        "admin/product_form.html", form=form, supplier=supplier, product=product,
        example_price=str(to_major(1250, supplier.currency)),
    ), 422 if failed else 200


def _save(form: ProductForm, supplier, product):
    """Read the form through the catalog rules and save; problems go onto the form.
    Returns the saved product, or None (nothing written)."""
    spec, problems = catalog.read_product(form.raw_product())
    variants, rows = [], []
    for index, entry in enumerate(form.variants.entries):
        row = entry.form
        if row.is_blank():
            continue
        variant_id = row.variant_id.data
        variant, row_problems = catalog.read_variant(
            row.raw(), supplier.currency, row=len(rows),
            variant_id=int(variant_id) if (variant_id or "").isdigit() else None)
        rows.append(index)
        problems += row_problems
        variants.append(variant)
    if variant_id_problem := _unknown_variant_ids(form, product):
        form.form_errors.append(variant_id_problem)
        return None
    if not problems:
        try:
            outcome = catalog.save_product(supplier, spec, variants, product)
        except catalog.ProductInvalid as invalid:
            refuse()
            problems = invalid.problems
        else:
            return outcome.product
    form.show_problems(problems, rows)
    return None


def _unknown_variant_ids(form: ProductForm, product) -> str | None:
    known = {str(variant.id) for variant in product.variants} if product else set()
    posted = [entry.form.variant_id.data for entry in form.variants.entries if entry.form.variant_id.data]
    if any(variant_id not in known for variant_id in posted):
        return _('The form refers to a variant this product does not have. Reload the page and try again.')
    if product is not None and len(set(posted)) != len(product.variants):
        return _("The form is missing some of this product's variants. Reload the page and try again.")
    return None


@bp.route("/suppliers/<int:supplier_id>/products/new", methods=["GET", "POST"])
def new_product(supplier_id: int):
    supplier = found(catalog.get_supplier, supplier_id)
    form = ProductForm()
    if request.method == "GET":
        form.add_blank_rows(_requested_rows(NEW_PRODUCT_ROWS))
    elif request.form.get("action") == "more_rows":
        form.add_blank_rows(EXTRA_ROWS)
    elif form.validate_on_submit():
        product = _save(form, supplier, None)
        if product is not None:
            flash(_('Product %(code)s “%(title)s” created with %(counted)s.', code=product.code, title=product.title, counted=counted(len(product.variants), 'variant')), "success")
            return redirect(url_for(".supplier_detail", supplier_id=supplier.id))
    return _render_product_form(form, supplier, None)


@bp.route("/suppliers/<int:supplier_id>/products/<int:product_id>", methods=["GET", "POST"])
def edit_product(supplier_id: int, product_id: int):
    supplier = found(catalog.get_supplier, supplier_id)
    product = found(catalog.get_product, supplier, product_id)
    if request.method == "GET":
        form = ProductForm(formdata=None, data={
            "code": product.code, "title": product.title, "description": product.description,
            "category": product.category, "image_url": product.image_url, "status": product.status,
        })
        form.fill_variants(product.variants, supplier.currency)
        form.add_blank_rows(_requested_rows(1))
        return _render_product_form(form, supplier, product)
    form = ProductForm()
    if request.form.get("action") == "more_rows":
        form.add_blank_rows(EXTRA_ROWS)
    elif form.validate_on_submit():
        saved = _save(form, supplier, product)
        if saved is not None:
            flash(_('Product %(code)s “%(title)s” saved.', code=saved.code, title=saved.title), "success")
            return redirect(url_for(".supplier_detail", supplier_id=supplier.id))
    return _render_product_form(form, supplier, product)
