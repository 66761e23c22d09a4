"""Dashboard forms. Parsing of prices and percentages happens here; the rules (is this price
allowed?) stay in the services, which raise DomainError naming the field at fault."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.catalog import browse
from app.catalog.browse import CatalogFilters
from app.catalog.models import category_label
from app.errors import DomainError
from app.i18n import LANGUAGES, _, current_language
from app.i18n import lazy_gettext as _l
from app.money import (
    MAX_AMOUNT,
    AmountTooLarge,
    MoneyError,
    format_money,
    parse_amount,
    to_major,
)
from app.orders.confirmation import COD_CONFIRMATION_CHOICES
from app.remembered import remembered
from app.shops.pricing import MAX_MARKUP_BASIS_POINTS, PriceRule
from app.shops.timezones import zone_options
from app.web import LongSelectField, OptionList


class NewShopForm(FlaskForm):
    name = StringField(_l('Shop name'), validators=[
        DataRequired(message=_l('Give your shop a name.')),
        Length(min=2, max=80, message=_l('Give your shop a name of 2 to 80 characters.'))])
    subdomain = StringField(
        _l('Web address'), validators=[DataRequired(message=_l("Choose your shop’s web address.")),
                                   Length(min=3, max=40, message=_l('The web address needs 3 to 40 characters.'))],
        description=_l('Lowercase letters, digits and hyphens; 3 to 40 characters. Your shop keeps this address for good; you can add a domain of your own at any time.'),
        # A phone would capitalise and "correct" it; the server lowers it anyway.
        render_kw={"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false", "autocomplete": "off"},
    )
    language = SelectField(
        _l('Storefront language'), validate_choice=False,  # the service names a bad one
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        description=_l('The language shoppers see first; they can switch at the foot of any page.'))
    currency = SelectField(_l('Currency'), default="USD", validate_choice=False,  # the service says why not
                           description=_l('The currency the supply catalog prices its products in. It can’t be changed once the shop is open.'))
    bio = TextAreaField(_l('Short bio'), validators=[Length(max=600)],
                        description=_l('Who you are and why people should shop with you.'))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only currencies the catalog serves: a shop in any other would have nothing to sell.
        self.currency.choices = [SelectChoice(code, code) for code in browse.catalog_currencies()]


def example_amount(currency: str) -> str:
    """How an amount is typed in this currency: "12.50", or "1250" for yen."""
    return str(to_major(1250, currency))


# Catalog browser -------------------------------------------------------------


def catalog_supplier_options(currency: str) -> OptionList:
    """The supplier filter's options, written out once per process until the catalog changes
    (the rows inside are read after the generations, so never older than the key)."""
    return remembered("catalog_supplier_options", lambda: OptionList.of(
        (supplier.id, supplier.name) for supplier in browse.catalog_suppliers(currency)), parts=(currency,))


class CatalogFilterForm(FlaskForm):
    """The catalog browser's filter bar (a GET form: no CSRF token, nothing changes)."""

    class Meta:
        csrf = False

    q = SearchField(_l('Search'), validators=[Length(max=100, message=_l('Keep the search under 100 characters.'))])
    category = SelectField(_l('Category'), validate_choice=False)
    supplier = LongSelectField(_l('Supplier'), choices=[SelectChoice("", _l("All suppliers"))])
    min_price = StringField(_l('Wholesale from'), render_kw={"inputmode": "decimal"})
    max_price = StringField(_l('Wholesale to'), render_kw={"inputmode": "decimal"})

    def set_choices(self, categories, suppliers: OptionList) -> None:
        """Categories (names) and suppliers (their ids' options) the owner may filter by."""
        self._categories = set(categories)
        self.category.choices = [SelectChoice("", _l("All categories"))] + [
            SelectChoice(name, category_label(name)) for name in categories]
        self.supplier.options = suppliers

    def _amount(self, field, currency: str) -> int | None:
        text = (field.data or "").strip()
        if not text:
            return None
        try:
            return parse_amount(text, currency)
        except AmountTooLarge:
            field.errors = [*field.errors, _("Enter an amount up to %(amount)s.", amount=format_money(MAX_AMOUNT, currency))]
            return None
        except MoneyError:
            field.errors = [*field.errors,
                            _("Enter an amount like %(example)s (numbers only).", example=example_amount(currency))]
            return None

    def filters(self, currency: str) -> CatalogFilters | None:
        """The parsed filters, or None with messages on the fields that are wrong."""
        self.validate()
        if self.category.data and self.category.data not in self._categories:
            self.category.errors = [*self.category.errors, _("Choose one of the listed categories.")]
        supplier_id = None
        if self.supplier.data:
            if not self.supplier.is_listed():
                self.supplier.errors = [*self.supplier.errors, _("Choose one of the listed suppliers.")]
            else:
                supplier_id = int(self.supplier.data)
        low = self._amount(self.min_price, currency)
        high = self._amount(self.max_price, currency)
        if low is not None and high is not None and low > high:
            self.max_price.errors = [*self.max_price.errors,
                                     _("The highest price is below the lowest price.")]
        if self.errors:
            return None
        return CatalogFilters(
            currency=currency, text=self.q.data or "", category=self.category.data or "",
            supplier_id=supplier_id, min_wholesale=low, max_wholesale=high,
        )


