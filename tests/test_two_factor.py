"""Signing in to the console: a password, then a code from an authenticator app."""

import logging
import re
import time
from datetime import UTC, datetime

import pyotp
import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from app import two_factor
from app.admin import access
from app.extensions import db
from app.models import AuditEntry, RecoveryCode
from tests.support.auth import sign_in, sign_in_to_console
from tests.support.browser import assert_accessible
from tests.support.factories import (
    PASSWORD,
    make_account,
    make_municipal_staff,
    make_participant,
    make_tokyo_staff,
)


def _t(message, **values):
    """``message`` as a Japanese-speaking staff member sees it."""
    with force_locale("ja"):
        return gettext(message, **values)


def _wrong_code():
    return _t("The code is not correct or was already used.")


def _enrolled(staff):
    """Give ``staff`` a connected authenticator app; return its TOTP."""
    staff.account.totp_secret = pyotp.random_base32(32)
    staff.account.totp_enabled_at = datetime.now(UTC)
    db.session.flush()
    return pyotp.TOTP(staff.account.totp_secret)


def _password(client, account, password=PASSWORD, **query):
    return client.post(
        "/admin/sign-in",
        query_string=query,
        data={"email": account.email, "password": password, **query},
    )


def _code(client, code):
    return client.post("/admin/sign-in/code", data={"code": code})


def _secret_on(page: str) -> str:
    found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert found, "the enrolment page shows the key"
    return found.group(1).replace(" ", "")


def _audit(action):
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action)
    ).all()


def _sign_out(client):
    return client.post("/admin/sign-out")


def test_a_password_alone_does_not_open_the_console(client):
    staff = make_municipal_staff()
    _enrolled(staff)

    sign_in(client, staff.account)
    public_only = client.get("/admin/")
    _password(client, staff.account)
    half_way = client.get("/admin/")

    for response in (public_only, half_way):
        assert response.status_code == 302
        assert response.location.startswith("/admin/sign-in")


def test_the_console_sign_in_page_has_a_labelled_form(client):
    page = client.get("/admin/sign-in").text

    assert '<html lang="ja">' in page
    assert '<label for="email">メールアドレス</label>' in page
    assert '<label for="password">パスワード</label>' in page
    assert "<script" not in page


def test_a_first_sign_in_enrols_an_app_and_shows_ten_recovery_codes_once(client):
    staff = make_municipal_staff()

    response = _password(client, staff.account)
    assert response.location == "/admin/sign-in/enrol"
    enrol_page = client.get("/admin/sign-in/enrol")
    page = enrol_page.text
    assert enrol_page.headers["Cache-Control"] == "no-store"
    assert '<img src="data:image/svg+xml' in page
    alt = _t(
        "QR code to add %(email)s to an authenticator app", email=staff.account.email
    )
    assert f'alt="{alt}"' in page
    assert "<script" not in page
    secret = _secret_on(page)
    # Reloading keeps the same key, so a scanned phone stays valid.
    assert _secret_on(client.get("/admin/sign-in/enrol").text) == secret

    done = client.post("/admin/sign-in/enrol", data={"code": pyotp.TOTP(secret).now()})

    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([0-9a-z-]+)</code></li>", done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(
        sa.select(RecoveryCode.code_hash).where(
            RecoveryCode.account_id == staff.account.id
        )
    ).all()
    assert len(stored) == 10
    assert not set(codes) & set(stored)
    db.session.refresh(staff.account)
    assert staff.account.totp_enabled_at is not None
    assert [e.object_id for e in _audit("two_factor_enrolled")] == [staff.account.id]
    assert [e.detail["surface"] for e in _audit("sign_in")] == ["console"]
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_at_enrolment_is_refused_and_audited(client):
    staff = make_municipal_staff()
    _password(client, staff.account)
    client.get("/admin/sign-in/enrol")

    response = client.post("/admin/sign-in/enrol", data={"code": "000000"})

    assert response.status_code == 200
    assert _t("The code is not correct. Enter the code the app shows now.") in (
        response.text
    )
    assert 'aria-invalid="true"' in response.text
    db.session.refresh(staff.account)
    assert staff.account.totp_enabled_at is None
    assert len(_audit("two_factor_failed")) == 1
    assert client.get("/admin/").status_code == 302


