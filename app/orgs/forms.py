"""Forms of the organisation portal, one per screen."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    ValidationError,
)

from app import labels, organisations, passwords, text
from app.extensions import db
from app.forms import current_password_field, email_field, new_password_field
from app.models import Municipality
from app.models.types import MemberRole

# Limits match the organisation, organisation_member and account columns.
NAME_MAX = 120
KANA_MAX = 200
# Postal codes are checked as 123-4567, which fits the 8 characters stored.
ADDRESS_MAX = 200
PERSON_MAX = 100
PHONE_MAX = 20
# The description is a text column; the limit keeps a page readable.
DESCRIPTION_MAX = 4000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _kana(value):
    return text.to_katakana(value) if value else value


def _postal_code(value):
    return text.normalise_postal_code(value) or _strip(value)


def _phone(value):
    return text.normalise_phone(value) or _strip(value)


def _email(value):
    return text.normalise_email(value) if value else value


def _check_kana(form, field):
    if field.data and not text.is_katakana(field.data):
        raise ValidationError(_l("Write the reading in katakana (カタカナ)."))


def _check_postal_code(form, field):
    if field.data and text.normalise_postal_code(field.data) is None:
        raise ValidationError(_l("Write the postal code as 7 digits, e.g. 154-0004."))


def _check_phone(form, field):
    if field.data and text.normalise_phone(field.data) is None:
        raise ValidationError(
            _l("Write the phone number with digits, e.g. 03-1234-5678.")
        )


def _person_field(label) -> StringField:
    return StringField(
        label,
        filters=[_strip],
        validators=[DataRequired(_l("Enter the name.")), Length(max=PERSON_MAX)],
        render_kw={"autocomplete": "name"},
    )


def _check_new_password(password_field, email: str | None) -> bool:
    found = passwords.problems(password_field.data or "", email=email)
    password_field.errors = [*password_field.errors, *found]
    return not found


def _consent_field() -> BooleanField:
    return BooleanField(
        _l("I agree to the terms of use and the privacy policy"),
        validators=[InputRequired(_l("Please read and agree to continue."))],
    )


class OrganisationForm(FlaskForm):
    """The organisation's application: what the municipality reviews."""

    name = StringField(
        _l("Name of the organisation"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter the name of the organisation.")),
            Length(max=NAME_MAX),
        ],
        render_kw={"autocomplete": "organization"},
    )
    name_kana = StringField(
        _l("Reading of the name (katakana)"),
        filters=[_kana],
        validators=[
            DataRequired(_l("Enter the reading of the name.")),
            Length(max=KANA_MAX),
            _check_kana,
        ],
    )
    kind = SelectField(
        _l("Type of organisation"),
        choices=[SelectChoice("", _l("Choose one"))]
        + [
            SelectChoice(kind.value, label)
            for kind, label in labels.ORGANISATION_KINDS.items()
        ],
        validators=[DataRequired(_l("Choose the type of organisation."))],
    )
    postal_code = StringField(
        _l("Postal code"),
        filters=[_postal_code],
        validators=[
            DataRequired(_l("Enter the postal code.")),
            _check_postal_code,
        ],
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric"},
    )
    address = StringField(
        _l("Address"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter the address.")),
            Length(max=ADDRESS_MAX),
        ],
        render_kw={"autocomplete": "street-address"},
    )
    municipality = SelectField(
        _l("Municipality (区市町村)"), coerce=str, validate_choice=False
    )
    # The municipality the form last guessed from the address: while the
    # select still shows that guess, a changed address is guessed again.
    guessed_municipality = HiddenField()
    representative = StringField(
        _l("Representative"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter the representative's name.")),
            Length(max=PERSON_MAX),
        ],
    )
    phone = TelField(
        _l("Phone number"),
        filters=[_phone],
        validators=[
            DataRequired(_l("Enter the phone number.")),
            Length(max=PHONE_MAX),
            _check_phone,
        ],
        render_kw={"autocomplete": "tel"},
    )
    email = email_field(
        _l("E-mail address of the organisation"),
        required=_l("Enter the e-mail address."),
    )
    description = TextAreaField(
        _l("About the organisation"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Describe the organisation in a few sentences.")),
            Length(max=DESCRIPTION_MAX),
        ],
        render_kw={"rows": 6},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        municipalities = db.session.execute(
            sa.select(Municipality.id, Municipality.name).order_by(Municipality.code)
        ).all()
        self.municipality.choices = [
            SelectChoice("", _l("Decide from the address"))
        ] + [SelectChoice(str(id_), name) for id_, name in municipalities]
        self._municipality_ids = {str(id_) for id_, _ in municipalities}
        self.resolved_municipality = None

    def validate_municipality(self, field):
        """Take the municipality from the address unless the person chose one."""
        chosen = field.data if field.data in self._municipality_ids else ""
        guess = organisations.municipality_from_address(self.address.data)
        guess_id = str(guess.id) if guess else ""
        if chosen and chosen != self.guessed_municipality.data:
            resolved = chosen
        else:
            resolved = guess_id or chosen
        # Shown again with any error, pre-filled, so it can be corrected.
        field.data = resolved
        self.guessed_municipality.data = guess_id
        if not resolved:
            if not self.address.data:
                return
            raise ValidationError(
                _l("We could not tell the municipality from the address. Choose it.")
            )
        self.resolved_municipality = int(resolved)

    def details(self) -> organisations.OrganisationDetails:
        return organisations.OrganisationDetails(
            name=self.name.data,
            name_kana=self.name_kana.data,
            kind=self.kind.data,
            postal_code=self.postal_code.data,
            address=self.address.data,
            municipality_id=self.resolved_municipality,
            representative=self.representative.data,
            phone=self.phone.data,
            email=self.email.data,
            description=self.description.data,
        )


class RegistrationForm(OrganisationForm):
    """A new organisation with its first staff account."""

    staff_name = _person_field(_l("Your name"))
    staff_email = email_field(
        _l("Your e-mail address"), required=_l("Enter the e-mail address.")
    )
    password = new_password_field()
    consent = _consent_field()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.password.data and not self.password.errors:
            valid = _check_new_password(self.password, self.staff_email.data) and valid
        return valid


class AccountRegistrationForm(OrganisationForm):
    """A new organisation registered by the signed-in account."""

    staff_name = _person_field(_l("Your name"))


class ButtonForm(FlaskForm):
    """Only the CSRF token, for a screen whose one input is its button.

    Confirming, sending and removing are POSTs, so that a link opened by a
    mail scanner or a prefetching browser changes nothing.
    """


class InviteForm(FlaskForm):
    email = email_field(
        _l("E-mail address of the person to invite"),
        required=_l("Enter the e-mail address."),
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(role.value, label)
            for role, label in labels.MEMBER_ROLES.items()
        ],
        default=MemberRole.MEMBER.value,
        validators=[DataRequired()],
    )


class AcceptInvitationForm(FlaskForm):
    name = _person_field(_l("Your name"))


class InvitationSignUpForm(FlaskForm):
    name = _person_field(_l("Your name"))
    password = new_password_field()
    consent = _consent_field()

    def __init__(self, *args, email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invited_email = email

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.password.data and not self.password.errors:
            valid = _check_new_password(self.password, self.invited_email) and valid
        return valid


class CloseForm(FlaskForm):
    password = current_password_field(_l("Your password"))
