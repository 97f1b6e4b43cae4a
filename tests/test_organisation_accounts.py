"""Organisations register, wait for approval, invite staff and close.

Everything goes through HTTP on PostgreSQL; mail is read from a local SMTP
server.
"""

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app import organisations, tokens
from app.extensions import db
from app.models import (
    Account,
    Activity,
    Application,
    AuditEntry,
    Organisation,
    OrganisationMember,
)
from app.models.types import (
    AccountStatus,
    ApplicationState,
    MemberRole,
    ReviewState,
    TokenPurpose,
)
from tests.support.auth import sign_in, sign_in_to_console
from tests.support.factories import (
    PASSWORD,
    find_municipality,
    make_account,
    make_activity,
    make_application,
    make_member,
    make_municipal_staff,
    make_organisation,
    make_participant,
    make_tokyo_staff,
)

NEW_PASSWORD = "hanamizuki no saku koro"


@pytest.fixture
def app_overrides(smtp_server):
    return smtp_server.settings


def registration(**changes) -> dict:
    """What a person types into the registration form."""
    form = {
        "name": "太子堂ふれあい体操の会",
        "name_kana": "たいしどう ふれあいたいそうのかい",
        "kind": "voluntary_group",
        "postal_code": "１５４－０００４",
        "address": "東京都世田谷区太子堂1-2-3",
        "municipality": "",
        "representative": "山田 一郎",
        "phone": "03-1234-5678",
        "email": "taiso@example.jp",
        "description": "毎週火曜に公園でラジオ体操をしています。",
        "staff_name": "佐藤 花子",
        "staff_email": "Hanako@Example.jp",
        "password": NEW_PASSWORD,
        "consent": "y",
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def mail_to(smtp_server, address: str) -> list:
    return [m for m in smtp_server.messages if address in m.rcpt_tos]


def text_of(mail) -> str:
    return mail.message.get_body(("plain",)).get_content()


def link_path(mail, prefix: str) -> str:
    """The path of the first link in the mail that starts with ``prefix``."""
    for url in re.findall(r"https?://\S+", text_of(mail)):
        path = urlsplit(url).path
        if path.startswith(prefix):
            return path
    raise AssertionError(f"no {prefix} link in:\n{text_of(mail)}")


def organisation_named(name: str) -> Organisation | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Organisation).filter_by(name=name))


def actions_on(obj) -> list[str]:
    return db.session.scalars(
        sa.select(AuditEntry.action)
        .where(
            AuditEntry.object_type == obj.__tablename__,
            AuditEntry.object_id == obj.id,
        )
        .order_by(AuditEntry.id)
    ).all()


# --- finding the municipality -----------------------------------------------


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("東京都世田谷区太子堂1-2-3", "世田谷区"),
        ("世田谷区太子堂１－２－３", "世田谷区"),
        ("東京都西東京市田無町4-1-1", "西東京市"),
        ("東京都東村山市本町1-2-3", "東村山市"),
        ("東京都武蔵村山市本町1-1-1", "武蔵村山市"),
        ("東京都港区港南2-16-1", "港区"),
        ("東京都青ケ島村無番地", "青ヶ島村"),
        ("東京都 三鷹市 野崎1-1-1", "三鷹市"),
    ],
)
def test_the_municipality_is_read_from_the_address(app, address, expected):
    assert organisations.municipality_from_address(address).name == expected


def test_an_address_without_a_municipality_gives_none(app):
    assert organisations.municipality_from_address("太子堂1-2-3") is None


# --- registration -------------------------------------------------------------