def test_a_later_sign_in_asks_for_a_code_and_opens_the_console(client, caplog):
    staff = make_municipal_staff()
    totp = _enrolled(staff)
    caplog.set_level(logging.INFO, logger="app")

    assert _password(client, staff.account).location == "/admin/sign-in/code"
    response = _code(client, totp.now())

    assert response.status_code == 303
    assert response.location == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert f"account {staff.account.id} signed in on the console site" in caplog.text


def test_a_wrong_code_is_refused_and_audited(client):
    staff = make_municipal_staff()
    _enrolled(staff)
    _password(client, staff.account)

    response = _code(client, "123456")

    assert _wrong_code() in response.text
    assert len(_audit("two_factor_failed")) == 1
    assert client.get("/admin/").status_code == 302


def test_a_code_cannot_be_used_twice(client):
    staff = make_municipal_staff()
    totp = _enrolled(staff)
    code = totp.now()
    _password(client, staff.account)
    assert _code(client, code).status_code == 303
    _sign_out(client)

    _password(client, staff.account)
    replayed = _code(client, code)

    assert replayed.status_code == 200
    assert _wrong_code() in replayed.text
    assert client.get("/admin/").status_code == 302


def test_a_phone_one_step_behind_is_accepted_but_two_steps_is_not(client):
    staff = make_municipal_staff()
    totp = _enrolled(staff)
    _password(client, staff.account)

    too_old = _code(client, totp.at(time.time() - 60))
    one_behind = _code(client, totp.at(time.time() - 30))

    assert _wrong_code() in too_old.text
    assert one_behind.status_code == 303


def test_a_recovery_code_works_once(client):
    staff = make_municipal_staff()
    _enrolled(staff)
    codes = two_factor.new_recovery_codes(staff.account)
    db.session.commit()

    _password(client, staff.account)
    # Typed in capitals with spaces, as people copy from paper.
    used = _code(client, codes[0].upper().replace("-", " "))

    assert used.status_code == 303
    console = client.get("/admin/").text
    assert (
        _t(
            "You signed in with a recovery code. %(left)d codes are left."
            " If you lost your phone, ask an administrator to reset"
            " your two-factor sign-in.",
            left=9,
        )
        in console
    )
    [entry] = _audit("recovery_code_used")
    assert entry.detail["left"] == 9
    _sign_out(client)
    _password(client, staff.account)
    again = _code(client, codes[0])
    assert _wrong_code() in again.text
    assert client.get("/admin/").status_code == 302


def test_too_many_wrong_codes_pause_the_sign_in(client):
    staff = make_municipal_staff()
    totp = _enrolled(staff)
    _password(client, staff.account)
    for _ in range(two_factor.MAX_FAILURES):
        _code(client, "000000")

    response = _code(client, totp.now())

    assert response.status_code == 303
    assert response.location == "/admin/sign-in"
    assert (
        _t("There were too many wrong codes. Please wait 15 minutes and sign in again.")
        in client.get("/admin/sign-in").text
    )
    assert client.get("/admin/").status_code == 302


def test_the_password_step_is_forgotten_after_ten_minutes(client):
    staff = make_municipal_staff()
    totp = _enrolled(staff)
    _password(client, staff.account)
    with client.session_transaction() as session:
        session["staff_pending_at"] -= 11 * 60

    response = _code(client, totp.now())

    assert response.location == "/admin/sign-in"


def test_the_console_returns_to_the_page_asked_for(client):
    staff = make_tokyo_staff()
    totp = _enrolled(staff)

    first = client.get("/admin/activities/")
    _password(client, staff.account, next="/admin/activities/?page=2")
    response = _code(client, totp.now())

    assert first.location == "/admin/sign-in?next=/admin/activities/"
    assert response.location == "/admin/activities/?page=2"


def test_the_console_never_sends_anyone_elsewhere_after_sign_in(client):
    staff = make_tokyo_staff()
    totp = _enrolled(staff)

    _password(client, staff.account, next="//example.com/admin/")
    response = _code(client, totp.now())

    assert response.location == "/admin/"


@pytest.mark.parametrize(
    "account_kind", ["participant", "disabled staff", "organisation staff"]
)
def test_accounts_that_are_not_active_staff_cannot_sign_in(client, account_kind):
    if account_kind == "participant":
        account = make_participant().account
    elif account_kind == "disabled staff":
        account = make_municipal_staff(disabled=True).account
    else:
        account = make_account()

    response = _password(client, account)

    assert response.status_code == 200
    assert _t("This account cannot use the console.") in response.text
    with client.session_transaction() as session:
        assert "staff_pending_account_id" not in session
    [entry] = _audit("sign_in_failed")
    assert entry.detail["reason"] == "not staff"


