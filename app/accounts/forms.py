
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.i18n import lazy_gettext as _l

EMAIL_FORMAT = _l("Enter an e-mail address like name@example.com.")
PASSWORD_STRENGTH = _l("Use 10 or more characters: a few words make a strong password.")


def _strip(value):
    """A pasted address often ends with a space (phone keyboards add one)."""
    return value.strip() if isinstance(value, str) else value


def _new_password(label: str, description: str) -> PasswordField:
    """A new password, with the sign-up's rules (the service checks them again)."""
    return PasswordField(label, validators=[DataRequired(), Length(min=10, max=1024, message=PASSWORD_STRENGTH)],
                         description=description, render_kw={"autocomplete": "new-password"})


def _repeat(label: str) -> PasswordField:
    return PasswordField(label, validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
                         render_kw={"autocomplete": "new-password"})


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()],
                       render_kw={"autocomplete": "email"})
    password = PasswordField(_l('Password'), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l('Keep me logged in'))


class SignupForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    password = _new_password(_l("Password"), _l("At least 10 characters."))
    confirm = _repeat(_l("Repeat the password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l('Current password'), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    password = _new_password(_l("New password"), _l("At least 10 characters. You stay logged in here; "
                                                 "every other device is logged out."))
    confirm = _repeat(_l("Repeat the new password"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(EMAIL_FORMAT), Email(EMAIL_FORMAT), Length(max=254)],
                       filters=[_strip], description=_l('The address you log in with.'),
                       render_kw={"autocomplete": "email"})


class ResetPasswordForm(FlaskForm):
    password = _new_password(_l("New password"), _l("At least 10 characters."))
    confirm = _repeat(_l("Repeat the new password"))


class ChangeEmailForm(FlaskForm):
    """On the account page beside the password form, hence its prefix (field ids differ)."""

    new_email = EmailField(_l('New e-mail address'),
                           validators=[DataRequired(EMAIL_FORMAT), Email(EMAIL_FORMAT), Length(max=254)],
                           filters=[_strip], description=_l('We send a link to the new address; the change happens when you open it.'),
                           render_kw={"autocomplete": "email"})
    current_password = PasswordField(_l('Current password'), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "change-email")
        super().__init__(*args, **kwargs)
