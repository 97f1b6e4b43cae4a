"""Managing staff accounts in the console: invitations, disabling, resets, scope."""

import logging
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from app import two_factor
from app.extensions import db
from app.models import Account, AuditEntry, RecoveryCode, Staff
from app.models.types import AccountStatus, StaffLevel
from tests.support.auth import sign_in_to_console
from tests.support.browser import assert_accessible
from tests.support.factories import (
    PASSWORD,
    find_municipality,
    make_account,
    make_municipal_staff,
    make_tokyo_staff,
)

NEW_PASSWORD = "みどりの窓口 2027"


@pytest.fixture
def app_overrides(smtp_server):
    return smtp_server.settings


def _t(message, **values):
    with force_locale("ja"):
        return gettext(message, **values)


def _audit(action):
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action)
    ).all()


def _staff_by_email(email):
    return db.session.scalar(
        sa.select(Staff).join(Staff.account).where(Account.email == email)
    )


def _new_staff(client, **fields):
    data = {
        "name": "三鷹 次郎",
        "email": "jiro@city.mitaka.example.jp",
        "department": "地域福祉課",
        "level": StaffLevel.MUNICIPAL_MEMBER.value,
        "municipality": str(find_municipality("三鷹市").id),
        **fields,
    }
    return client.post("/admin/staff/new", data=data)


def _link_in(mail) -> str:
    text = mail.message.get_body(("plain",)).get_content()
    return re.search(r"http://\S+/admin/invitations/\S+", text).group(0)


def _signed_in(staff_row, client):
    db.session.commit()
    sign_in_to_console(client, staff_row.account)
    return staff_row


# -- Creating staff and accepting the invitation ---------------------------------


def test_tokyo_staff_add_municipal_staff_who_set_a_password_from_the_mail(
    client, smtp_server, caplog
):
    tokyo = _signed_in(make_tokyo_staff(), client)
    caplog.set_level(logging.INFO, logger="app")

    response = _new_staff(client)

    assert response.status_code == 303
    assert response.location == "/admin/staff/"
    created = _staff_by_email("jiro@city.mitaka.example.jp")
    assert created.level == StaffLevel.MUNICIPAL_MEMBER
    assert created.municipality.name == "三鷹市"
    assert created.department == "地域福祉課"
    assert created.created_by_id == tokyo.account_id
    assert created.account.status == AccountStatus.UNCONFIRMED
    assert created.account.password_hash is None
    [entry] = _audit("staff_created")
    assert (entry.object_id, entry.actor_id) == (created.id, tokyo.account_id)
    assert entry.municipality_id == created.municipality_id
    assert f"staff {created.id} (municipal_member) created by account" in caplog.text
    assert "三鷹 次郎" in client.get("/admin/staff/").text

    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["jiro@city.mitaka.example.jp"]
    assert mail.message["Subject"] == _t(
        "Your staff account for the Tokyo Tsunagari Navi console"
    )
    link = _link_in(mail)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path)
    assert form.status_code == 200
    assert "jiro@city.mitaka.example.jp" in form.text

    accepted = client.post(
        "/" + path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )

    assert accepted.location == "/admin/sign-in"
    db.session.refresh(created.account)
    assert created.account.status == AccountStatus.ACTIVE
    assert created.account.check_password(NEW_PASSWORD)
    assert _audit("staff_invitation_accepted")
    # The link worked once; the new account then enrols at its first sign-in.
    assert client.get("/" + path).status_code == 404
    client.post("/admin/sign-out")
    first = client.post(
        "/admin/sign-in",
        data={"email": "jiro@city.mitaka.example.jp", "password": NEW_PASSWORD},
    )
    assert first.location == "/admin/sign-in/enrol"


def test_an_invitation_refuses_a_weak_or_mistyped_password(client, smtp_server):
    _signed_in(make_tokyo_staff(), client)
    _new_staff(client)
    path = "/" + _link_in(smtp_server.messages[0]).split("/", 3)[3]

    weak = client.post(path, data={"password": "password", "confirm": "password"})
    mistyped = client.post(path, data={"password": NEW_PASSWORD, "confirm": "x"})

    assert weak.status_code == mistyped.status_code == 200
    assert _t("This password is too common. Choose another one.") in weak.text
    assert _t("The two passwords are not the same.") in mistyped.text
    assert _staff_by_email("jiro@city.mitaka.example.jp").account.password_hash is None


def test_an_unknown_invitation_link_explains_itself(client):
    response = client.get("/admin/invitations/not-a-real-token")

    assert response.status_code == 404
    assert _t("This link no longer works") in response.text