# Listings ----------------------------------------------------------------------


def percent_to_basis_points(text: str) -> int:
    """ "35" -> 3500, "12.5" -> 1250. Range checks are the price rule's job."""
    cleaned = (text or "").strip().rstrip("%").strip().replace(",", "")
    if not cleaned:
        raise DomainError(_('Enter a markup percentage, like 35 or 12.5.'), field="markup_percent")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise DomainError(_('Enter the markup as a number, like 35 or 12.5.'), field="markup_percent")
    if value < 0:
        raise DomainError(_('The markup cannot be negative.'), field="markup_percent")
    if value > MAX_MARKUP_BASIS_POINTS // 100:  # before scaling: 1e999999 would overflow Decimal
        raise DomainError(_('The markup must be between 0% and 1000%.'), field="markup_percent")
    basis_points = value.scaleb(2)
    if basis_points != basis_points.to_integral_value():
        raise DomainError(_('Use at most two decimals for the markup, like 12.25.'),
                          field="markup_percent")
    return int(basis_points)


def basis_points_to_percent(basis_points: int) -> str:
    """3500 -> "35", 1250 -> "12.5"."""
    return format(Decimal(basis_points).scaleb(-2).normalize(), "f")


class ListingForm(FlaskForm):
    title = StringField(_l('Title'), validators=[
        DataRequired(message=_l('Give the listing a title.')),
        Length(min=2, max=200, message=_l('The title needs 2 to 200 characters.')),
    ])
    recommendation = TextAreaField(
        _l('Why I recommend this'),
        validators=[Length(max=5000, message=_l('Keep the recommendation under 5000 characters.'))],
        description=_l('Your own words, shown on the product page. Blank lines start a new paragraph.'),
    )
    price_rule = RadioField(_l('How to price it'), default="markup", choices=[
        SelectChoice("markup", _l("Markup on the wholesale cost")),
        SelectChoice("fixed", _l("One fixed price for every variant")),
    ], validate_choice=False)
    markup_percent = StringField(_l('Markup (%)'), description=_l('For example 35 or 12.5.'),
                                 render_kw={"inputmode": "decimal"})
    fixed_price = StringField(_l('Fixed price'), render_kw={"inputmode": "decimal"})

    def price_rule_for(self, currency: str) -> PriceRule:
        """The rule the owner typed, or DomainError on the field that cannot be read."""
        if self.price_rule.data == "fixed":
            text = (self.fixed_price.data or "").strip()
            if not text:
                raise DomainError(_('Enter a price.'), field="fixed_price")
            try:
                amount = parse_amount(text, currency)
            except AmountTooLarge:
                raise DomainError(_('Enter a price up to %(max_amount)s.', max_amount=format_money(MAX_AMOUNT, currency)),
                                  field="fixed_price") from None
            except MoneyError:
                raise DomainError(_('Enter a price like %(example_amount)s.', example_amount=example_amount(currency)),
                                  field="fixed_price") from None
            return PriceRule("fixed", fixed_price=amount)
        if self.price_rule.data == "markup":
            return PriceRule("markup", markup_basis_points=percent_to_basis_points(self.markup_percent.data))
        raise DomainError(_('Choose a markup or a fixed price.'), field="price_rule")

    def fill_rule(self, rule: PriceRule, currency: str) -> None:
        self.price_rule.data = rule.kind
        if rule.kind == "markup" and rule.markup_basis_points is not None:
            self.markup_percent.data = basis_points_to_percent(rule.markup_basis_points)
        if rule.kind == "fixed" and rule.fixed_price is not None:
            self.fixed_price.data = str(to_major(rule.fixed_price, currency))


