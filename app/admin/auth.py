"""Signing in to the console: password, then a code from an app, and invitations.

The password step only remembers, for ten minutes, which account is half
signed in; the account is signed in after the second step, in a fresh
session that carries the console's own markers (see ``app.admin.access``).
"""

import logging
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app import accounts, audit, passwords, two_factor
from app import staff as staff_rules
from app.admin import access
from app.admin.forms import (
    ActionForm,
    CodeForm,
    ConsoleSignInForm,
    EnrolForm,
    InvitationForm,
)
from app.extensions import db
from app.models import Account
from app.security import limit_sign_in

logger = logging.getLogger(__name__)

bp = Blueprint("console_auth", __name__)

# Between the password and the code; long enough to find a phone.
PENDING_LIMIT = timedelta(minutes=10)
PENDING_ACCOUNT_KEY = "staff_pending_account_id"
PENDING_AT_KEY = "staff_pending_at"
PENDING_NEXT_KEY = "staff_pending_next"


@bp.route("/sign-in", methods=["GET", "POST"])
@limit_sign_in
def sign_in():
    if access.console_staff() is not None:
        return redirect(url_for("admin.index"), 303)
    form = ConsoleSignInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            account = accounts.authenticate(form.email.data, form.password.data)
        except accounts.NotYetActive:
            account = None
        if account is not None and account.is_staff:
            _begin(account, form.next.data)
            step = ".code" if account.totp_enabled_at else ".enrol"
            return redirect(url_for(step), 303)
        if account is not None:
            # The password was right, so saying why reveals nothing new.
            audit.record(
                "sign_in_failed", account, surface="console", reason="not staff"
            )
            db.session.commit()
            logger.info("console sign-in refused for account %s: not staff", account.id)
            form.form_errors.append(_("This account cannot use the console."))
        else:
            form.form_errors.append(
                _("The e-mail address or the password is not correct.")
            )
    return render_template("admin/auth/sign_in.html", form=form)


@bp.route("/sign-in/enrol", methods=["GET", "POST"])
def enrol():
    """First console sign-in: connect an authenticator app to the account."""
    account = _pending_account()
    if account is None:
        return _start_again()
    if account.totp_enabled_at is not None:
        return redirect(url_for(".code"), 303)
    if two_factor.too_many_failures(account):
        return _locked_out(account)
    if not account.totp_secret:
        two_factor.start_enrolment(account)
        db.session.commit()
        logger.info("two-factor enrolment started for account %s", account.id)

    form = EnrolForm()
    if form.validate_on_submit():
        if not two_factor.claim_attempt(account):
            return _locked_out(account)
        if two_factor.verify_totp(account, form.code.data):
            codes = two_factor.enable(account)
            next_url = _complete(account)
            # Shown in this response and never again: the codes are only
            # stored hashed, and are kept out of cookies and redirects.
            return _private(
                render_template(
                    "admin/auth/recovery_codes.html", codes=codes, next_url=next_url
                )
            )
        two_factor.record_failure(account, "enrolment")
        form.code.errors.append(
            _("The code is not correct. Enter the code the app shows now.")
        )
    return _private(
        render_template(
            "admin/auth/enrol.html",
            form=form,
            account=account,
            qr_code=two_factor.qr_code_data_uri(account),
            secret=two_factor.grouped_secret(account.totp_secret),
        )
    )


