"""Staff approve residents of municipalities that check each registration."""

import logging

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from app.extensions import db
from app.models import AuditEntry, Participant
from app.models.types import AccountStatus
from tests.support.auth import sign_in, sign_in_to_console
from tests.support.browser import assert_accessible
from tests.support.factories import (
    PASSWORD,
    make_account,
    make_activity,
    make_municipal_staff,
    make_participant,
    make_tokyo_staff,
)


@pytest.fixture
def app_overrides(smtp_server):
    return smtp_server.settings


def _t(message, **values):
    with force_locale("ja"):
        return gettext(message, **values)


def _waiting(municipality="世田谷区", **fields) -> Participant:
    """A resident who confirmed their address and waits for the municipality."""
    account = make_account(status=AccountStatus.PENDING_APPROVAL)
    return make_participant(
        account=account, municipality=municipality, approved_at=None, **fields
    )


def _signed_in(client, staff):
    db.session.commit()
    sign_in_to_console(client, staff.account)
    return staff


def _mail_to(smtp_server, address):
    return [m for m in smtp_server.messages if address in m.rcpt_tos]


def _text_of(mail) -> str:
    return mail.message.get_body(("plain",)).get_content()


def _audit(action):
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action)
    ).all()


def test_municipal_staff_approve_their_resident_who_can_then_sign_in(
    app, client, smtp_server, caplog
):
    resident = _waiting(name="世田谷 花子", furigana="セタガヤ ハナコ", birth_year=1957)
    email = resident.account.email
    staff = _signed_in(client, make_municipal_staff("世田谷区"))
    caplog.set_level(logging.INFO, logger="app")

    listing = client.get("/admin/participants/").text
    assert "世田谷 花子" in listing and "セタガヤ ハナコ" in listing
    assert "1957" in listing
    details = client.get(f"/admin/participants/details/?id={resident.id}").text
    assert email in details and 'name="reason"' in details
    response = client.post("/admin/participants/approve/", data={"id": resident.id})

    assert response.status_code == 303
    db.session.expire_all()
    resident = db.session.get(Participant, resident.id)
    assert resident.account.status == AccountStatus.ACTIVE
    assert resident.approved_at is not None
    assert resident.approved_by_id == staff.account.id
    (entry,) = _audit("participant.approve")
    assert entry.actor_id == staff.account.id
    assert entry.municipality_id == resident.municipality_id
    assert f"participant {resident.id} approved by account {staff.account.id}" in (
        caplog.text
    )
    (mail,) = _mail_to(smtp_server, email)
    assert "世田谷 花子" in _text_of(mail)
    assert "/sign-in" in _text_of(mail)
    assert f"details/?id={resident.id}" not in client.get("/admin/participants/").text

    visitor = app.test_client()
    signed_in = visitor.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 303


def test_a_resident_waiting_for_approval_cannot_sign_in_yet(app):
    resident = _waiting()
    db.session.commit()
    response = app.test_client().post(
        "/sign-in", data={"email": resident.account.email, "password": PASSWORD}
    )
    assert response.status_code == 200


def test_municipal_staff_cannot_see_or_approve_another_municipality_resident(
    client, smtp_server
):
    elsewhere = _waiting("渋谷区", name="渋谷 一郎")
    _signed_in(client, make_municipal_staff("世田谷区"))

    assert "渋谷 一郎" not in client.get("/admin/participants/").text
    details = client.get(f"/admin/participants/details/?id={elsewhere.id}")
    assert details.status_code == 302
    approve = client.post("/admin/participants/approve/", data={"id": elsewhere.id})
    reject = client.post(
        "/admin/participants/reject/", data={"id": elsewhere.id, "reason": "区外"}
    )

    assert approve.status_code == 404
    assert reject.status_code == 404
    db.session.expire_all()
    account = db.session.get(Participant, elsewhere.id).account
    assert account.status == AccountStatus.PENDING_APPROVAL
    assert smtp_server.messages == []