def test_registering_confirms_the_address_then_tells_the_municipality(
    client, smtp_server
):
    setagaya = make_municipal_staff("世田谷区")
    disabled = make_municipal_staff("世田谷区", disabled=True)
    shibuya = make_municipal_staff("渋谷区")
    db.session.commit()

    response = client.post("/orgs/register", data=registration())

    assert response.status_code == 303
    assert response.headers["Location"] == "/orgs/register/sent"
    organisation = organisation_named("太子堂ふれあい体操の会")
    assert organisation.review_state == ReviewState.DRAFT
    assert organisation.municipality.name == "世田谷区"
    assert organisation.name_kana == "タイシドウ フレアイタイソウノカイ"
    assert organisation.postal_code == "154-0004"
    assert organisation.kind == "voluntary_group"
    [member] = organisation.members
    assert member.role == MemberRole.OWNER
    assert member.name == "佐藤 花子"
    account = member.account
    assert account.email == "hanako@example.jp"
    assert account.status == AccountStatus.UNCONFIRMED
    assert account.consented_at is not None
    # Nobody reviews an application before its address is confirmed.
    assert mail_to(smtp_server, setagaya.account.email) == []

    [confirmation] = mail_to(smtp_server, "hanako@example.jp")
    path = link_path(confirmation, "/orgs/confirm/")
    assert client.get(path).status_code == 200
    confirmed = client.post(path)

    assert confirmed.status_code == 303
    assert urlsplit(confirmed.headers["Location"]).path == "/sign-in"
    organisation = organisation_named("太子堂ふれあい体操の会")
    assert organisation.review_state == ReviewState.PENDING
    assert organisation.submitted_at is not None
    assert organisation.members[0].account.status == AccountStatus.ACTIVE
    assert actions_on(organisation) == ["organisation.register", "organisation.submit"]
    [notice] = mail_to(smtp_server, setagaya.account.email)
    assert "太子堂ふれあい体操の会" in notice.message["Subject"]
    assert f"/admin/organisations/details/?id={organisation.id}" in text_of(notice)
    assert mail_to(smtp_server, disabled.account.email) == []
    assert mail_to(smtp_server, shibuya.account.email) == []
    # The link works once.
    assert client.post(path).status_code == 404


def test_a_confirmed_owner_signs_in_to_a_pending_application(client):
    client.post("/orgs/register", data=registration())
    organisation = organisation_named("太子堂ふれあい体操の会")
    account = organisation.members[0].account
    organisations.confirm_account(
        tokens.issue(TokenPurpose.CONFIRM_EMAIL, account=account)
    )

    signed_in = client.post(
        "/sign-in", data={"email": "hanako@example.jp", "password": NEW_PASSWORD}
    )

    assert signed_in.status_code == 303
    page = client.get("/orgs/").get_data(as_text=True)
    assert "太子堂ふれあい体操の会" in page
    assert "承認待ち" in page


def test_a_form_with_mistakes_keeps_what_was_typed(client):
    response = client.post(
        "/orgs/register",
        data=registration(name_kana="Taishido", phone="電話", consent=None),
    )

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="太子堂ふれあい体操の会"' in page
    assert 'value="Taishido"' in page
    assert 'id="name_kana-error"' in page
    assert 'id="phone-error"' in page
    assert 'id="consent-error"' in page
    assert 'id="password-error"' not in page
    # The password is never sent back to the browser.
    assert NEW_PASSWORD not in page
    assert organisation_named("太子堂ふれあい体操の会") is None


def test_the_municipality_is_chosen_when_the_address_does_not_name_it(client):
    unclear = client.post("/orgs/register", data=registration(address="太子堂1-2-3"))

    assert unclear.status_code == 200
    assert 'id="municipality-error"' in unclear.get_data(as_text=True)

    mitaka = find_municipality("三鷹市")
    chosen = client.post(
        "/orgs/register",
        data=registration(address="太子堂1-2-3", municipality=str(mitaka.id)),
    )

    assert chosen.status_code == 303
    assert organisation_named("太子堂ふれあい体操の会").municipality.name == "三鷹市"


