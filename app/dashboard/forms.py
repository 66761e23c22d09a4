from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.money import CURRENCIES


class NewShopForm(FlaskForm):
    name = StringField("Shop name", validators=[DataRequired(), Length(min=2, max=80)])
    subdomain = StringField(
        "Web address", validators=[DataRequired(), Length(min=3, max=40)],
        description="Lowercase letters, digits and hyphens; 3 to 40 characters.",
    )
    currency = SelectField("Currency", choices=[(c, c) for c in CURRENCIES], default="USD")
    bio = TextAreaField("Short bio", validators=[Length(max=600)],
                        description="Who you are and why people should shop with you.")