def test_tokyo_staff_may_add_tokyo_staff(client):
    _signed_in(make_tokyo_staff(), client)

    response = _new_staff(
        client, email="hanako@metro.example.jp", level="tokyo", municipality=""
    )

    assert response.status_code == 303
    created = _staff_by_email("hanako@metro.example.jp")
    assert created.is_tokyo and created.municipality_id is None


def test_an_address_that_already_has_an_account_is_refused(client, smtp_server):
    make_account(email="jiro@city.mitaka.example.jp")
    _signed_in(make_tokyo_staff(), client)

    response = _new_staff(client)

    assert response.status_code == 200
    assert _t("An account with this e-mail address already exists.") in response.text
    assert not smtp_server.messages


def test_a_municipal_lead_adds_staff_to_their_own_municipality_only(
    client, smtp_server
):
    _signed_in(make_municipal_staff("三鷹市", level=StaffLevel.MUNICIPAL_LEAD), client)
    form = client.get("/admin/staff/new").text
    assert "渋谷区" not in form
    assert 'value="tokyo"' not in form

    own = _new_staff(client, level="municipal_lead")
    other = _new_staff(
        client,
        email="shibuya@example.jp",
        municipality=str(find_municipality("渋谷区").id),
    )
    tokyo = _new_staff(client, email="metro@example.jp", level="tokyo", municipality="")

    assert own.status_code == 303
    assert _staff_by_email("jiro@city.mitaka.example.jp").level == (
        StaffLevel.MUNICIPAL_LEAD
    )
    assert other.status_code == tokyo.status_code == 200
    assert _staff_by_email("shibuya@example.jp") is None
    assert _staff_by_email("metro@example.jp") is None
    assert [m.rcpt_tos for m in smtp_server.messages] == [
        ["jiro@city.mitaka.example.jp"]
    ]


def test_an_expired_invitation_can_be_sent_again(client, smtp_server):
    _signed_in(make_tokyo_staff(), client)
    _new_staff(client)
    created = _staff_by_email("jiro@city.mitaka.example.jp")
    old_path = "/" + _link_in(smtp_server.messages[0]).split("/", 3)[3]

    response = client.post(f"/admin/staff/{created.id}/resend-invitation")

    assert response.status_code == 303
    assert len(smtp_server.messages) == 2
    assert client.get(old_path).status_code == 404
    new_path = "/" + _link_in(smtp_server.messages[1]).split("/", 3)[3]
    assert client.get(new_path).status_code == 200
    assert _audit("staff_invitation_resent")


# -- Who may manage whom --------------------------------------------------------


def test_a_member_cannot_manage_staff_at_all(client):
    colleague = make_municipal_staff("三鷹市")
    _signed_in(make_municipal_staff("三鷹市"), client)

    assert "/admin/staff/" not in client.get("/admin/").text
    assert client.get("/admin/staff/").status_code == 403
    assert client.get("/admin/staff/new").status_code == 403
    assert _new_staff(client).status_code == 403
    assert client.post(f"/admin/staff/{colleague.id}/disable").status_code == 403
    db.session.refresh(colleague)
    assert not colleague.disabled
    assert _staff_by_email("jiro@city.mitaka.example.jp") is None


def test_a_lead_sees_only_the_staff_of_their_municipality(client):
    make_municipal_staff("三鷹市", name="三鷹 一子")
    make_municipal_staff("渋谷区", name="渋谷 二郎")
    make_tokyo_staff(name="都庁 三郎")
    _signed_in(make_municipal_staff("三鷹市", level=StaffLevel.MUNICIPAL_LEAD), client)

    page = client.get("/admin/staff/").text

    assert "三鷹 一子" in page
    assert "渋谷 二郎" not in page
    assert "都庁 三郎" not in page


@pytest.mark.parametrize("action", ["disable", "enable", "reset-two-factor"])
def test_a_lead_cannot_change_staff_of_another_municipality_or_tokyo(client, action):
    others = [make_municipal_staff("渋谷区"), make_tokyo_staff()]
    for other in others:
        two_factor.start_enrolment(other.account)
        other.account.totp_enabled_at = datetime.now(UTC)
        other.disabled = action == "enable"
    _signed_in(make_municipal_staff("三鷹市", level=StaffLevel.MUNICIPAL_LEAD), client)

    responses = [client.post(f"/admin/staff/{o.id}/{action}") for o in others]

    assert [r.status_code for r in responses] == [404, 404]
    for other in others:
        db.session.refresh(other)
        db.session.refresh(other.account)
        assert other.disabled == (action == "enable")
        assert other.account.totp_enabled_at is not None
    assert not db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action.like("staff_%"))
    ).all()


