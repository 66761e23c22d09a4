"""Forms of the supplier portal."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.accounts.forms import new_password, repeat_password
from app.i18n import lazy_gettext as _l


class ShipForm(FlaskForm):
    carrier = StringField(_l('Carrier'), validators=[
        DataRequired(_l('Enter the carrier that has the parcel.')), Length(max=60)],
        description=_l('For example UPS, DHL, USPS.'))
    tracking_number = StringField(_l('Tracking number'), validators=[
        DataRequired(_l('Enter the tracking number: the shopper follows the parcel with it.')), Length(max=80)])


class ShipmentUploadForm(FlaskForm):
    file = FileField(_l('CSV file'), validators=[FileRequired(_l("Choose a CSV file."))],
                     description=_l('Columns: po_number, sku, carrier, tracking_number.'))


class WebhookForm(FlaskForm):
    url = StringField(_l('Webhook URL'), validators=[Length(max=500)],
                      description=_l('A public https:// address that receives each new purchase order as signed JSON (redirects are not followed). Leave empty to switch webhooks off.'))


class AcceptInvitationForm(FlaskForm):
    password = new_password(_l('Choose a password'), _l("At least 10 characters."))
    confirm = repeat_password(_l('Repeat the password'))
