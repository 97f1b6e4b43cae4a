"""Participants' own accounts: register, confirm, reset, change and withdraw."""

import logging
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from app.extensions import db
from app.models import Account, AccountToken, AuditEntry, ContentPage, Participant
from app.models.types import (
    AccountStatus,
    ApplicationState,
    ContentStatus,
    MemberRole,
    TokenPurpose,
)
from app.reference import load_fixed_pages
from tests.support.auth import sign_in
from tests.support.factories import (
    PASSWORD,
    find_municipality,
    make_account,
    make_activity,
    make_application,
    make_member,
    make_organisation,
    make_participant,
)

NEW_PASSWORD = "朝の公園で体操 2027"
LINK = re.compile(r"https?://\S+")


@pytest.fixture
def app_overrides(smtp_server):
    return smtp_server.settings


def _registration(**changes) -> dict:
    data = {
        "name": "山田 花子",
        "furigana": "やまだ　はなこ",
        "email": "Hanako@Example.jp",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
        "birth_year": "1958",
        "municipality": str(find_municipality("三鷹市").id),
        "consent": "y",
    }
    data.update(changes)
    return data


def _mail_to(smtp_server, address: str) -> list:
    return [m for m in smtp_server.messages if address in m.rcpt_tos]


def _text(received) -> str:
    return received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _path_of_link(received, prefix: str) -> str:
    """The path of the first link in the mail's text that starts with ``prefix``."""
    for url in LINK.findall(_text(received)):
        path = urlsplit(url).path
        if path.startswith(prefix):
            return path
    raise AssertionError(f"no {prefix} link in:\n{_text(received)}")


def _actions(account: Account) -> list[str]:
    return list(
        db.session.scalars(
            db.select(AuditEntry.action)
            .where(
                AuditEntry.object_type == "account", AuditEntry.object_id == account.id
            )
            .order_by(AuditEntry.id)
        )
    )


def _register_and_confirm(client, smtp_server, **changes) -> Account:
    client.post("/register", data=_registration(**changes))
    address = changes.get("email", "hanako@example.jp").lower()
    [mail] = _mail_to(smtp_server, address)
    client.post(_path_of_link(mail, "/confirm/"))
    return db.session.scalar(db.select(Account).filter_by(email=address))


# -- Registering and confirming ---------------------------------------------------


def test_the_register_page_labels_every_field_and_links_to_the_terms(client):
    page = client.get("/register").text

    for label in ("名前", "ふりがな（カタカナ）", "生まれた年", "お住まいの区市町村"):
        assert f">{label}</label>" in page
    assert page.count("<option") > 62 + 80
    assert 'href="/pages/terms"' in page
    assert 'href="/pages/privacy"' in page
    assert "1958年（昭和33年）" in page
    assert client.get("/pages/terms").status_code == 200
    assert client.get("/pages/privacy").status_code == 200


def test_a_new_participant_registers_confirms_and_lands_on_their_page(
    client, smtp_server, caplog
):
    caplog.set_level(logging.INFO, logger="app")

    response = client.post("/register", data=_registration())

    assert response.status_code == 303
    assert response.location == "/check-mail/register"
    assert (
        "hanako@example.jp にメールを送りました。" in client.get(response.location).text
    )
    account = db.session.scalar(db.select(Account).filter_by(email="hanako@example.jp"))
    assert account.status == AccountStatus.UNCONFIRMED
    assert account.consented_at is not None
    participant = account.participant
    assert participant.name == "山田 花子"
    assert participant.furigana == "ヤマダ ハナコ"
    assert participant.birth_year == 1958
    assert participant.municipality.name == "三鷹市"

    [mail] = _mail_to(smtp_server, "hanako@example.jp")
    assert (
        mail.message["Subject"]
        == "【東京つながりナビ】メールアドレスの確認をお願いします"
    )
    assert "山田 花子 様" in _text(mail)
    assert "メールアドレスを確認する" in mail.message.get_body(("html",)).get_content()
    confirmed = client.post(_path_of_link(mail, "/confirm/"))

    assert confirmed.status_code == 303
    assert "登録が完了しました" in client.get(confirmed.location).text
    db.session.refresh(account)
    db.session.refresh(participant)
    assert account.status == AccountStatus.ACTIVE
    assert account.email_confirmed_at is not None
    assert participant.approved_at is not None
    assert _actions(account) == ["account.registered", "account.confirmed"]
    assert f"account {account.id} confirmed its address" in caplog.text

    signed_in = client.post(
        "/sign-in", data={"email": "hanako@example.jp", "password": NEW_PASSWORD}
    )
    assert signed_in.location == "/my"
    page = client.get("/my").text
    for text in ("マイページ", "山田 花子", "ヤマダ ハナコ", "1958年", "三鷹市"):
        assert text in page
    for link in ("/account/password", "/account/email", "/account/withdraw"):
        assert f'href="{link}"' in page


