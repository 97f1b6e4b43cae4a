"""Protections around account changes: stolen links, leftovers, clean-up."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import accounts
from app.extensions import db
from app.models import (
    Account,
    AccountSession,
    AccountToken,
    Application,
    AuditEntry,
    Favourite,
    Message,
    MessageThread,
    Organisation,
)
from app.models.types import AccountStatus, ReviewState, ThreadSide, utcnow
from tests.support.auth import sign_in
from tests.support.factories import (
    PASSWORD,
    make_account,
    make_activity,
    make_application,
    make_organisation,
    make_participant,
)
from tests.test_participant_accounts import _mail_to, _path_of_link

NEW_PASSWORD = "新しい合言葉は桜の木の下"


@pytest.fixture
def app_overrides(smtp_server):
    return smtp_server.settings


def test_a_new_password_kills_an_address_change_someone_else_asked_for(
    app, client, smtp_server
):
    account = make_participant(account=make_account(email="hanako@example.jp")).account
    db.session.commit()
    intruder = app.test_client()
    sign_in(intruder, account)
    intruder.post(
        "/account/email",
        data={"email": "intruder@example.jp", "current_password": PASSWORD},
    )
    [link] = _mail_to(smtp_server, "intruder@example.jp")

    sign_in(client, account)
    client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    intruder.get(_path_of_link(link, "/account/email/confirm/"))

    db.session.refresh(account)
    assert account.email == "hanako@example.jp"


def test_withdrawal_erases_messages_notes_sessions_tokens_and_favourites(client):
    participant = make_participant(account=make_account(email="kiyoshi@example.jp"))
    activity = make_activity()
    make_application(
        activity=activity, participant=participant, message="膝が少し悪いです"
    )
    thread = MessageThread(
        subject="参加について", participant=participant, organisation_id=None
    )
    thread.messages.append(
        Message(side=ThreadSide.PARTICIPANT, body="渡辺 清です。よろしく。")
    )
    db.session.add_all([thread, Favourite(participant=participant, activity=activity)])
    db.session.commit()
    client.post("/sign-in", data={"email": "kiyoshi@example.jp", "password": "wrong"})
    sign_in(client, participant.account)
    client.post(
        "/account/email",
        data={"email": "kiyoshi.new@example.jp", "current_password": PASSWORD},
    )

    response = client.post("/account/withdraw", data={"current_password": PASSWORD})

    assert response.status_code == 303
    account_id = participant.account_id
    db.session.expire_all()
    assert "膝" not in (db.session.scalar(sa.select(Application.message)) or "")
    assert "渡辺" not in db.session.scalar(sa.select(Message.body))
    for model in (AccountToken, AccountSession):
        assert not db.session.scalars(
            sa.select(model).where(model.account_id == account_id)
        ).all()
    assert not db.session.scalars(sa.select(Favourite)).all()
    failures = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "sign_in_failed")
    ).all()
    assert failures and all(not entry.detail.get("email") for entry in failures)


def test_clean_up_removes_an_unconfirmed_organisation_registration(client):
    owner = make_account(status=AccountStatus.UNCONFIRMED)
    organisation = make_organisation(owner=owner, review_state=ReviewState.DRAFT)
    owner.created_at = utcnow() - timedelta(days=31)
    db.session.commit()
    organisation_id, owner_id = organisation.id, owner.id

    removed = accounts.remove_unconfirmed(timedelta(days=30))

    assert removed == 1
    assert db.session.get(Account, owner_id) is None
    assert db.session.get(Organisation, organisation_id) is None


def test_staff_cannot_change_their_address_or_password_on_the_public_site(client):
    from tests.support.factories import make_municipal_staff

    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in(client, staff.account)

    assert client.get("/account/email").status_code == 403
    response = client.post(
        "/account/email",
        data={"email": "elsewhere@example.jp", "current_password": PASSWORD},
    )
    assert response.status_code == 403
    assert client.get("/account/password").status_code == 403


def test_wrong_current_passwords_are_limited_on_signed_in_forms(make_app):
    app = make_app(SIGN_IN_LIMIT_PER_ACCOUNT="2 per 15 minutes")
    client = app.test_client()
    with app.app_context():
        participant = make_participant()
        db.session.commit()
        sign_in(client, participant.account)
    wrong = {"current_password": "wrong", "password": "x", "password_again": "x"}

    answers = [
        client.post("/account/password", data=wrong).status_code for _ in range(3)
    ]

    assert answers == [200, 200, 429]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/activities/99999999999999999999"),
        ("GET", "/orgs/3/staff/99999999999999999999/remove"),
        ("POST", "/admin/staff/99999999999999999999/disable"),
    ],
)
def test_ids_too_large_for_a_record_are_simply_not_found(client, method, url):
    assert client.open(url, method=method).status_code == 404


@pytest.mark.parametrize("value", [" ", "\u3000", "huge"])
def test_the_display_switch_ignores_values_it_does_not_know(client, value):
    response = client.post("/display", data={"text_size": value})
    assert response.status_code == 303


def test_inviting_the_same_address_again_retires_the_earlier_link(app):
    from app import tokens
    from app.models.types import TokenPurpose

    payload = {"organisation_id": 7, "role": "member"}
    first = tokens.issue(
        TokenPurpose.MEMBER_INVITATION, email="new@example.jp", payload=payload
    )
    second = tokens.issue(
        TokenPurpose.MEMBER_INVITATION, email="new@example.jp", payload=payload
    )

    assert tokens.find(TokenPurpose.MEMBER_INVITATION, first) is None
    assert tokens.find(TokenPurpose.MEMBER_INVITATION, second) is not None


def test_old_session_records_are_pruned_and_live_ones_kept(app):
    from app.auth import open_session, prune_sessions

    account = make_account()
    open_session(account)
    old = AccountSession(
        account_id=account.id,
        token_hash="0" * 64,
        generation=account.session_token,
        created_at=utcnow() - timedelta(days=40),
    )
    db.session.add(old)
    db.session.commit()

    assert prune_sessions(timedelta(days=30)) == 1
    assert db.session.scalar(sa.select(sa.func.count(AccountSession.id))) == 1


def test_link_tokens_have_at_least_128_bits_and_are_stored_only_hashed(app):
    from app import tokens
    from app.models.types import TokenPurpose

    account = make_account()
    secret = tokens.issue(TokenPurpose.RESET_PASSWORD, account=account)

    stored = db.session.scalar(sa.select(AccountToken.token_hash))
    # URL-safe base64: six bits a character.
    assert len(secret) * 6 >= 128
    assert secret not in stored
    assert tokens.find(TokenPurpose.RESET_PASSWORD, secret) is not None


def test_account_mail_is_rendered_in_japanese_without_a_request(app):
    from flask import has_request_context

    from app import emails

    assert not has_request_context()
    subject, text, html = emails.render(
        "reset_password", "ja", reset_url="https://example.jp/r/x", minutes=60
    )

    assert "パスワード" in subject
    assert "https://example.jp/r/x" in text and "https://example.jp/r/x" in html
    assert '<html lang="ja">' in html


def test_a_new_password_must_differ_from_the_current_one(client):
    participant = make_participant()
    db.session.commit()
    sign_in(client, participant.account)

    page = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    ).text

    assert "今のパスワードとは違うもの" in page
