"""Forms of the participants' portal, one per screen."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SearchField,
    StringField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from app.models.types import TextSize

# Columns: account.email is 254 characters. Passwords are not stored as typed;
# the limit keeps hashing cheap whatever is posted.
EMAIL_MAX_LENGTH = 254
PASSWORD_MAX_LENGTH = 128
KEYWORD_MAX_LENGTH = 100


class SearchForm(FlaskForm):
    """The keyword box, sent with GET so that results can be bookmarked."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Keyword"), validators=[Optional(), Length(max=KEYWORD_MAX_LENGTH)]
    )


class SignInForm(FlaskForm):
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
    remember = BooleanField(_l("Stay signed in on this device"))
    next = HiddenField()


class DisplayForm(FlaskForm):
    """The display switch on every page; each button sends one setting."""

    text_size = StringField(
        validators=[Optional(), AnyOf([size.value for size in TextSize])]
    )
    high_contrast = StringField(validators=[Optional(), AnyOf(["on", "off"])])
    next = HiddenField()


class SignOutForm(FlaskForm):
    """Only the CSRF token: signing out is a POST so no link can trigger it."""
