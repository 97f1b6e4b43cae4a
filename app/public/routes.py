"""The participants' portal: thin views over search, accounts and display settings."""

import logging
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app import accounts, audit, passwords, schedules, search, tokens
from app.display import change_display, current_display, keep_in_session
from app.extensions import db
from app.i18n import LANGUAGE_SESSION_KEY
from app.models import ContentPage
from app.models.types import (
    AccountStatus,
    ContentStatus,
    ScheduleKind,
    TextSize,
    TokenPurpose,
)
from app.public import bp
from app.public.forms import (
    KEYWORD_MAX_LENGTH,
    ChangeEmailForm,
    ChangePasswordForm,
    DisplayForm,
    EmailOnlyForm,
    RegisterForm,
    ResetPasswordForm,
    SearchForm,
    SignInForm,
    SignOutForm,
    WithdrawForm,
)
from app.security import limit_mail_requests, limit_password_checks, limit_sign_in
from app.text import normalise_email

logger = logging.getLogger(__name__)

RESULTS_PER_PAGE = 20
MAX_PAGE = 10_000


@bp.get("/")
def home():
    activities = db.session.scalars(search.newest_activities()).all()
    return render_template(
        "public/home.html", form=SearchForm(formdata=None), activities=activities
    )


@bp.get("/activities")
def activities():
    form = SearchForm(formdata=request.args)
    query = (form.q.data or "").strip()
    if not form.validate() and len(query) > KEYWORD_MAX_LENGTH:
        # Search with what fits rather than silently showing everything.
        query = query[:KEYWORD_MAX_LENGTH]
        flash(
            _(
                "The keyword was long, so only its first %(max)d characters were used.",
                max=KEYWORD_MAX_LENGTH,
            ),
            "warning",
        )
    # Deep pages are capped so that an absurd number cannot overflow OFFSET.
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    results = db.paginate(
        search.search_activities(query),
        page=page,
        per_page=RESULTS_PER_PAGE,
        max_per_page=RESULTS_PER_PAGE,
    )
    return render_template(
        "public/activities.html", form=form, query=query, results=results
    )


@bp.get("/activities/<int:activity_id>")
def activity(activity_id: int):
    activity = search.public_activity(activity_id)
    if activity is None:
        abort(404)
    now = datetime.now(UTC)
    upcoming = []
    if activity.schedule_kind == ScheduleKind.RECURRING:
        upcoming = schedules.upcoming_dates(
            activity.recurrence_rule,
            after=now,
            starts_on=activity.recurrence_starts_on,
            ends_on=activity.recurrence_ends_on,
            start_time=activity.recurrence_start_time,
            end_time=activity.recurrence_end_time,
            skip_public_holidays=activity.skips_public_holidays,
            skip_year_end=activity.skips_year_end,
        )
    deadline = activity.application_deadline
    recruiting = activity.closed_at is None and (
        deadline is None or deadline >= search.tokyo_today()
    )
    return render_template(
        "public/activity.html",
        activity=activity,
        loads=search.load_levels(activity),
        upcoming=upcoming,
        recruiting=recruiting,
        now=now,
    )


@bp.route("/sign-in", methods=["GET", "POST"])
@limit_sign_in
def sign_in():
    if current_user.is_authenticated:
        return redirect(_landing(current_user), 303)
    form = SignInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            account = accounts.authenticate(form.email.data, form.password.data)
        except accounts.NotYetActive as waiting:
            return render_template(
                "public/sign_in.html",
                form=form,
                waiting=waiting.account.status.value,
                waiting_municipality=_municipality_name(waiting.account),
            )
        if account is not None and accounts.is_staff_only(account):
            # Staff sign in to the console, which asks for a second factor;
            # a password alone must not open an account page for them here.
            form.form_errors.append(
                _("Staff accounts sign in on the console sign-in page.")
            )
            return render_template(
                "public/sign_in.html", form=form, console_sign_in=True
            )
        if account is not None:
            # A new session at sign-in, so a session planted before it
            # (session fixation) never becomes a signed-in one.
            _restart_session()
            login_user(account, remember=form.remember.data)
            accounts.record_sign_in(account)
            flash(_("You are signed in."), "success")
            return redirect(_safe_path(form.next.data) or _landing(account), 303)
        # One message for an unknown address and a wrong password alike, so the
        # form does not tell anyone which addresses are registered.
        form.form_errors.append(_("The e-mail address or the password is not correct."))
    return render_template("public/sign_in.html", form=form)


