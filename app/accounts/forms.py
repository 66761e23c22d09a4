
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.i18n import lazy_gettext as _l

EMAIL_FORMAT = _l("Enter an e-mail address like name@example.com.")
PASSWORD_STRENGTH = _l("Use 10 or more characters: a few words make a strong password.")
# Each empty field says what to type: WTForms' "This field is required." sits under a
# field that may be scrolled out of sight and says nothing of what goes there.
ENTER_PASSWORD = _l("Enter your password.")
CHOOSE_PASSWORD = _l("Choose a password: 10 or more characters.")
REPEAT_PASSWORD = _l("Type the password again, to be sure of it.")
CURRENT_PASSWORD = _l("Enter the password you log in with now.")


def _strip(value):
    """A pasted address often ends with a space (phone keyboards add one)."""
    return value.strip() if isinstance(value, str) else value


def new_password(label: str, description: str = "") -> PasswordField:
    """A new password, with the sign-up's rules (the service checks them again)."""
    return PasswordField(label, validators=[DataRequired(CHOOSE_PASSWORD),
                                            Length(min=10, max=1024, message=PASSWORD_STRENGTH)],
                         description=description, render_kw={"autocomplete": "new-password"})


def repeat_password(label: str) -> PasswordField:
    return PasswordField(label, validators=[DataRequired(REPEAT_PASSWORD), EqualTo("password", _l("The passwords differ."))],
                         render_kw={"autocomplete": "new-password"})


def email_field(label: str, description: str = "") -> EmailField:
    return EmailField(label, validators=[DataRequired(EMAIL_FORMAT), Email(EMAIL_FORMAT), Length(max=254)],
                      filters=[_strip], description=description, render_kw={"autocomplete": "email"})


def _current_password() -> PasswordField:
    return PasswordField(_l('Current password'), validators=[DataRequired(CURRENT_PASSWORD)],
                         render_kw={"autocomplete": "current-password"})


class LoginForm(FlaskForm):
    email = email_field(_l("Email"))
    password = PasswordField(_l('Password'), validators=[DataRequired(ENTER_PASSWORD)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l('Keep me logged in'))


class SignupForm(FlaskForm):
    email = email_field(_l("Email"))
    password = new_password(_l("Password"), _l("At least 10 characters."))
    confirm = repeat_password(_l("Repeat the password"))


class ChangePasswordForm(FlaskForm):
    current_password = _current_password()
    password = new_password(_l("New password"), _l("At least 10 characters. You stay logged in here; "
                                                 "every other device is logged out."))
    confirm = repeat_password(_l("Repeat the new password"))


class ForgotPasswordForm(FlaskForm):
    email = email_field(_l("Email"), _l('The address you log in with.'))


class ResetPasswordForm(FlaskForm):
    password = new_password(_l("New password"), _l("At least 10 characters."))
    confirm = repeat_password(_l("Repeat the new password"))


class ChangeEmailForm(FlaskForm):
    """On the account page beside the password form, hence its prefix (field ids differ)."""

    new_email = email_field(_l('New e-mail address'),
                            _l('We send a link to the new address; the change happens when you open it.'))
    current_password = _current_password()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "change-email")
        super().__init__(*args, **kwargs)