def test_a_chosen_municipality_corrects_the_guess(client):
    shown = client.post(
        "/orgs/register", data=registration(phone="", address="東京都世田谷区1-2")
    )
    setagaya = find_municipality("世田谷区")
    # The form comes back with the guess selected and remembered.
    page = shown.get_data(as_text=True)
    assert f'<option selected value="{setagaya.id}">' in page
    assert f'name="guessed_municipality" type="hidden" value="{setagaya.id}"' in page

    meguro = find_municipality("目黒区")
    client.post(
        "/orgs/register",
        data=registration(
            address="東京都世田谷区1-2",
            municipality=str(meguro.id),
            guessed_municipality=str(setagaya.id),
        ),
    )

    assert organisation_named("太子堂ふれあい体操の会").municipality.name == "目黒区"


def test_a_changed_address_is_guessed_again_while_the_guess_is_untouched(client):
    setagaya = find_municipality("世田谷区")
    client.post(
        "/orgs/register",
        data=registration(
            address="東京都杉並区阿佐谷北1-1",
            municipality=str(setagaya.id),
            guessed_municipality=str(setagaya.id),
        ),
    )

    assert organisation_named("太子堂ふれあい体操の会").municipality.name == "杉並区"


def test_a_taken_address_gets_the_same_answer_and_its_owner_is_told(
    client, smtp_server
):
    participant = make_participant(account=make_account(email="hanako@example.jp"))
    db.session.commit()
    accounts_before = db.session.scalar(sa.select(sa.func.count(Account.id)))
    new_address = client.post(
        "/orgs/register", data=registration(staff_email="someone.new@example.jp")
    )

    response = client.post("/orgs/register", data=registration())

    # Exactly the answer a new address gets, so the form reveals nobody.
    assert response.status_code == new_address.status_code == 303
    assert response.location == new_address.location
    assert db.session.scalar(sa.select(sa.func.count(Account.id))) == (
        accounts_before + 1
    )
    assert participant.account.status == AccountStatus.ACTIVE
    [note] = [m for m in smtp_server.messages if "hanako@example.jp" in m.rcpt_tos]
    assert "/sign-in" in note.message.get_body(("plain",)).get_content()


