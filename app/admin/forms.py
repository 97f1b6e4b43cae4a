"""Forms of the console's own screens, one per screen."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from app.models.types import StaffLevel

# Column limits: account.email 254, staff.name and staff.department 100.
EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 100
PASSWORD_MAX_LENGTH = 128
# Room for a recovery code typed with hyphens and spaces.
CODE_MAX_LENGTH = 40


class ConsoleSignInForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=EMAIL_MAX_LENGTH),
        ],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter your password.")),
            Length(max=PASSWORD_MAX_LENGTH),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class EnrolForm(FlaskForm):
    code = StringField(
        _l("6-digit code from the app"),
        validators=[
            DataRequired(_l("Enter the code the app shows.")),
            Length(max=CODE_MAX_LENGTH),
        ],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "spellcheck": "false",
        },
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from the app, or a recovery code"),
        validators=[
            DataRequired(_l("Enter the code the app shows, or a recovery code.")),
            Length(max=CODE_MAX_LENGTH),
        ],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false"},
    )


class InvitationForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Enter a password.")),
            Length(max=PASSWORD_MAX_LENGTH),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Enter the password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class NewStaffForm(FlaskForm):
    """The level and municipality choices are filled in per staff member."""

    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter the name.")),
            Length(max=NAME_MAX_LENGTH),
        ],
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter the e-mail address.")),
            Email(_l("Enter an e-mail address such as name@example.jp.")),
            Length(max=EMAIL_MAX_LENGTH),
        ],
        render_kw={"spellcheck": "false"},
    )
    department = StringField(
        _l("Department"), validators=[Optional(), Length(max=NAME_MAX_LENGTH)]
    )
    level = SelectField(_l("Role"), validate_choice=True)
    municipality = SelectField(_l("Municipality"), validate_choice=True)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        tokyo = self.level.data == StaffLevel.TOKYO.value
        if tokyo and self.municipality.data:
            self.municipality.errors.append(
                _l("Tokyo staff belong to no municipality. Leave this empty.")
            )
            return False
        if not tokyo and not self.municipality.data:
            self.municipality.errors.append(_l("Choose the municipality."))
            return False
        return True


class ActionForm(FlaskForm):
    """Only the CSRF token: the buttons that disable, enable or reset."""
