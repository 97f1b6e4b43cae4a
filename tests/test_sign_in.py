"""Signing in and out, and where each kind of account lands."""

import logging
from urllib.parse import unquote

import pytest

from app.extensions import db
from app.models.types import AccountStatus, TextSize
from tests.support.auth import sign_in
from tests.support.factories import (
    PASSWORD,
    make_account,
    make_member,
    make_municipal_staff,
    make_organisation,
)

WRONG = "メールアドレスまたはパスワードが正しくありません。"


def _sign_in(client, email, password=PASSWORD, **extra):
    return client.post("/sign-in", data={"email": email, "password": password, **extra})


def test_sign_in_page_has_a_labelled_email_and_password_form(client):
    page = client.get("/sign-in").text

    assert '<label for="email">メールアドレス</label>' in page
    assert '<label for="password">パスワード</label>' in page
    assert 'autocomplete="current-password"' in page


def test_a_participant_signs_in_with_the_right_password_and_lands_home(client, caplog):
    account = make_account(email="hanako@example.jp")
    caplog.set_level(logging.INFO, logger="app")

    response = _sign_in(client, "Hanako@Example.jp ")

    assert response.status_code == 303
    assert response.location == "/"
    home = client.get("/").text
    assert "ログインしました。" in home
    assert "ログアウト" in home
    db.session.refresh(account)
    assert account.last_sign_in_at is not None
    assert f"account {account.id} signed in" in caplog.text


@pytest.mark.parametrize(
    ("email", "password"),
    [("hanako@example.jp", "not the password"), ("nobody@example.jp", PASSWORD)],
)
def test_a_wrong_address_or_password_gets_one_message_and_keeps_the_address(
    client, email, password
):
    make_account(email="hanako@example.jp")

    response = _sign_in(client, email, password)

    assert response.status_code == 200
    assert WRONG in response.text
    assert f'value="{email}"' in response.text
    assert password not in response.text
    assert "ログアウト" not in client.get("/").text


@pytest.mark.parametrize("status", [AccountStatus.DISABLED, AccountStatus.WITHDRAWN])
def test_an_account_that_is_not_active_cannot_sign_in(client, status):
    make_account(email="hanako@example.jp", status=status)

    response = _sign_in(client, "hanako@example.jp")

    assert WRONG in response.text


def test_with_the_right_password_an_unconfirmed_account_is_told_what_to_do(client):
    make_account(email="hanako@example.jp", status=AccountStatus.UNCONFIRMED)

    page = _sign_in(client, "hanako@example.jp").text

    assert "ログアウト" not in page
    assert 'href="/confirm/resend"' in page
    assert WRONG not in page
    # Without the password, nobody learns the account is waiting.
    assert (
        'href="/confirm/resend"'
        not in _sign_in(client, "hanako@example.jp", "wrong")
        .text.split("<main", 1)[1]
        .split("</form>", 1)[0]
    )


def test_with_the_right_password_a_resident_waiting_for_approval_is_told_so(client):
    from tests.support.factories import make_participant

    participant = make_participant(
        municipality="小平市",
        account=make_account(
            email="hanako@example.jp", status=AccountStatus.PENDING_APPROVAL
        ),
    )

    page = _sign_in(client, participant.account.email).text

    assert "小平市" in page
    assert "ログアウト" not in page


def test_empty_fields_are_explained_next_to_each_field(client):
    response = _sign_in(client, "", "")

    page = response.text
    assert "メールアドレスを入力してください。" in page
    assert "パスワードを入力してください。" in page
    assert 'aria-describedby="email-error"' in page
    assert 'aria-invalid="true"' in page


def test_staff_are_sent_to_the_console_sign_in_and_members_to_their_portal(client, app):
    staff = make_municipal_staff()
    member = make_member(make_organisation())

    refused = _sign_in(client, staff.account.email)
    assert refused.status_code == 200
    assert 'href="/admin/sign-in"' in refused.text
    assert "ログアウト" not in refused.text
    assert _sign_in(client, member.account.email).location == "/orgs/"


def test_sign_in_returns_to_the_page_the_visitor_came_from(client):
    make_account(email="hanako@example.jp")
    page = client.get("/sign-in", query_string={"next": "/activities?q=朗読"}).text
    assert 'name="next" type="hidden" value="/activities?q=朗読"' in page

    response = _sign_in(client, "hanako@example.jp", next="/activities?q=朗読")

    assert unquote(response.location) == "/activities?q=朗読"


@pytest.mark.parametrize(
    "target", ["https://example.com/", "//example.com", "/\\example.com", "java"]
)
def test_sign_in_never_sends_anyone_to_another_site(client, target):
    make_account(email="hanako@example.jp")

    response = _sign_in(client, "hanako@example.jp", next=target)

    assert response.location == "/"


def test_signing_out_ends_the_session_and_clears_the_remember_cookie(client, caplog):
    account = make_account(email="hanako@example.jp")
    _sign_in(client, "hanako@example.jp")
    client.set_cookie("remember_token", "remembered")
    caplog.set_level(logging.INFO, logger="app")

    response = client.post("/sign-out")

    assert response.status_code == 303
    assert response.location == "/"
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=;") for c in cookies), cookies
    page = client.get("/").text
    assert "ログアウトしました。" in page
    assert "ログアウト</button>" not in page
    assert f"account {account.id} signed out" in caplog.text


def test_signing_out_keeps_the_language_and_display_of_the_screen(client):
    make_account(email="hanako@example.jp")
    client.get("/?lang=en")
    _sign_in(client, "hanako@example.jp")
    client.post("/display", data={"text_size": "large"})

    client.post("/sign-out")

    assert '<html lang="en" class="text-large">' in client.get("/").text


def test_display_settings_are_kept_on_the_signed_in_account(client):
    account = make_account()
    sign_in(client, account)

    client.post("/display", data={"high_contrast": "on", "text_size": "largest"})

    db.session.refresh(account)
    assert account.high_contrast is True
    assert account.text_size == TextSize.LARGEST


def test_a_signed_in_account_brings_its_own_display_settings(client):
    account = make_account(high_contrast=True, text_size=TextSize.LARGE)
    sign_in(client, account)

    assert 'class="text-large theme-contrast"' in client.get("/").text


def test_the_sign_in_page_sends_a_signed_in_visitor_on(client):
    sign_in(client, make_account())

    assert client.get("/sign-in").location == "/"


def test_the_header_leads_staff_and_organisation_members_to_their_pages(client):
    staff = make_municipal_staff()
    member = make_member(make_organisation())

    sign_in(client, staff.account)
    staff_page = client.get("/").text
    sign_in(client, member.account)
    member_page = client.get("/").text

    assert 'href="/admin/">管理画面' in staff_page
    assert 'href="/orgs/">団体のページ' in member_page
    assert "管理画面" not in member_page