@bp.post("/sign-out")
def sign_out():
    form = SignOutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        account = current_user._get_current_object()
        _end_session()
        audit.record("sign_out", account, actor=account)
        db.session.commit()
        logger.info("account %s signed out", account.id)
        flash(_("You have signed out."), "success")
    response = redirect(url_for(".home"), 303)
    _forget_remembered_sign_in(response)
    return response


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """Sign out on every device, for a lost phone or a shared computer."""
    form = SignOutForm()
    if not form.validate_on_submit():
        abort(400)
    accounts.sign_out_everywhere(current_user._get_current_object())
    _end_session()
    flash(_("You have signed out on every device."), "success")
    response = redirect(url_for(".home"), 303)
    _forget_remembered_sign_in(response)
    return response


def _restart_session() -> None:
    """Empty the session but keep the screen's language and display settings.

    They are about the screen, not the person who signs in or out on it.
    """
    display = current_display()
    language = session.get(LANGUAGE_SESSION_KEY)
    session.clear()
    keep_in_session(display)
    if language:
        session[LANGUAGE_SESSION_KEY] = language


def _end_session() -> None:
    logout_user()
    _restart_session()


def _forget_remembered_sign_in(response) -> None:
    """Delete the remember-me cookie with the attributes it was set with.

    A browser only drops a cookie whose path and domain match, so the
    deletion repeats them, with SameSite and Secure for good measure.
    """
    config = current_app.config
    response.delete_cookie(
        config.get("REMEMBER_COOKIE_NAME", "remember_token"),
        path=config.get("REMEMBER_COOKIE_PATH", "/"),
        domain=config.get("REMEMBER_COOKIE_DOMAIN"),
        secure=config.get("REMEMBER_COOKIE_SECURE", False),
        httponly=True,
        samesite=config.get("REMEMBER_COOKIE_SAMESITE"),
    )


@bp.post("/display")
def display_settings():
    form = DisplayForm()
    if form.validate_on_submit():
        change_display(
            text_size=TextSize(form.text_size.data) if form.text_size.data else None,
            high_contrast={"on": True, "off": False}.get(form.high_contrast.data),
        )
    return redirect(_safe_path(form.next.data) or url_for(".home"), 303)


@bp.app_errorhandler(404)
def not_found(error):
    return render_template("public/not_found.html"), 404


def _municipality_name(account) -> str | None:
    participant = account.participant
    return participant.municipality.name if participant else None


def _own_account_or_403():
    """The signed-in account, if its settings may be changed on this site.

    Staff change theirs only behind the console's second factor.
    """
    account = current_user._get_current_object()
    if account.is_staff:
        abort(403)
    return account


def _landing(account) -> str:
    """Where an account starts: the console, its organisation, its page, or home."""
    if account.is_staff:
        return url_for("admin.index")
    if account.memberships:
        return url_for("orgs.dashboard")
    if account.participant is not None:
        return url_for(".my_page")
    return url_for(".home")


def _safe_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None.

    Only a plain absolute path is accepted: no scheme, no host, and not
    ``//host`` or ``/\\host``, which browsers read as another site.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 0x20 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


# -- Participants' accounts ---------------------------------------------------

# The address a "check your mailbox" page names, so a typo can be spotted.
MAIL_SENT_TO_KEY = "mail_sent_to"
CONFIRMED_STATUS_KEY = "confirmed_status"


@bp.route("/register", methods=["GET", "POST"])
@limit_mail_requests
def register():
    if current_user.is_authenticated:
        return redirect(url_for(".my_page"), 303)
    form = RegisterForm()
    if form.validate_on_submit():
        accounts.register_participant(
            name=form.name.data,
            furigana=form.furigana.data,
            email=form.email.data,
            password=form.password.data,
            birth_year=form.birth_year.data,
            municipality_id=form.municipality.data,
            locale=str(get_locale() or "ja")[:2],
        )
        # The same answer whether or not the address was already registered.
        return _to_check_mail("register", form.email.data)
    return render_template("public/register.html", form=form)


@bp.get("/check-mail/<any(register, confirm, password, email):kind>")
def check_mail(kind: str):
    return render_template(
        "public/check_mail.html", kind=kind, address=session.get(MAIL_SENT_TO_KEY)
    )


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    # Opening the link only shows a button: mail scanners that follow links
    # must not confirm an address someone else registered.
    form = SignOutForm()
    if not form.validate_on_submit():
        if tokens.find(TokenPurpose.CONFIRM_EMAIL, token) is None:
            return _invalid_link("confirm")
        return render_template("public/confirm.html", form=form)
    account = accounts.confirm_email(token)
    if account is None:
        return _invalid_link("confirm")
    # A redirect, so that reloading the result does not reuse the spent link.
    session[CONFIRMED_STATUS_KEY] = account.status.value
    return redirect(url_for(".confirmed"), 303)


@bp.get("/confirm/done")
def confirmed():
    status = session.get(CONFIRMED_STATUS_KEY)
    if status is None:
        return redirect(url_for(".home"), 303)
    return render_template(
        "public/confirmed.html",
        pending=status == AccountStatus.PENDING_APPROVAL.value,
    )