def test_refusing_a_registration_needs_a_reason_which_the_resident_is_told(
    client, smtp_server
):
    resident = _waiting(name="世田谷 次郎")
    email = resident.account.email
    staff = _signed_in(client, make_municipal_staff("世田谷区"))

    without = client.post("/admin/participants/reject/", data={"id": resident.id})
    assert without.status_code == 303
    db.session.expire_all()
    assert resident.account.status == AccountStatus.PENDING_APPROVAL
    assert smtp_server.messages == []

    reason = "住所が世田谷区内か確認できませんでした。窓口にご相談ください。"
    refused = client.post(
        "/admin/participants/reject/", data={"id": resident.id, "reason": reason}
    )

    assert refused.status_code == 303
    db.session.expire_all()
    assert resident.account.status == AccountStatus.DISABLED
    assert resident.approved_at is None
    (entry,) = _audit("participant.reject")
    assert entry.actor_id == staff.account.id
    assert entry.detail["reason"] == reason
    (mail,) = _mail_to(smtp_server, email)
    assert reason in _text_of(mail)
    assert "世田谷区" in _text_of(mail)


def test_a_resident_already_decided_is_not_decided_again(client, smtp_server):
    active = make_participant()
    _signed_in(client, make_municipal_staff("世田谷区"))

    response = client.post("/admin/participants/approve/", data={"id": active.id})

    assert response.status_code == 404
    assert smtp_server.messages == []


def test_tokyo_staff_approve_residents_of_any_municipality(client, smtp_server):
    shibuya = _waiting("渋谷区", name="渋谷 三郎")
    mitaka = _waiting("三鷹市", name="三鷹 四郎")
    _signed_in(client, make_tokyo_staff())

    listing = client.get("/admin/participants/").text
    assert "渋谷 三郎" in listing and "三鷹 四郎" in listing
    for resident in (shibuya, mitaka):
        response = client.post("/admin/participants/approve/", data={"id": resident.id})
        assert response.status_code == 303

    db.session.expire_all()
    assert shibuya.account.status == AccountStatus.ACTIVE
    assert mitaka.account.status == AccountStatus.ACTIVE
    assert len(smtp_server.messages) == 2


def test_the_front_page_counts_and_links_residents_waiting_in_scope(client):
    _waiting()
    _waiting()
    _waiting("渋谷区")
    _signed_in(client, make_municipal_staff("世田谷区"))

    front = client.get("/admin/").text

    assert '<a href="/admin/participants/">2</a>' in front
    assert _t("Residents waiting for approval") in front


def test_participants_cannot_decide(client):
    resident = _waiting()
    other = make_participant()
    db.session.commit()

    sign_in(client, other.account)
    response = client.post("/admin/participants/approve/", data={"id": resident.id})

    assert response.status_code == 403
    db.session.expire_all()
    assert resident.account.status == AccountStatus.PENDING_APPROVAL


@pytest.mark.browser
def test_the_waiting_list_and_activity_details_pass_an_accessibility_audit(page):
    resident = _waiting(name="世田谷 花子")
    activity = make_activity(title="秋の見守り講座")
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(page, staff.account)

    page.goto("/admin/")
    assert_accessible(page, "console-front-page")
    page.goto("/admin/participants/")
    assert "世田谷 花子" in page.inner_text("main")
    assert_accessible(page, "console-participants-waiting")
    page.goto(f"/admin/participants/details/?id={resident.id}")
    assert_accessible(page, "console-participant-details")
    page.goto(f"/admin/activities/details/?id={activity.id}")
    assert "秋の見守り講座" in page.inner_text("main")
    assert_accessible(page, "console-activity-details")

    page.goto(f"/admin/participants/details/?id={resident.id}")
    with page.expect_navigation():
        page.get_by_role("button", name=_t("Approve"), exact=True).click()
    assert f"details/?id={resident.id}" not in page.content()