def test_a_wrong_password_on_the_console_gets_one_message(client):
    staff = make_municipal_staff()

    response = _password(client, staff.account, password="not the password")

    assert "メールアドレスまたはパスワードが正しくありません。" in response.text
    assert _audit("sign_in_failed")


def test_the_console_session_ends_after_30_minutes_without_activity(client):
    staff = make_municipal_staff()
    sign_in_to_console(client, staff.account)
    with client.session_transaction() as session:
        session[access.LAST_SEEN_KEY] -= 29 * 60
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as session:
        session[access.LAST_SEEN_KEY] -= 31 * 60

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.location.startswith("/admin/sign-in")
    page = client.get(response.location).text
    assert _t("You were signed out after 30 minutes without activity.") in page
    with client.session_transaction() as session:
        assert "_user_id" not in session
        assert access.VERIFIED_KEY not in session


def test_the_console_session_ends_after_12_hours_even_when_busy(client):
    staff = make_municipal_staff()
    sign_in_to_console(client, staff.account)
    with client.session_transaction() as session:
        session[access.SIGNED_IN_KEY] -= 12 * 60 * 60 + 60

    response = client.get("/admin/activities/")

    assert response.location.startswith("/admin/sign-in")
    assert _t("You were signed out because 12 hours have passed.") in (
        client.get(response.location).text
    )
    assert client.get("/admin/").location.startswith("/admin/sign-in")


def test_a_console_session_belongs_to_the_account_that_passed_both_steps(client):
    staff = make_municipal_staff()
    colleague = make_municipal_staff()
    sign_in_to_console(client, staff.account)

    sign_in(client, colleague.account)

    assert client.get("/admin/").location.startswith("/admin/sign-in")


def test_signing_out_of_the_console_ends_the_session(client):
    staff = make_municipal_staff()
    sign_in_to_console(client, staff.account)

    response = _sign_out(client)

    assert response.location == "/admin/sign-in"
    assert "ログアウトしました。" in client.get("/admin/sign-in").text
    assert client.get("/admin/").location.startswith("/admin/sign-in")


@pytest.mark.browser
def test_a_staff_member_enrols_and_reaches_the_console_in_the_browser(page):
    staff = make_municipal_staff(
        "三鷹市", account=make_account(email="mitaka@example.jp")
    )
    db.session.commit()

    page.goto("/admin/")
    assert "/admin/sign-in" in page.url
    assert_accessible(page, "console-sign-in")
    page.fill("#email", "mitaka@example.jp")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")

    assert page.url.endswith("/admin/sign-in/enrol")
    alt = _t(
        "QR code to add %(email)s to an authenticator app", email="mitaka@example.jp"
    )
    assert page.get_by_role("img", name=alt).is_visible()
    assert_accessible(page, "console-enrol")
    totp = pyotp.TOTP(page.inner_text("#totp-secret").replace(" ", ""))
    page.fill("#code", "000000")
    page.click("main button[type=submit]")
    assert_accessible(page, "console-enrol-error")
    page.fill("#code", totp.now())
    page.click("main button[type=submit]")

    assert page.locator(".console-codes li").count() == 10
    assert_accessible(page, "console-recovery-codes")
    page.get_by_role("link", name=_t("Continue to the console")).click()
    assert page.url.endswith("/admin/")
    assert "三鷹市" in page.inner_text("main")

    page.get_by_role("button", name="ログアウト").click()
    page.fill("#email", "mitaka@example.jp")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    assert page.url.endswith("/admin/sign-in/code")
    assert_accessible(page, "console-code")
    # The next step's code: the current one was spent on enrolment.
    page.fill("#code", totp.at(time.time() + 30))
    page.click("main button[type=submit]")
    assert page.url.endswith("/admin/")
    db.session.refresh(staff.account)
    assert staff.account.totp_enabled_at is not None


def test_code_attempts_are_counted_before_they_are_checked(app):
    from app import two_factor
    from tests.support.factories import make_municipal_staff

    staff = make_municipal_staff("世田谷区")
    # As if many guesses arrived at once: each claims its attempt first, so
    # only the allowed number gets as far as checking a code.
    claims = [two_factor.claim_attempt(staff.account) for _ in range(8)]

    assert claims.count(True) == two_factor.MAX_FAILURES
    assert claims[two_factor.MAX_FAILURES :] == [False] * 3