@bp.route("/sign-in/code", methods=["GET", "POST"])
def code():
    """Later sign-ins: a code from the app, or one of the recovery codes."""
    account = _pending_account()
    if account is None:
        return _start_again()
    if account.totp_enabled_at is None:
        return redirect(url_for(".enrol"), 303)
    if two_factor.too_many_failures(account):
        return _locked_out(account)

    form = CodeForm()
    if form.validate_on_submit():
        if not two_factor.claim_attempt(account):
            return _locked_out(account)
        entered = form.code.data
        if two_factor.looks_like_totp(entered):
            recovery = False
            verified = two_factor.verify_totp(account, entered)
        else:
            recovery = True
            verified = two_factor.use_recovery_code(account, entered)
        if verified:
            if recovery:
                left = two_factor.remaining_recovery_codes(account)
                audit.record("recovery_code_used", account, actor=account, left=left)
                logger.info(
                    "account %s used a recovery code, %s left", account.id, left
                )
            next_url = _complete(account)
            if recovery:
                flash(
                    _(
                        "You signed in with a recovery code. %(left)d codes are left."
                        " If you lost your phone, ask an administrator to reset"
                        " your two-factor sign-in.",
                        left=left,
                    ),
                    "warning",
                )
            return redirect(next_url, 303)
        two_factor.record_failure(account, "recovery code" if recovery else "code")
        form.code.errors.append(_("The code is not correct or was already used."))
    return render_template("admin/auth/code.html", form=form)


@bp.post("/sign-out")
def sign_out():
    form = ActionForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        account = current_user._get_current_object()
        access.end_session()
        audit.record("sign_out", account, actor=account, surface="console")
        db.session.commit()
        logger.info("account %s signed out of the console", account.id)
        flash(_("You have signed out."), "success")
    return redirect(url_for(".sign_in"), 303)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Where an invited staff member chooses a password."""
    found = staff_rules.find_invitation(token)
    if found is None:
        return render_template("admin/auth/invitation_invalid.html"), 404
    form = InvitationForm()
    if form.validate_on_submit():
        problems = passwords.problems(form.password.data, email=found.account.email)
        if problems:
            form.password.errors.extend(problems)
        elif staff_rules.accept_invitation(token, form.password.data) is not None:
            flash(
                _(
                    "Your password is set. Sign in; you will then connect an"
                    " authenticator app."
                ),
                "success",
            )
            return redirect(url_for(".sign_in"), 303)
        else:
            return render_template("admin/auth/invitation_invalid.html"), 404
    return _private(
        render_template(
            "admin/auth/invitation.html", form=form, staff=found.account.staff
        )
    )


def _begin(account: Account, target: str | None) -> None:
    session[PENDING_ACCOUNT_KEY] = account.id
    session[PENDING_AT_KEY] = int(time.time())
    session[PENDING_NEXT_KEY] = _safe_console_path(target) or ""


def _pending_account() -> Account | None:
    """The account that passed the password step, while it is fresh."""
    account_id = session.get(PENDING_ACCOUNT_KEY)
    started = session.get(PENDING_AT_KEY) or 0
    if not account_id or time.time() - started > PENDING_LIMIT.total_seconds():
        return None
    account = db.session.get(Account, account_id)
    if account is None or not account.is_active or not account.is_staff:
        return None
    return account


def _complete(account: Account) -> str:
    """Sign the account in with a new session; return where it goes next."""
    next_url = session.get(PENDING_NEXT_KEY) or url_for("admin.index")
    # A new session, so that nothing planted before sign-in survives it.
    access.end_session()
    login_user(account)
    access.start_console_session(account)
    accounts.record_sign_in(account, surface="console")
    return next_url


def _start_again():
    for key in (PENDING_ACCOUNT_KEY, PENDING_AT_KEY, PENDING_NEXT_KEY):
        session.pop(key, None)
    flash(_("Please sign in again."), "warning")
    return redirect(url_for(".sign_in"), 303)


def _locked_out(account: Account):
    logger.info("two-factor sign-in paused for account %s", account.id)
    for key in (PENDING_ACCOUNT_KEY, PENDING_AT_KEY, PENDING_NEXT_KEY):
        session.pop(key, None)
    flash(
        _("There were too many wrong codes. Please wait 15 minutes and sign in again."),
        "danger",
    )
    return redirect(url_for(".sign_in"), 303)


def _private(body):
    """A page with a secret on it: never kept by the browser or a proxy."""
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe_console_path(target: str | None) -> str | None:
    """``target`` if it is a console page on this site, else None."""
    if not target or not target.startswith("/admin/") or "\\" in target:
        return None
    if any(ord(char) < 0x20 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