def test_a_participant_registers_an_organisation_without_a_second_account(
    client, smtp_server
):
    participant = make_participant(name="佐藤 花子")
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    accounts_before = db.session.scalar(sa.select(sa.func.count(Account.id)))
    sign_in(client, participant.account)

    form = client.get("/orgs/register").get_data(as_text=True)
    assert 'value="佐藤 花子"' in form
    assert 'name="password"' not in form
    response = client.post(
        "/orgs/register",
        data=registration(staff_email=None, password=None, consent=None),
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/orgs/"
    organisation = organisation_named("太子堂ふれあい体操の会")
    assert organisation.review_state == ReviewState.PENDING
    [member] = organisation.members
    assert member.account_id == participant.account.id
    assert member.role == MemberRole.OWNER
    assert db.session.scalar(sa.select(sa.func.count(Account.id))) == accounts_before
    assert len(mail_to(smtp_server, staff.account.email)) == 1
    assert "太子堂ふれあい体操の会" in client.get("/orgs/").get_data(as_text=True)


# --- until approved -----------------------------------------------------------


def test_a_pending_organisation_sees_only_its_status(client):
    owner = make_account()
    organisation = make_organisation(
        owner=owner, review_state=ReviewState.PENDING, name="まだの会"
    )
    make_activity(organisation=organisation, title="準備中の活動")
    db.session.commit()
    sign_in(client, owner)

    page = client.get("/orgs/").get_data(as_text=True)

    assert "まだの会" in page
    assert "承認待ち" in page
    assert "準備中の活動" not in page
    assert f"/orgs/{organisation.id}/application" in page
    assert f"/orgs/{organisation.id}/staff" not in page
    assert client.get(f"/orgs/{organisation.id}/staff").status_code == 403
    assert client.get(f"/orgs/{organisation.id}/close").status_code == 403


def test_an_edited_returned_application_goes_back_for_review(client, smtp_server):
    owner = make_account()
    organisation = make_organisation(
        owner=owner,
        review_state=ReviewState.REJECTED,
        rejection_reason="住所を番地まで書いてください。",
        name="戻された会",
        address="東京都世田谷区太子堂",
    )
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in(client, owner)

    status = client.get("/orgs/").get_data(as_text=True)
    assert "住所を番地まで書いてください。" in status
    form = client.get(f"/orgs/{organisation.id}/application").get_data(as_text=True)
    assert 'value="戻された会"' in form
    assert 'value="東京都世田谷区太子堂"' in form
    response = client.post(
        f"/orgs/{organisation.id}/application",
        data=registration(name="戻された会", address="東京都世田谷区太子堂1-2-3"),
    )

    assert response.status_code == 303
    organisation = organisation_named("戻された会")
    assert organisation.review_state == ReviewState.PENDING
    assert organisation.rejection_reason is None
    assert organisation.address == "東京都世田谷区太子堂1-2-3"
    assert len(mail_to(smtp_server, staff.account.email)) == 1


def test_members_cannot_edit_the_application(client):
    organisation = make_organisation(review_state=ReviewState.PENDING)
    member = make_member(organisation).account
    db.session.commit()
    sign_in(client, member)

    assert client.get(f"/orgs/{organisation.id}/application").status_code == 403


def test_an_approved_application_cannot_be_edited_as_an_application(client):
    owner = make_account()
    organisation = make_organisation(owner=owner)
    db.session.commit()
    sign_in(client, owner)

    assert client.get(f"/orgs/{organisation.id}/application").status_code == 403


# --- decisions ----------------------------------------------------------------


def test_approval_publishes_and_tells_the_owners_and_the_organisation(app, smtp_server):
    owner = make_account(email="owner@example.jp")
    organisation = make_organisation(
        owner=owner,
        review_state=ReviewState.PENDING,
        name="承認される会",
        email="kai@example.jp",
    )
    make_member(organisation, make_account(email="member@example.jp"))
    reviewer = make_municipal_staff("世田谷区").account

    organisations.approve_organisation(organisation, reviewer)

    assert organisation.review_state == ReviewState.PUBLISHED
    assert organisation.reviewed_by_id == reviewer.id
    assert organisation.reviewed_at is not None
    assert organisation.published_at is not None
    assert actions_on(organisation) == ["organisation.approve"]
    recipients = sorted(a for m in smtp_server.messages for a in m.rcpt_tos)
    assert recipients == ["kai@example.jp", "owner@example.jp"]
    assert "承認される会" in smtp_server.messages[0].message["Subject"]


def test_returning_tells_the_owners_the_reason(app, smtp_server):
    owner = make_account(email="owner@example.jp")
    organisation = make_organisation(
        owner=owner, review_state=ReviewState.PENDING, email=None
    )
    reviewer = make_tokyo_staff().account

    with pytest.raises(organisations.ReviewError):
        organisations.reject_organisation(organisation, reviewer, "  ")
    organisations.reject_organisation(
        organisation, reviewer, "活動内容をもう少し詳しく書いてください。"
    )

    assert organisation.review_state == ReviewState.REJECTED
    assert organisation.rejection_reason == "活動内容をもう少し詳しく書いてください。"
    assert organisation.reviewed_by_id == reviewer.id
    assert organisation.published_at is None
    [entry] = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "organisation.reject")
    ).all()
    assert entry.detail["reason"] == "活動内容をもう少し詳しく書いてください。"
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["owner@example.jp"]
    assert "活動内容をもう少し詳しく書いてください。" in text_of(mail)
    assert f"/orgs/{organisation.id}/application" in text_of(mail)
    assert "活動内容をもう少し詳しく" in mail.message.get_body(("html",)).get_content()


def test_staff_decide_only_in_their_own_municipality(app, smtp_server):
    organisation = make_organisation(review_state=ReviewState.PENDING)
    elsewhere = make_municipal_staff("渋谷区").account

    with pytest.raises(PermissionError):
        organisations.approve_organisation(organisation, elsewhere)
    with pytest.raises(PermissionError):
        organisations.reject_organisation(organisation, elsewhere, "理由")
    with pytest.raises(PermissionError):
        organisations.approve_organisation(organisation, make_account())
    assert organisation.review_state == ReviewState.PENDING
    assert smtp_server.messages == []