class EditListingForm(ListingForm):
    is_visible = BooleanField(_l('Show this product in my storefront'))


# Collections and settings ---------------------------------------------------------


class CollectionForm(FlaskForm):
    title = StringField(_l('Title'), validators=[
        DataRequired(message=_l('Give the collection a title.')),
        Length(min=2, max=120, message=_l('The collection title needs 2 to 120 characters.')),
    ])
    description = TextAreaField(_l('Description'), validators=[
        Length(max=2000, message=_l('Keep the description under 2000 characters.')),
    ])


@cache
def _zone_list(language: str) -> OptionList:
    return OptionList.of(zone_options(language))


class SettingsForm(FlaskForm):
    name = StringField(_l('Shop name'), validators=[
        DataRequired(message=_l('Give your shop a name.')),
        Length(min=2, max=80, message=_l('Give your shop a name of 2 to 80 characters.')),
    ])
    bio = TextAreaField(_l('Short bio'), validators=[Length(max=600, message=_l('Keep the bio under 600 characters.'))],
                        description=_l('Who you are and why people should shop with you.'))
    price_change_tolerance = StringField(
        _l('Price-change tolerance (%)'), render_kw={"inputmode": "decimal"},
        description=_l('A supplier price move larger than this pauses the listing until you approve it. 0 to 100.'))
    margin_floor = StringField(
        _l('Margin floor (%)'), render_kw={"inputmode": "decimal"},
        description=_l('A listing whose margin falls under this share of its price is paused. 0 to 90.'))
    language = SelectField(
        _l('Storefront language'), validate_choice=False,  # the service names a bad one
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        description=_l('The language shoppers see first; they can switch at the foot of any page.'))
    timezone = LongSelectField(  # the service names a bad zone in plain words
        _l('Time zone'), options=lambda: _zone_list(current_language()),
        description=_l('Order times, deadlines and the weekly deal’s days are shown and typed on this clock.'))
    cod_confirmation = RadioField(
        _l('Pay-on-delivery orders go to the supplier'), default="off", validate_choice=False,
        choices=[SelectChoice(value, label) for value, label in COD_CONFIRMATION_CHOICES.items()],
        description=_l('A pay-on-delivery order costs the shopper nothing up front. Asking them to confirm by e-mail, or approving each order yourself, stops fake orders from taking your stock. An order nobody confirms is cancelled after two days.'))



class DomainForm(FlaskForm):
    hostname = StringField(_l('Domain'), validators=[
        DataRequired(message=_l('Enter a domain, like shop.example.com.')),
        Length(max=253, message=_l('That domain is too long.')),
    ], description=_l('A domain or subdomain you own, like shop.example.com.'),
        render_kw={"autocomplete": "off", "spellcheck": "false", "placeholder": "shop.example.com"})