def test_mistakes_are_explained_next_to_each_field_and_typed_values_stay(
    client, smtp_server
):
    response = client.post(
        "/register",
        data=_registration(
            furigana="山田",
            password="password",
            password_again="something else",
            birth_year="0",
            consent="",
        ),
    )

    page = response.text
    assert response.status_code == 200
    assert "カタカナで入力してください" in page
    assert "2つのパスワードが同じではありません。" in page
    assert "生まれた年を選んでください。" in page
    assert "同意のチェックを入れてください" in page
    assert 'value="山田 花子"' in page
    assert 'value="Hanako@Example.jp"' in page
    assert 'value="password"' not in page
    assert 'aria-describedby="furigana-hint furigana-error"' in page
    assert (
        db.session.scalar(db.select(Account).filter_by(email="hanako@example.jp"))
        is None
    )
    assert smtp_server.messages == []


def test_a_registered_address_gets_the_same_answer_and_its_owner_a_note(
    client, smtp_server
):
    owner = make_account(email="hanako@example.jp")
    accounts_before = db.session.scalar(db.select(db.func.count(Account.id)))

    response = client.post("/register", data=_registration())

    assert response.status_code == 303
    assert response.location == "/check-mail/register"
    assert db.session.scalar(db.select(db.func.count(Account.id))) == accounts_before
    [mail] = _mail_to(smtp_server, "hanako@example.jp")
    assert "すでに登録されています" in _text(mail)
    assert "/confirm/" not in _text(mail)
    db.session.refresh(owner)
    assert owner.status == AccountStatus.ACTIVE