@bp.route("/confirm/resend", methods=["GET", "POST"])
@limit_mail_requests
def resend_confirmation():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        accounts.resend_confirmation(form.email.data)
        return _to_check_mail("confirm", form.email.data)
    return render_template(
        "public/ask_for_link.html",
        form=form,
        heading=_("Send the confirmation e-mail again"),
        intro=_("Enter the address you registered with. We send a new link to it."),
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
@limit_mail_requests
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        return _to_check_mail("password", form.email.data)
    return render_template(
        "public/ask_for_link.html",
        form=form,
        heading=_("Forgot your password?"),
        intro=_(
            "Enter the address you registered with. We send you a link to set a "
            "new password. We never send passwords by e-mail."
        ),
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if tokens.find(TokenPurpose.RESET_PASSWORD, token) is None:
        return _invalid_link("password")
    form = ResetPasswordForm()
    if form.validate_on_submit():
        if accounts.reset_password(token, form.password.data) is None:
            return _invalid_link("password")
        if current_user.is_authenticated:
            _end_session()
        flash(_("Your password has been changed. Please sign in."), "success")
        return redirect(url_for(".sign_in"), 303)
    return render_template("public/reset_password.html", form=form, token=token)


@bp.get("/my")
@login_required
def my_page():
    return render_template("public/my_page.html", participant=current_user.participant)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limit_password_checks
def change_password():
    account = _own_account_or_403()
    form = ChangePasswordForm()
    form.email_for_policy = account.email
    if form.validate_on_submit():
        if not account.check_password(form.current_password.data):
            form.current_password.errors.append(_("The password is not correct."))
        elif passwords.normalise(form.password.data) == passwords.normalise(
            form.current_password.data
        ):
            form.password.errors.append(
                _("Choose a password different from the current one.")
            )
        else:
            accounts.change_password(account, form.password.data)
            # The new session token signs out every other device; this one
            # carries on under the new token.
            login_user(account)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for(".my_page"), 303)
    return render_template("public/change_password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limit_password_checks
def change_email():
    account = _own_account_or_403()
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if normalise_email(form.email.data) == account.email:
            form.email.errors.append(_("This is already your address."))
        elif account.check_password(form.current_password.data):
            accounts.request_email_change(account, form.email.data)
            return _to_check_mail("email", form.email.data)
        else:
            form.current_password.errors.append(_("The password is not correct."))
    return render_template("public/change_email.html", form=form)


@bp.get("/account/email/confirm/<token>")
def confirm_email_change(token: str):
    # Read before the change, which ends the sessions of the account.
    signed_in_as = current_user.id if current_user.is_authenticated else None
    account = accounts.confirm_email_change(token)
    if account is None:
        return _invalid_link("email")
    flash(_("Your e-mail address has been changed."), "success")
    if signed_in_as == account.id:
        # Every other session ended with the change; this one carries on.
        login_user(account)
        return redirect(url_for(".my_page"), 303)
    return redirect(url_for(".sign_in"), 303)


@bp.route("/account/withdraw", methods=["GET", "POST"])
@login_required
@limit_password_checks
def withdraw():
    account = current_user._get_current_object()
    blocking = accounts.sole_owned_organisations(account)
    form = WithdrawForm()
    if not account.is_staff and not blocking and form.validate_on_submit():
        if account.check_password(form.current_password.data):
            try:
                accounts.withdraw(account)
            except accounts.WithdrawalRefused as refused:
                blocking = refused.organisations
            else:
                _end_session()
                flash(_("You have withdrawn. Thank you for using the service."))
                return redirect(url_for(".home"), 303)
        else:
            form.current_password.errors.append(_("The password is not correct."))
    return render_template(
        "public/withdraw.html",
        form=form,
        blocking=blocking,
        is_staff=account.is_staff,
    )


@bp.get("/pages/<slug>")
def content_page(slug: str):
    now = datetime.now(UTC)
    page = db.session.scalar(
        db.select(ContentPage).where(
            ContentPage.slug == slug,
            ContentPage.status == ContentStatus.PUBLISHED,
            db.or_(ContentPage.publish_at.is_(None), ContentPage.publish_at <= now),
        )
    )
    if page is None:
        abort(404)
    paragraphs = [part.strip() for part in page.body.split("\n\n") if part.strip()]
    return render_template("public/content_page.html", page=page, paragraphs=paragraphs)


def _to_check_mail(kind: str, address: str):
    session[MAIL_SENT_TO_KEY] = normalise_email(address)
    return redirect(url_for(".check_mail", kind=kind), 303)


def _invalid_link(kind: str):
    """The page for a link that is unknown, already used or out of date."""
    return render_template("public/link_invalid.html", kind=kind), 404
