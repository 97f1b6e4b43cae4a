"""Forms of the participants' portal, one per screen."""

from datetime import date

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SearchField,
    SelectField,
    StringField,
    ValidationError,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    Optional,
)

from app.extensions import db
from app.forms import (
    CredentialsForm,
    NewPasswordMixin,
    current_password_field,
    email_field,
    new_password_field,
    password_confirmation_field,
)
from app.models import Municipality
from app.models.types import TextSize
from app.templating import era_year
from app.templating import localized as localized_name
from app.text import is_katakana, to_katakana

KEYWORD_MAX_LENGTH = 100


class SearchForm(FlaskForm):
    """The keyword box, sent with GET so that results can be bookmarked."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Keyword"), validators=[Optional(), Length(max=KEYWORD_MAX_LENGTH)]
    )


class SignInForm(CredentialsForm):
    remember = BooleanField(_l("Stay signed in on this device"))


def _blank_as_none(value: str | None) -> str | None:
    return (value or "").strip() or None


class DisplayForm(FlaskForm):
    """The display switch on every page; each button sends one setting."""

    text_size = StringField(
        validators=[Optional(), AnyOf([size.value for size in TextSize])],
        filters=[_blank_as_none],
    )
    high_contrast = StringField(
        validators=[Optional(), AnyOf(["on", "off"])], filters=[_blank_as_none]
    )
    next = HiddenField()


class SignOutForm(FlaskForm):
    """Only the CSRF token: signing out is a POST so no link can trigger it."""


# -- Participants' accounts ---------------------------------------------------

# Columns: participant.name and participant.furigana are 100 characters.
NAME_MAX_LENGTH = 100
# The youngest who may register, and the earliest birth year offered.
MINIMUM_AGE = 18
EARLIEST_BIRTH_YEAR = 1910


def birth_year_choices(today: date | None = None) -> list[tuple[int, str]]:
    """Years from the youngest allowed down, with the era year in Japanese."""
    today = today or date.today()
    japanese = str(get_locale() or "ja").startswith("ja")
    choices = []
    for year in range(today.year - MINIMUM_AGE, EARLIEST_BIRTH_YEAR - 1, -1):
        if japanese:
            eras = dict.fromkeys(
                era_year(date(year, month, day)) for month, day in ((1, 1), (12, 31))
            )
            label = f"{year}年（{'・'.join(eras)}）"
        else:
            label = str(year)
        choices.append((year, label))
    return choices


def municipality_choices() -> list[tuple[int, str]]:
    """All 62 municipalities: residents of any of them may register."""
    municipalities = db.session.scalars(
        db.select(Municipality).order_by(Municipality.code)
    )
    return [(m.id, localized_name(m)) for m in municipalities]


class RegisterForm(NewPasswordMixin, FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=NAME_MAX_LENGTH),
        ],
        filters=[lambda value: value.strip() if value else value],
        render_kw={"autocomplete": "name"},
    )
    furigana = StringField(
        _l("Name in katakana (furigana)"),
        validators=[
            DataRequired(_l("Enter the reading of your name.")),
            Length(max=NAME_MAX_LENGTH),
        ],
        filters=[to_katakana],
    )
    email = email_field()
    password = new_password_field(_l("Password"))
    password_again = password_confirmation_field("password")
    birth_year = SelectField(
        _l("Year of birth"),
        coerce=int,
        validate_choice=True,
        validators=[InputRequired(_l("Choose the year you were born."))],
    )
    municipality = SelectField(
        _l("Municipality you live in"),
        coerce=int,
        validators=[InputRequired(_l("Choose where you live."))],
    )
    consent = BooleanField(
        _l("I agree to the terms of use and the privacy policy"),
        validators=[DataRequired(_l("Please agree before you register."))],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.birth_year.choices = [(0, _l("Choose"))] + birth_year_choices()
        self.municipality.choices = [(0, _l("Choose"))] + municipality_choices()

    @property
    def email_for_policy(self) -> str | None:
        return self.email.data

    def validate_furigana(self, field) -> None:
        if not is_katakana(field.data or ""):
            raise ValidationError(
                _l("Write the reading in katakana, such as ヤマダ ハナコ.")
            )

    def validate_birth_year(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose the year you were born."))

    def validate_municipality(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose where you live."))


class EmailOnlyForm(FlaskForm):
    """One address: asking for a new confirmation link or a reset link."""

    email = email_field()


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    password = new_password_field(_l("New password"))
    password_again = password_confirmation_field("password")


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = current_password_field(_l("Current password"))
    password = new_password_field(_l("New password"))
    password_again = password_confirmation_field("password")


class ChangeEmailForm(FlaskForm):
    email = email_field(_l("New e-mail address"))
    current_password = current_password_field(_l("Current password"))


class WithdrawForm(FlaskForm):
    current_password = current_password_field(_l("Current password"))
