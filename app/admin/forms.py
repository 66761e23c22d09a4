"""Admin forms. They render and carry the input; the rules are in the services
(app.catalog.services), whose problems are shown on the fields they name."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.catalog.models import CATEGORIES, PRODUCT_STATUSES, SUPPLIER_STATUSES
from app.catalog.services import Problem, SupplierDetails, format_options
from app.errors import DomainError
from app.money import CURRENCIES, to_major
from app.web import add_error


class SupplierForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the supplier a name.")])
    contact_name = StringField("Contact name")
    contact_email = StringField("Contact email", render_kw={"type": "email", "autocomplete": "off"})
    contact_phone = StringField("Contact phone", render_kw={"type": "tel"})
    currency = SelectField(
        "Currency", default="USD", validate_choice=False, choices=[SelectChoice(code, code) for code in CURRENCIES],
        description="The currency its prices are in. It cannot change once it has products.",
    )
    status = SelectField(
        "Status", default="pending", validate_choice=False,
        choices=[SelectChoice(status, status.capitalize()) for status in SUPPLIER_STATUSES],
        description="Only an active supplier's products can be picked by shops.",
    )

    def details(self) -> SupplierDetails:
        return SupplierDetails(
            name=self.name.data or "", contact_name=self.contact_name.data or "",
            contact_email=self.contact_email.data or "", contact_phone=self.contact_phone.data or "",
            currency=self.currency.data, status=self.status.data,
        )


MAX_ROWS = 200  # variant rows on one product form


class VariantRowForm(Form):
    """One row of the variants table (a plain wtforms Form: the page's form holds the CSRF)."""

    variant_id = HiddenField()
    sku = StringField("SKU")
    options = StringField("Options")
    wholesale_price = StringField("Wholesale", render_kw={"inputmode": "decimal"})
    min_retail_price = StringField("Min. retail", render_kw={"inputmode": "decimal"})
    stock = StringField("Stock", render_kw={"inputmode": "numeric"})

    def is_blank(self) -> bool:
        return not self.variant_id.data and not any(
            (f.data or "").strip() for f in (self.sku, self.options, self.wholesale_price,
                                             self.min_retail_price, self.stock))

    def raw(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in
                ("sku", "options", "wholesale_price", "min_retail_price", "stock")}


class ProductForm(FlaskForm):
    code = StringField("Product code", description="The supplier's own code; unique for this supplier.")
    title = StringField("Title")
    description = TextAreaField("Description")
    category = SelectField("Category", validate_choice=False, choices=[
        SelectChoice(name, name.capitalize()) for name in CATEGORIES])
    image_url = StringField("Image URL", description="An http:// or https:// address, or a path starting with /static/.")
    status = SelectField("Status", default="active", validate_choice=False, choices=[
        SelectChoice(status, status.capitalize()) for status in PRODUCT_STATUSES])
    variants = FieldList(FormField(VariantRowForm), min_entries=0, max_entries=MAX_ROWS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.variant_errors: list[str] = []  # about the variants as a whole ("add one")

    def raw_product(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in
                ("code", "title", "description", "category", "image_url", "status")}

    def add_blank_rows(self, count: int) -> None:
        for _ in range(max(0, min(count, MAX_ROWS - len(self.variants.entries)))):
            self.variants.append_entry()

    def fill_variants(self, variants, currency: str) -> None:
        for variant in variants:
            self.variants.append_entry({
                "variant_id": str(variant.id), "sku": variant.sku,
                "options": format_options(variant.options),
                "wholesale_price": str(to_major(variant.wholesale_price, currency)),
                "min_retail_price": str(to_major(variant.min_retail_price, currency)),
                "stock": str(variant.stock),
            })

    def show_problems(self, problems: list[Problem], rows: list[int]) -> None:
        """Put each problem next to its field; `rows` maps a variant's position in the list
        given to the service to its row in this form."""
        for problem in problems:
            if problem.row is not None:
                entry = self.variants.entries[rows[problem.row]].form
                target = getattr(entry, problem.field, None) or entry.sku
                target.errors = [*target.errors, problem.message]
            elif problem.field == "variants":
                self.variant_errors.append(problem.message)
            else:
                add_error(self, DomainError(problem.message, problem.field))


class CatalogImportForm(FlaskForm):
    file = FileField("CSV file or export", validators=[FileRequired(message="Choose a CSV file to upload.")])


class SuspendShopForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[
        DataRequired(message="Say why the shop is suspended (the owner will see it)."),
        Length(max=300, message="Keep the reason under 300 characters."),
    ], render_kw={"rows": 3})


class SearchForm(FlaskForm):
    """A GET filter bar: no CSRF token, nothing changes."""

    class Meta:
        csrf = False

    q = SearchField("Search", validators=[Length(max=100, message="Keep the search under 100 characters.")])


class InviteStaffForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
