"""Admin forms. They render and carry the input; the rules are in the services
(app.catalog.services), whose problems are shown on the fields they name."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
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

from app.accounts.forms import email_field
from app.catalog.models import CATEGORIES, CATEGORY_LABELS, PRODUCT_STATUSES, SUPPLIER_STATUSES
from app.catalog.services import Problem, SupplierDetails, format_options
from app.errors import DomainError
from app.i18n import LANGUAGES
from app.i18n import lazy_gettext as _l
from app.money import CURRENCIES, to_major
from app.status_words import STATUS_WORDS
from app.web import add_error


class SupplierForm(FlaskForm):
    name = StringField(_l('Name'), validators=[DataRequired(message=_l('Give the supplier a name.'))])
    contact_name = StringField(_l('Contact name'))
    contact_email = StringField(_l('Contact email'), render_kw={"type": "email", "autocomplete": "off"})
    contact_phone = StringField(_l('Contact phone'), render_kw={"type": "tel"})
    currency = SelectField(
        _l('Currency'), default="USD", validate_choice=False, choices=[SelectChoice(code, code) for code in CURRENCIES],
        description=_l('The currency its prices are in. It cannot change once it has products.'),
    )
    status = SelectField(
        _l('Status'), default="pending", validate_choice=False,
        choices=[SelectChoice(status, STATUS_WORDS[status]) for status in SUPPLIER_STATUSES],
        description=_l("Only an active supplier’s products can be picked by shops."),
    )
    language = SelectField(
        _l('Language'), default="en", validate_choice=False,
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        description=_l('The language its people read: the reasons its feed rows are rejected are written in it.'),
    )

    def details(self) -> SupplierDetails:
        return SupplierDetails(
            name=self.name.data or "", contact_name=self.contact_name.data or "",
            contact_email=self.contact_email.data or "", contact_phone=self.contact_phone.data or "",
            currency=self.currency.data, status=self.status.data, language=self.language.data,
        )


MAX_ROWS = 200  # variant rows on one product form


class VariantRowForm(Form):
    """One row of the variants table (a plain wtforms Form: the page's form holds the CSRF)."""

    variant_id = HiddenField()
    sku = StringField("SKU")
    options = StringField(_l('Options'))
    wholesale_price = StringField(_l('Wholesale'), render_kw={"inputmode": "decimal"})
    min_retail_price = StringField(_l('Min. retail'), render_kw={"inputmode": "decimal"})
    stock = StringField(_l('Stock'), render_kw={"inputmode": "numeric"})

    def is_blank(self) -> bool:
        return not self.variant_id.data and not any(
            (f.data or "").strip() for f in (self.sku, self.options, self.wholesale_price,
                                             self.min_retail_price, self.stock))

    def raw(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in
                ("sku", "options", "wholesale_price", "min_retail_price", "stock")}


class ProductForm(FlaskForm):
    code = StringField(_l('Product code'), description=_l("The supplier’s own code; unique for this supplier."))
    title = StringField(_l('Title'))
    description = TextAreaField(_l('Description'))
    category = SelectField(_l('Category'), validate_choice=False, choices=[
        SelectChoice(name, CATEGORY_LABELS[name]) for name in CATEGORIES])
    image_url = StringField(_l('Image URL'), description=_l('An http:// or https:// address, or a path starting with /static/.'))
    status = SelectField(_l('Status'), default="active", validate_choice=False, choices=[
        SelectChoice(status, STATUS_WORDS[status]) for status in PRODUCT_STATUSES])
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
    file = FileField(_l('CSV file or export'), validators=[FileRequired(message=_l('Choose a CSV file to upload.'))])


class SuspendShopForm(FlaskForm):
    reason = TextAreaField(_l('Reason'), validators=[
        DataRequired(message=_l('Say why the shop is suspended (the owner will see it).')),
        Length(max=300, message=_l('Keep the reason under 300 characters.')),
    ], render_kw={"rows": 3})


class SearchForm(FlaskForm):
    """A GET filter bar: no CSRF token, nothing changes."""

    class Meta:
        csrf = False

    q = SearchField(_l('Search'), validators=[Length(max=100, message=_l('Keep the search under 100 characters.'))])


class InviteStaffForm(FlaskForm):
    email = email_field(_l("E-mail"), _l("The person’s own address: the invitation link goes there."))