def test_where_the_municipality_approves_residents_confirmation_waits_for_it(
    client, smtp_server
):
    find_municipality("三鷹市").requires_participant_approval = True
    db.session.commit()

    account = _register_and_confirm(client, smtp_server)

    assert account.status == AccountStatus.PENDING_APPROVAL
    assert account.participant.approved_at is None
    page = client.get("/confirm/done").text
    assert "承認されたら、メールでお知らせします。" in page
    signed_in = client.post(
        "/sign-in", data={"email": "hanako@example.jp", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 200


def test_a_used_confirmation_link_offers_a_new_one_to_any_address(client, smtp_server):
    client.post("/register", data=_registration())
    [mail] = _mail_to(smtp_server, "hanako@example.jp")
    path = _path_of_link(mail, "/confirm/")
    assert client.post(path).status_code == 303

    again = client.get(path)

    assert again.status_code == 404
    assert "このリンクは使えません" in again.text
    assert 'href="/confirm/resend"' in again.text
    for address in ("hanako@example.jp", "nobody@example.jp"):
        response = client.post("/confirm/resend", data={"email": address})
        assert response.location == "/check-mail/confirm"
    # The first link confirmed the account, so no new link goes anywhere.
    assert len(smtp_server.messages) == 1


def test_an_unconfirmed_account_can_ask_for_a_new_link(client, smtp_server):
    client.post("/register", data=_registration())

    client.post("/confirm/resend", data={"email": "HANAKO@example.jp "})

    first, second = _mail_to(smtp_server, "hanako@example.jp")
    assert client.post(_path_of_link(first, "/confirm/")).status_code == 404
    assert client.post(_path_of_link(second, "/confirm/")).status_code == 303


# -- Passwords -----------------------------------------------------------------


def test_a_reset_link_works_once_and_ends_every_other_session(client, app, smtp_server):
    account = make_participant(account=make_account(email="hanako@example.jp")).account
    other_device = app.test_client()
    sign_in(other_device, account)
    assert other_device.get("/my").status_code == 200

    response = client.post("/password/forgot", data={"email": "hanako@example.jp"})

    assert response.location == "/check-mail/password"
    [mail] = _mail_to(smtp_server, "hanako@example.jp")
    assert "60分間" in _text(mail)
    assert PASSWORD not in _text(mail)
    path = _path_of_link(mail, "/password/reset/")
    form = client.get(path)
    assert 'autocomplete="new-password"' in form.text
    done = client.post(
        path, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )

    assert done.location == "/sign-in"
    db.session.refresh(account)
    assert account.check_password(NEW_PASSWORD)
    assert other_device.get("/my").status_code == 302
    assert (
        client.post(
            path,
            data={
                "password": "another one 2027!",
                "password_again": "another one 2027!",
            },
        ).status_code
        == 404
    )
    notice = _mail_to(smtp_server, "hanako@example.jp")[-1]
    assert notice.message["Subject"] == "【東京つながりナビ】パスワードを変更しました"
    assert "account.password_reset" in _actions(account)


def test_an_expired_reset_link_is_refused(client, smtp_server):
    make_account(email="hanako@example.jp")
    client.post("/password/forgot", data={"email": "hanako@example.jp"})
    [mail] = _mail_to(smtp_server, "hanako@example.jp")
    token = db.session.scalar(
        db.select(AccountToken).filter_by(purpose=TokenPurpose.RESET_PASSWORD)
    )
    token.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()

    response = client.get(_path_of_link(mail, "/password/reset/"))

    assert response.status_code == 404
    assert 'href="/password/forgot"' in response.text


def test_a_newer_reset_link_replaces_the_older_one(client, smtp_server):
    make_account(email="hanako@example.jp")
    client.post("/password/forgot", data={"email": "hanako@example.jp"})
    client.post("/password/forgot", data={"email": "hanako@example.jp"})

    first, second = _mail_to(smtp_server, "hanako@example.jp")

    assert client.get(_path_of_link(first, "/password/reset/")).status_code == 404
    assert client.get(_path_of_link(second, "/password/reset/")).status_code == 200


def test_asking_for_a_reset_answers_the_same_for_an_unknown_address(
    client, smtp_server
):
    make_account(email="hanako@example.jp")

    known = client.post("/password/forgot", data={"email": "hanako@example.jp"})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.jp"})

    assert known.status_code == unknown.status_code == 303
    assert known.location == unknown.location
    assert [m.rcpt_tos for m in smtp_server.messages] == [["hanako@example.jp"]]


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    client, app, smtp_server
):
    account = make_participant(account=make_account(email="hanako@example.jp")).account
    other_device = app.test_client()
    sign_in(other_device, account)
    sign_in(client, account)

    wrong = client.post(
        "/account/password",
        data={
            "current_password": "not it",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert "パスワードが正しくありません。" in wrong.text
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )

    assert response.status_code == 303
    assert client.get("/my").status_code == 200
    assert other_device.get("/my").status_code == 302
    db.session.refresh(account)
    assert account.check_password(NEW_PASSWORD)
    [notice] = _mail_to(smtp_server, "hanako@example.jp")
    assert "ほかのパソコンやスマートフォンからは、ログアウトしました。" in _text(notice)
    assert "account.password_changed" in _actions(account)


# -- E-mail address ------------------------------------------------------------


def test_changing_the_address_confirms_it_there_and_tells_the_old_one(
    client, smtp_server
):
    account = make_participant(account=make_account(email="hanako@example.jp")).account
    sign_in(client, account)
    client.post("/password/forgot", data={"email": "hanako@example.jp"})
    [reset_mail] = _mail_to(smtp_server, "hanako@example.jp")

    response = client.post(
        "/account/email",
        data={"email": "Hanako.New@example.jp", "current_password": PASSWORD},
    )

    assert response.location == "/check-mail/email"
    [confirmation] = _mail_to(smtp_server, "hanako.new@example.jp")
    db.session.refresh(account)
    assert account.email == "hanako@example.jp"
    done = client.get(_path_of_link(confirmation, "/account/email/confirm/"))

    assert done.location == "/my"
    db.session.refresh(account)
    assert account.email == "hanako.new@example.jp"
    told = _mail_to(smtp_server, "hanako@example.jp")[-1]
    assert "hanako.new@example.jp に変更しました" in _text(told)
    assert client.get(_path_of_link(reset_mail, "/password/reset/")).status_code == 404
    assert "account.email_changed" in _actions(account)


def test_an_address_already_in_use_gets_no_link_and_no_sign_of_it(client, smtp_server):
    make_account(email="taken@example.jp")
    account = make_participant(account=make_account(email="hanako@example.jp")).account
    sign_in(client, account)

    response = client.post(
        "/account/email",
        data={"email": "taken@example.jp", "current_password": PASSWORD},
    )

    assert response.location == "/check-mail/email"
    assert smtp_server.messages == []
    db.session.refresh(account)
    assert account.email == "hanako@example.jp"


# -- Withdrawing -----------------------------------------------------------------


def test_withdrawing_cancels_open_applications_tells_organisations_and_erases(
    client, smtp_server
):
    participant = make_participant(
        account=make_account(email="hanako@example.jp"),
        name="山田 花子",
        furigana="ヤマダ ハナコ",
        phone="090-0000-0000",
        introduction="朗読が好きです。",
    )
    organisation = make_organisation(email="circle@example.jp")
    past = datetime.now(UTC) - timedelta(days=30)
    cancelled = [
        make_application(make_activity(organisation), participant, state)
        for state in (
            ApplicationState.APPLIED,
            ApplicationState.INTERVIEW_BOOKED,
            ApplicationState.WAITLISTED,
            ApplicationState.ACCEPTED,
        )
    ]
    kept = [
        make_application(
            make_activity(organisation, starts_at=past), participant, state
        )
        for state in (
            ApplicationState.ACCEPTED,
            ApplicationState.ATTENDED,
            ApplicationState.DECLINED,
        )
    ]
    account = participant.account
    sign_in(client, account)

    refused = client.post("/account/withdraw", data={"current_password": "not it"})
    assert "パスワードが正しくありません。" in refused.text
    response = client.post("/account/withdraw", data={"current_password": PASSWORD})

    assert response.location == "/"
    assert "退会の手続きが終わりました。" in client.get("/").text
    assert client.get("/my").status_code == 302
    for application in cancelled:
        db.session.refresh(application)
        assert application.state == ApplicationState.CANCELLED
    for application in kept:
        state = application.state
        db.session.refresh(application)
        assert application.state == state
    told = _mail_to(smtp_server, "circle@example.jp")
    assert len(told) == len(cancelled)
    assert "山田 花子 さんが東京つながりナビを退会した" in _text(told[0])
    db.session.refresh(account)
    db.session.refresh(participant)
    assert account.status == AccountStatus.WITHDRAWN
    assert account.email is None
    assert account.password_hash is None
    assert account.withdrawn_at is not None
    assert participant.name == "退会した利用者"
    assert participant.furigana == ""
    assert participant.phone is None
    assert participant.introduction is None
    assert participant.anonymised_at is not None
    assert participant.birth_year == 1958
    assert "account.withdrawn" in _actions(account)

    again = client.post("/register", data=_registration(email="hanako@example.jp"))
    assert again.location == "/check-mail/register"
    new_account = db.session.scalar(
        db.select(Account).filter_by(email="hanako@example.jp")
    )
    assert new_account.id != account.id
    assert new_account.status == AccountStatus.UNCONFIRMED


def test_the_only_owner_of_an_organisation_must_hand_it_over_first(client):
    account = make_participant(account=make_account(email="hanako@example.jp")).account
    organisation = make_organisation(owner=account, name="三鷹朗読の会")
    sign_in(client, account)

    response = client.post("/account/withdraw", data={"current_password": PASSWORD})

    assert response.status_code == 200
    assert "三鷹朗読の会" in response.text
    assert "ほかのメンバーを管理者にしてください" in response.text
    db.session.refresh(account)
    assert account.status == AccountStatus.ACTIVE

    make_member(organisation, role=MemberRole.OWNER)
    response = client.post("/account/withdraw", data={"current_password": PASSWORD})
    assert response.status_code == 303
    db.session.refresh(account)
    assert account.status == AccountStatus.WITHDRAWN
    assert account.memberships == []


# -- Unconfirmed accounts --------------------------------------------------------


def test_the_clean_up_reminds_once_and_removes_accounts_left_unconfirmed(
    client, app, smtp_server
):
    client.post("/register", data=_registration(email="late@example.jp"))
    client.post("/register", data=_registration(email="stale@example.jp"))
    client.post("/register", data=_registration(email="fresh@example.jp"))
    now = datetime.now(UTC)
    late = db.session.scalar(db.select(Account).filter_by(email="late@example.jp"))
    stale = db.session.scalar(db.select(Account).filter_by(email="stale@example.jp"))
    late.created_at = now - timedelta(days=5)
    stale.created_at = now - timedelta(days=31)
    stale_id, stale_participant_id = stale.id, stale.participant.id
    db.session.commit()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["accounts", "clean-unconfirmed"])
    second = runner.invoke(args=["accounts", "clean-unconfirmed"])

    assert first.exit_code == 0, first.output
    assert "Reminded 1, removed 1" in first.output
    assert "Reminded 0, removed 0" in second.output
    reminders = [
        m
        for m in smtp_server.messages
        if "確認がまだ済んでいません" in m.message["Subject"]
    ]
    assert [m.rcpt_tos for m in reminders] == [["late@example.jp"]]
    assert client.post(_path_of_link(reminders[0], "/confirm/")).status_code == 303
    assert db.session.get(Account, stale_id) is None
    assert db.session.get(Participant, stale_participant_id) is None
    assert (
        db.session.scalar(
            db.select(db.func.count(AccountToken.id)).filter_by(account_id=stale_id)
        )
        == 0
    )
    fresh = db.session.scalar(db.select(Account).filter_by(email="fresh@example.jp"))
    assert fresh.confirmation_reminded_at is None


# -- Fixed pages -----------------------------------------------------------------


def test_only_published_pages_are_served(client):
    db.session.add_all(
        [
            ContentPage(
                kind="page",
                slug="draft",
                title="下書き",
                body="本文",
                status=ContentStatus.DRAFT,
            ),
            ContentPage(
                kind="page",
                slug="later",
                title="予定",
                body="本文",
                status=ContentStatus.PUBLISHED,
                publish_at=datetime.now(UTC) + timedelta(days=1),
            ),
        ]
    )
    db.session.commit()

    assert client.get("/pages/draft").status_code == 404
    assert client.get("/pages/later").status_code == 404
    assert client.get("/pages/no-such-page").status_code == 404
    assert "アクセシビリティ方針" in client.get("/pages/accessibility").text


def test_loading_fixed_pages_never_overwrites_what_staff_wrote(app):
    terms = db.session.scalar(db.select(ContentPage).filter_by(slug="terms"))
    terms.body = "職員が書き直した規約"
    db.session.commit()

    load_fixed_pages()

    db.session.refresh(terms)
    assert terms.body == "職員が書き直した規約"
    assert (
        db.session.scalar(
            db.select(db.func.count(ContentPage.id)).filter_by(slug="terms")
        )
        == 1
    )


def test_opening_a_confirmation_link_only_shows_a_button(client, smtp_server):
    client.post("/register", data=_registration())
    [mail] = _mail_to(smtp_server, "hanako@example.jp")
    path = _path_of_link(mail, "/confirm/")

    # What a mail scanner following the link does: nothing is confirmed.
    page = client.get(path)

    assert page.status_code == 200
    assert "確認する" in page.text
    account = db.session.scalar(db.select(Account).filter_by(email="hanako@example.jp"))
    assert account.status == AccountStatus.UNCONFIRMED
    assert client.post(path).status_code == 303