def test_only_pending_organisations_are_decided(app):
    organisation = make_organisation(review_state=ReviewState.PUBLISHED)

    with pytest.raises(organisations.ReviewError):
        organisations.approve_organisation(organisation, make_tokyo_staff().account)


# --- staff of an organisation -------------------------------------------------


@pytest.fixture
def owned():
    """A published organisation and its owner, committed."""
    owner = make_account(email="owner@example.jp")
    organisation = make_organisation(owner=owner, name="みどりの会")
    db.session.commit()
    return organisation, owner


def invite(client, organisation, email, role="member"):
    return client.post(
        f"/orgs/{organisation.id}/staff", data={"email": email, "role": role}
    )


def test_an_invited_new_person_creates_an_active_account(client, smtp_server, owned):
    organisation, owner = owned
    sign_in(client, owner)

    response = invite(client, organisation, "New.Person@example.jp")

    assert response.status_code == 303
    [mail] = mail_to(smtp_server, "new.person@example.jp")
    assert "みどりの会" in mail.message["Subject"]
    path = link_path(mail, "/orgs/invitations/")

    client.post("/sign-out")
    newcomer = client.application.test_client()
    assert "みどりの会" in newcomer.get(path).get_data(as_text=True)
    weak = newcomer.post(path, data={"name": "鈴木 次郎", "password": "password"})
    assert weak.status_code == 200
    assert 'id="password-error"' in weak.get_data(as_text=True)
    joined = newcomer.post(
        path, data={"name": "鈴木 次郎", "password": NEW_PASSWORD, "consent": "y"}
    )

    assert joined.status_code == 303
    assert urlsplit(joined.headers["Location"]).path == "/sign-in"
    db.session.expire_all()
    account = db.session.scalar(
        sa.select(Account).filter_by(email="new.person@example.jp")
    )
    assert account.status == AccountStatus.ACTIVE
    assert account.email_confirmed_at is not None
    member = db.session.get(OrganisationMember, (organisation.id, account.id))
    assert member.role == MemberRole.MEMBER
    assert member.name == "鈴木 次郎"
    newcomer.post(
        "/sign-in", data={"email": "new.person@example.jp", "password": NEW_PASSWORD}
    )
    assert "みどりの会" in newcomer.get("/orgs/").get_data(as_text=True)
    # The link works once.
    assert client.application.test_client().get(path).status_code == 404


def test_an_existing_account_accepts_after_signing_in(client, smtp_server, owned):
    organisation, owner = owned
    participant = make_participant(
        account=make_account(email="hanako@example.jp"), name="佐藤 花子"
    )
    db.session.commit()
    sign_in(client, owner)
    invite(client, organisation, "hanako@example.jp", role="owner")
    path = link_path(mail_to(smtp_server, "hanako@example.jp")[0], "/orgs/invitations/")

    visitor = client.application.test_client()
    page = visitor.get(path).get_data(as_text=True)
    assert f"/sign-in?next={path}" in page
    assert 'name="password"' not in page
    # Nobody can take the invitation over by posting a new account for it.
    visitor.post(path, data={"name": "x", "password": NEW_PASSWORD, "consent": "y"})
    assert (
        db.session.get(OrganisationMember, (organisation.id, participant.account.id))
        is None
    )

    sign_in(visitor, participant.account)
    assert 'value="佐藤 花子"' in visitor.get(path).get_data(as_text=True)
    accepted = visitor.post(path, data={"name": "佐藤 花子"})

    assert accepted.status_code == 303
    db.session.expire_all()
    member = db.session.get(
        OrganisationMember, (organisation.id, participant.account.id)
    )
    assert member.role == MemberRole.OWNER


