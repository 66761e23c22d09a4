"""Forms of the supplier portal."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.i18n import lazy_gettext as _l


class ShipForm(FlaskForm):
    carrier = StringField(_l('Carrier'), validators=[DataRequired(), Length(max=60)],
                          description=_l('For example UPS, DHL, USPS.'))
    tracking_number = StringField(_l('Tracking number'), validators=[DataRequired(), Length(max=80)])


class ShipmentUploadForm(FlaskForm):
    file = FileField(_l('CSV file'), validators=[FileRequired("Choose a CSV file.")],
                     description=_l('Columns: po_number, sku, carrier, tracking_number.'))


class WebhookForm(FlaskForm):
    url = StringField(_l('Webhook URL'), validators=[Length(max=500)],
                      description=_l('A public https:// address that receives each new purchase order as signed JSON (redirects are not followed). Leave empty to switch webhooks off.'))


class AcceptInvitationForm(FlaskForm):
    password = PasswordField(_l('Choose a password'), validators=[DataRequired()])
    confirm = PasswordField(_l('Repeat the password'),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))])
