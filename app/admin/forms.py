"""Forms of the console's own screens, one per screen."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import (
    CredentialsForm,
    email_field,
    new_password_field,
    password_confirmation_field,
)
from app.models.types import StaffLevel

# Column limits: staff.name and staff.department are 100 characters.
NAME_MAX_LENGTH = 100
# Room for a recovery code typed with hyphens and spaces.
CODE_MAX_LENGTH = 40


class ConsoleSignInForm(CredentialsForm):
    """The console's first step; the second asks for a code."""


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
    password = new_password_field(_l("New password"))
    confirm = password_confirmation_field("password", _l("New password again"))


class NewStaffForm(FlaskForm):
    """The level and municipality choices are filled in per staff member."""

    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter the name.")),
            Length(max=NAME_MAX_LENGTH),
        ],
    )
    email = email_field(required=_l("Enter the e-mail address."))
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