def test_nobody_can_disable_or_reset_themselves(client):
    tokyo = _signed_in(make_tokyo_staff(), client)

    disable = client.post(f"/admin/staff/{tokyo.id}/disable")
    reset = client.post(f"/admin/staff/{tokyo.id}/reset-two-factor")

    assert disable.status_code == reset.status_code == 403
    db.session.refresh(tokyo)
    assert not tokyo.disabled


# -- Disabling, enabling and resetting --------------------------------------------


def test_disabling_enabling_and_resetting_are_each_audited(client, caplog):
    lead = make_municipal_staff("三鷹市", level=StaffLevel.MUNICIPAL_LEAD)
    member = make_municipal_staff("三鷹市")
    two_factor.start_enrolment(member.account)
    member.account.totp_enabled_at = datetime.now(UTC)
    member.account.totp_last_step = 1
    two_factor.new_recovery_codes(member.account)
    _signed_in(lead, client)
    caplog.set_level(logging.INFO, logger="app")

    disabled = client.post(f"/admin/staff/{member.id}/disable")
    db.session.refresh(member)
    was_disabled = member.disabled
    enabled = client.post(f"/admin/staff/{member.id}/enable")
    reset = client.post(f"/admin/staff/{member.id}/reset-two-factor")

    assert [r.status_code for r in (disabled, enabled, reset)] == [303, 303, 303]
    assert was_disabled
    db.session.refresh(member)
    db.session.refresh(member.account)
    assert not member.disabled
    account = member.account
    assert (account.totp_secret, account.totp_enabled_at, account.totp_last_step) == (
        None,
        None,
        None,
    )
    assert not db.session.scalars(
        sa.select(RecoveryCode).where(RecoveryCode.account_id == account.id)
    ).all()
    for action in ("staff_disabled", "staff_enabled", "staff_two_factor_reset"):
        [entry] = _audit(action)
        assert (entry.object_type, entry.object_id) == ("staff", member.id)
        assert entry.actor_id == lead.account_id
        assert entry.municipality_id == member.municipality_id
    assert f"staff {member.id} disabled by account {lead.account_id}" in caplog.text
    assert f"staff {member.id} enabled by account {lead.account_id}" in caplog.text
    assert (
        f"two-factor sign-in of staff {member.id} reset by account {lead.account_id}"
        in caplog.text
    )


def test_after_a_reset_the_next_sign_in_enrols_again(client):
    tokyo = make_tokyo_staff()
    member = make_municipal_staff(account=make_account(email="member@example.jp"))
    two_factor.start_enrolment(member.account)
    member.account.totp_enabled_at = datetime.now(UTC)
    _signed_in(tokyo, client)

    client.post(f"/admin/staff/{member.id}/reset-two-factor")
    client.post("/admin/sign-out")
    response = client.post(
        "/admin/sign-in", data={"email": "member@example.jp", "password": PASSWORD}
    )

    assert response.location == "/admin/sign-in/enrol"


def test_disabled_staff_cannot_sign_in_and_lose_the_console_at_once(client):
    tokyo = make_tokyo_staff()
    member = make_municipal_staff(account=make_account(email="member@example.jp"))
    db.session.commit()
    member_client = client.application.test_client()
    sign_in_to_console(member_client, member.account)
    assert member_client.get("/admin/").status_code == 200
    _signed_in(tokyo, client)

    client.post(f"/admin/staff/{member.id}/disable")

    assert member_client.get("/admin/").status_code == 403
    refused = member_client.post(
        "/admin/sign-in", data={"email": "member@example.jp", "password": PASSWORD}
    )
    assert refused.status_code == 200
    assert _t("This account cannot use the console.") in refused.text


@pytest.mark.browser
def test_the_staff_screens_pass_an_accessibility_audit(page):
    tokyo = make_tokyo_staff()
    make_municipal_staff("三鷹市", name="三鷹 一子")
    db.session.commit()
    sign_in_to_console(page, tokyo.account)

    page.goto("/admin/staff/")
    assert "三鷹 一子" in page.inner_text("main")
    assert_accessible(page, "console-staff-list")
    page.goto("/admin/staff/new")
    page.click("main button[type=submit]")
    assert_accessible(page, "console-staff-new-errors")