def test_an_invitation_is_not_accepted_by_another_signed_in_account(
    client, smtp_server, owned
):
    organisation, owner = owned
    sign_in(client, owner)
    invite(client, organisation, "hanako@example.jp")
    path = link_path(mail_to(smtp_server, "hanako@example.jp")[0], "/orgs/invitations/")
    someone = make_account(email="someone@example.jp")
    db.session.commit()

    other = client.application.test_client()
    sign_in(other, someone)
    other.post(path, data={"name": "横取り"})

    assert db.session.get(OrganisationMember, (organisation.id, someone.id)) is None


def test_members_see_the_staff_but_cannot_invite_or_remove(client, smtp_server, owned):
    organisation, owner = owned
    member = make_member(organisation, name="田中 三郎").account
    db.session.commit()
    sign_in(client, member)

    page = client.get(f"/orgs/{organisation.id}/staff").get_data(as_text=True)
    assert "田中 三郎" in page
    assert 'name="email"' not in page
    assert invite(client, organisation, "x@example.jp").status_code == 403
    remove = f"/orgs/{organisation.id}/staff/{owner.id}/remove"
    assert client.get(remove).status_code == 403
    assert client.post(remove).status_code == 403
    assert smtp_server.messages == []
    assert len(organisation.members) == 2


def test_another_organisations_staff_page_is_refused(client, owned):
    organisation, owner = owned
    other = make_organisation()
    db.session.commit()
    sign_in(client, owner)

    assert client.get(f"/orgs/{other.id}/staff").status_code == 403
    assert invite(client, other, "x@example.jp").status_code == 403
    first_owner = other.members[0].account_id
    assert (
        client.post(f"/orgs/{other.id}/staff/{first_owner}/remove").status_code == 403
    )
    assert client.get(f"/orgs/{other.id}/close").status_code == 403


def test_an_owner_removes_a_member_but_not_the_last_owner(client, owned):
    organisation, owner = owned
    member = make_member(organisation, name="田中 三郎")
    db.session.commit()
    sign_in(client, owner)

    confirm = client.get(f"/orgs/{organisation.id}/staff/{member.account_id}/remove")
    assert "田中 三郎" in confirm.get_data(as_text=True)
    removed = client.post(f"/orgs/{organisation.id}/staff/{member.account_id}/remove")
    refused = client.post(f"/orgs/{organisation.id}/staff/{owner.id}/remove")

    assert removed.status_code == 303
    assert refused.status_code == 303
    db.session.expire_all()
    remaining = db.session.scalars(
        sa.select(OrganisationMember.account_id).filter_by(
            organisation_id=organisation.id
        )
    ).all()
    assert remaining == [owner.id]
    assert "organisation.remove_member" in actions_on(organisation)


# --- closing ------------------------------------------------------------------


