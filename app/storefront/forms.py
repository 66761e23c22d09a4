from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from app.i18n import _, lazy_gettext
from app.orders.countries import COUNTRIES, NO_POSTCODE, country_name
from app.orders.services import DETAIL_MESSAGES


class CountryField(SelectField):
    """The countries the shop ships to; another one is refused in the shop's own words
    (`refusal(code)`, set by `CheckoutForm.offer_countries`)."""

    refusal = None

    def pre_validate(self, form) -> None:
        offered = {choice[0] for choice in self.iter_choices()}
        if self.data in offered:
            return
        if self.refusal is not None and self.data in dict(COUNTRIES):
            raise ValidationError(self.refusal(self.data))
        raise ValidationError(_("Choose a country from the list."))


class CheckoutForm(FlaskForm):
    # Each empty field says what to type (WTForms' "This field is required." says nothing
    # of what is missing once the shopper has scrolled away from it).
    name = StringField(lazy_gettext("Full name"), validators=[
        DataRequired(DETAIL_MESSAGES["name"]), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    email = EmailField(lazy_gettext("Email"), validators=[
        DataRequired(DETAIL_MESSAGES["email"]),
        Email(DETAIL_MESSAGES["email_format"]), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    phone = TelField(lazy_gettext("Phone"), validators=[
        DataRequired(DETAIL_MESSAGES["phone"]), Length(max=40)],
                     render_kw={"autocomplete": "tel"})
    line1 = StringField(lazy_gettext("Address"), validators=[
        DataRequired(DETAIL_MESSAGES["line1"]), Length(max=200)],
                        render_kw={"autocomplete": "address-line1"})
    line2 = StringField(lazy_gettext("Apartment, suite, etc. (optional)"), validators=[Length(max=200)],
                        render_kw={"autocomplete": "address-line2"})
    city = StringField(lazy_gettext("City"), validators=[
        DataRequired(DETAIL_MESSAGES["city"]), Length(max=100)],
                       render_kw={"autocomplete": "address-level2"})
    region = StringField(lazy_gettext("State / region (optional)"), validators=[Length(max=100)],
                         render_kw={"autocomplete": "address-level1"})
    # Required, but for places without postcodes (validate_postcode).
    postcode = StringField(lazy_gettext("Postcode (not needed in Hong Kong)"), validators=[Length(max=20)],
                           render_kw={"autocomplete": "postal-code"})
    country = CountryField(lazy_gettext("Country"), choices=[SelectChoice(code, name) for code, name in COUNTRIES],
                           validators=[DataRequired(DETAIL_MESSAGES["country"])],
                           render_kw={"autocomplete": "country"})
    payment_method = RadioField(lazy_gettext("Payment"), choices=[SelectChoice("cod", lazy_gettext("Pay on delivery"))],
                                default="cod")
    # "ship", or "pickup-<id>" when the shop has pickup points (offer_pickup).
    delivery = RadioField(lazy_gettext("Delivery"), choices=[SelectChoice("ship", lazy_gettext("Deliver to my address"))],
                          default="ship")
    points = ()  # the pickup points offered (offer_pickup)
    # A code off the goods (app/orders/discounts.py); "Apply" shows what it does first.
    discount_code = StringField(lazy_gettext("Discount code"), validators=[
        Optional(), Length(max=40, message=lazy_gettext("That is longer than any code: check it."))],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
    # The total the page showed when the shopper pressed the button: an order whose total
    # differs (a code typed but not applied, another country's shipping) is shown again first.
    quoted_total = HiddenField(validators=[Optional(), Regexp(r"^\d{1,12}$")])
    # Drawn when the form is shown: the same submission twice (a retry after a lost answer,
    # a double click) finds the order it placed instead of placing another.
    checkout_key = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_-]{16,40}$")])

    def quoted(self) -> int | None:
        """The total the shopper saw, if the page sent it."""
        return int(self.quoted_total.data) if (self.quoted_total.data or "").isdigit() else None

    def draw_checkout_key(self) -> None:
        import secrets

        if not self.checkout_key.data:
            self.checkout_key.data = secrets.token_urlsafe(18)

    def validate_postcode(self, field) -> None:
        picking_up = (self.delivery.raw_data or [""])[0].startswith("pickup-")
        if not (field.data or "").strip() and self.country.data not in NO_POSTCODE and not picking_up:
            raise StopValidation(str(DETAIL_MESSAGES["postcode"]))

    def offer_countries(self, countries, refusal) -> None:
        """Only the countries the shop ships to; `refusal(code)` says why another is refused."""
        self.country.choices = [SelectChoice(code, country_name(code)) for code, _name in countries]
        self.country.refusal = refusal

    def chosen_country(self) -> str:
        """The country chosen, or the first one offered (what the page shows selected)."""
        offered = [choice[0] for choice in self.country.iter_choices()]
        return self.country.data or (offered[0] if offered else "")

    def offer_pickup(self, points) -> None:
        """The shop's open pickup points as delivery choices (none: delivery only). Picking
        one up, the address fields are not needed (the order ships to the point)."""
        self.points = list(points)
        if not self.points:
            return
        self.delivery.choices = [SelectChoice("ship", _("Deliver to my address"))] + [
            SelectChoice(f"pickup-{point.id}", point.name) for point in self.points]
        for field in (self.line1, self.city, self.postcode):
            # Not `required` in the page (the browser would block a pickup order, its
            # address hidden); the server still asks for it for a delivery.
            field.flags.required = False
            if self.is_submitted() and (self.delivery.raw_data or [""])[0].startswith("pickup-"):
                field.validators = [Optional(), *[v for v in field.validators if isinstance(v, Length)]]

    def chosen_point(self):
        """The pickup point the shopper chose (validated: one of those offered), or None."""
        value = self.delivery.data or ""
        return next((point for point in self.points if value == f"pickup-{point.id}"), None)

    def card_only(self) -> None:
        """A pre-sale's deposit is paid by card: no other choice."""
        self.payment_method.choices = [SelectChoice("card", _("Card"))]
        self.payment_method.data = "card" if not self.is_submitted() else self.payment_method.data

    def offer_card(self) -> None:
        """Card payments (Stripe) are set up: offer them first."""
        self.payment_method.choices = [SelectChoice("card", _("Card")), SelectChoice("cod", _("Pay on delivery"))]
        if not self.is_submitted():
            self.payment_method.data = "card"
