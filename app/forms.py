"""Form fields every portal shares: addresses and passwords.

Limits follow the columns (account.email is 254 characters) and the password
policy (at most 128 characters); the policy itself is ``app.passwords``.
"""

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app import passwords

EMAIL_MAX_LENGTH = 254
PASSWORD_MAX_LENGTH = passwords.MAX_LENGTH


def email_field(label=None, *, required=None):
    """An address as typed, with full-width letters made half-width (NFKC) so
    that ｈａｎａｋｏ＠example.jp passes the format check; the domain code
    lower-cases it before use."""
    return EmailField(
        label or _l("E-mail address"),
        validators=[
            DataRequired(required or _l("Enter your e-mail address.")),
            Length(max=EMAIL_MAX_LENGTH),
            Email(_l("Enter an e-mail address such as name@example.jp.")),
        ],
        filters=[
            lambda value: (
                unicodedata.normalize("NFKC", value).strip() if value else value
            )
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


def current_password_field(label=None):
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(_l("Enter your password.")),
            Length(max=PASSWORD_MAX_LENGTH),
        ],
        render_kw={"autocomplete": "current-password"},
    )


def new_password_field(label=None):
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(_l("Enter a password.")),
            Length(max=PASSWORD_MAX_LENGTH),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def password_confirmation_field(other: str = "password", label=None):
    return PasswordField(
        label or _l("The same password again"),
        validators=[
            DataRequired(_l("Enter the password again.")),
            EqualTo(other, _l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class NewPasswordMixin:
    """Checks ``password`` against the policy; ``email_for_policy`` is the
    address it must not equal."""

    email_for_policy: str | None = None

    def validate_password(self, field) -> None:
        problems = passwords.problems(field.data or "", email=self.email_for_policy)
        if problems:
            raise ValidationError(" ".join(str(p) for p in problems))


class CredentialsForm(FlaskForm):
    """An address and a password: the first step of every sign-in."""

    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=EMAIL_MAX_LENGTH),
        ],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = current_password_field()
    next = HiddenField()
