"""Forms of the supplier portal."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class ShipForm(FlaskForm):
    carrier = StringField("Carrier", validators=[DataRequired(), Length(max=60)],
                          description="For example UPS, DHL, USPS.")
    tracking_number = StringField("Tracking number", validators=[DataRequired(), Length(max=80)])


class ShipmentUploadForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")],
                     description="Columns: po_number, sku, carrier, tracking_number.")


class WebhookForm(FlaskForm):
    url = StringField("Webhook URL", validators=[Length(max=500)],
                      description="A public https:// address that receives each new purchase order as "
                                  "signed JSON (redirects are not followed). Leave empty to switch "
                                  "webhooks off.")


class AcceptInvitationForm(FlaskForm):
    password = PasswordField("Choose a password", validators=[DataRequired()])
    confirm = PasswordField("Repeat the password",
                            validators=[DataRequired(), EqualTo("password", "The passwords differ.")])