def test_closing_cancels_waiting_applications_and_tells_the_applicants(
    client, smtp_server, owned
):
    organisation, owner = owned
    activity = make_activity(organisation=organisation, title="花壇の手入れ")
    waiting = {
        state: make_application(
            activity=activity,
            participant=make_participant(
                account=make_account(email=f"{state}@example.jp")
            ),
            state=state,
        )
        for state in (
            ApplicationState.APPLIED,
            ApplicationState.INTERVIEW_OFFERED,
            ApplicationState.INTERVIEW_BOOKED,
            ApplicationState.WAITLISTED,
        )
    }
    accepted = make_application(
        activity=activity,
        participant=make_participant(account=make_account(email="accepted@example.jp")),
        state=ApplicationState.ACCEPTED,
    )
    counter = make_application(
        activity=activity,
        participant=make_participant(with_account=False),
    )
    other = make_application(activity=make_activity(title="よその活動"))
    db.session.commit()
    sign_in(client, owner)

    summary = client.get(f"/orgs/{organisation.id}/close").get_data(as_text=True)
    assert 'name="password"' in summary
    wrong = client.post(f"/orgs/{organisation.id}/close", data={"password": "違う"})
    assert wrong.status_code == 200
    assert 'id="password-error"' in wrong.get_data(as_text=True)
    assert smtp_server.messages == []

    closed = client.post(f"/orgs/{organisation.id}/close", data={"password": PASSWORD})

    assert closed.status_code == 303
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).closed_at is not None
    assert db.session.get(Activity, activity.id).closed_at is not None
    for application in waiting.values():
        application = db.session.get(Application, application.id)
        assert application.state == ApplicationState.CANCELLED
        assert application.cancelled_at is not None
    assert db.session.get(Application, accepted.id).state == ApplicationState.ACCEPTED
    assert db.session.get(Application, counter.id).state == ApplicationState.CANCELLED
    assert db.session.get(Application, other.id).state == ApplicationState.APPLIED
    recipients = sorted(a for m in smtp_server.messages for a in m.rcpt_tos)
    assert recipients == sorted(f"{state}@example.jp" for state in waiting)
    assert "花壇の手入れ" in smtp_server.messages[0].message["Subject"]
    assert "みどりの会" in text_of(smtp_server.messages[0])
    assert "organisation.close" in actions_on(organisation)
    assert "activity.close" in actions_on(activity)
    # A closed organisation shows only that it closed.
    assert client.get(f"/orgs/{organisation.id}/staff").status_code == 403


def test_members_cannot_close_the_organisation(client, owned):
    organisation, _owner = owned
    member = make_member(organisation).account
    db.session.commit()
    sign_in(client, member)

    response = client.post(
        f"/orgs/{organisation.id}/close", data={"password": PASSWORD}
    )

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).closed_at is None


def test_the_registration_pages_are_open_to_visitors(client):
    assert client.get("/orgs/register").status_code == 200
    assert client.get("/orgs/register/sent").status_code == 200
    assert client.get("/orgs/confirm/not-a-token").status_code == 404
    assert client.get("/orgs/invitations/not-a-token").status_code == 404
    assert client.get("/orgs/1/staff").status_code == 302


# --- the console --------------------------------------------------------------


def test_municipal_staff_approve_and_return_from_the_console(client, smtp_server):
    approved = make_organisation(review_state=ReviewState.PENDING, name="承認の会")
    returned = make_organisation(review_state=ReviewState.PENDING, name="差し戻しの会")
    elsewhere = make_organisation(
        "渋谷区", review_state=ReviewState.PENDING, name="渋谷の会"
    )
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(client, staff.account)

    details = client.get(f"/admin/organisations/details/?id={approved.id}")
    assert 'name="reason"' in details.get_data(as_text=True)
    assert (
        client.post("/admin/organisations/approve/", data={"id": approved.id})
    ).status_code == 303
    no_reason = client.post("/admin/organisations/reject/", data={"id": returned.id})
    assert no_reason.status_code == 303
    client.post(
        "/admin/organisations/reject/",
        data={"id": returned.id, "reason": "代表者の連絡先を書いてください。"},
    )
    outside = client.post("/admin/organisations/approve/", data={"id": elsewhere.id})

    assert outside.status_code == 404
    db.session.expire_all()
    assert db.session.get(Organisation, approved.id).review_state == "published"
    returned = db.session.get(Organisation, returned.id)
    assert returned.review_state == ReviewState.REJECTED
    assert returned.rejection_reason == "代表者の連絡先を書いてください。"
    assert db.session.get(Organisation, elsewhere.id).review_state == "pending"
    assert "代表者の連絡先を書いてください。" in text_of(
        mail_to(smtp_server, returned.email)[0]
    )


def test_organisation_staff_cannot_use_the_console_decisions(client, owned):
    organisation, owner = owned
    pending = make_organisation(owner=owner, review_state=ReviewState.PENDING)
    db.session.commit()
    sign_in(client, owner)

    response = client.post("/admin/organisations/approve/", data={"id": pending.id})

    assert response.status_code in (302, 403)
    db.session.expire_all()
    assert db.session.get(Organisation, pending.id).review_state == "pending"
