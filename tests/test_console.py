"""The staff console at /admin: who may enter and what each sees."""

import pytest

from app.extensions import db
from app.models.types import AccountStatus
from tests.support.auth import sign_in, sign_in_to_console
from tests.support.factories import (
    make_account,
    make_activity,
    make_municipal_staff,
    make_organisation,
    make_participant,
    make_tokyo_staff,
)


@pytest.fixture
def two_areas():
    setagaya = make_activity(
        organisation=make_organisation("世田谷区"), title="世田谷の見守り活動"
    )
    shibuya = make_activity(
        organisation=make_organisation("渋谷区"), title="渋谷の子ども食堂"
    )
    db.session.commit()
    return setagaya, shibuya


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    assert response.headers["Location"].startswith("/admin/sign-in")


def test_anonymous_visitors_cannot_open_a_model_list(client):
    response = client.get("/admin/activities/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_a_participant_is_refused(client):
    participant = make_participant()
    db.session.commit()
    sign_in(client, participant.account)
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/activities/").status_code == 403


def test_organisation_staff_are_refused(client):
    owner = make_account()
    make_organisation(owner=owner)
    db.session.commit()
    sign_in(client, owner)
    assert client.get("/admin/").status_code == 403


def test_disabled_staff_are_refused(client):
    staff = make_municipal_staff("世田谷区", disabled=True)
    db.session.commit()
    sign_in_to_console(client, staff.account)
    assert client.get("/admin/").status_code == 403


def test_the_console_speaks_japanese_to_staff(client):
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(client, staff.account)
    page = client.get("/admin/").get_data(as_text=True)
    assert 'lang="ja"' in page
    assert "世田谷区" in page
    # Flask-Admin's own Japanese catalogue is used for its screens.
    listing = client.get("/admin/activities/").get_data(as_text=True)
    assert "一覧" in listing or "検索" in listing


def test_municipal_staff_list_only_their_own_municipality(client, two_areas):
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(client, staff.account)
    page = client.get("/admin/activities/").get_data(as_text=True)
    assert "世田谷の見守り活動" in page
    assert "渋谷の子ども食堂" not in page


def test_municipal_staff_cannot_open_another_municipality_record_by_id(
    client, two_areas
):
    setagaya, shibuya = two_areas
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(client, staff.account)
    own = client.get(f"/admin/activities/details/?id={setagaya.id}")
    assert own.status_code == 200
    assert "世田谷の見守り活動" in own.get_data(as_text=True)
    other = client.get(f"/admin/activities/details/?id={shibuya.id}")
    assert "渋谷の子ども食堂" not in other.get_data(as_text=True)
    assert other.status_code == 302


def test_tokyo_staff_see_every_municipality(client, two_areas):
    staff = make_tokyo_staff()
    db.session.commit()
    sign_in_to_console(client, staff.account)
    page = client.get("/admin/activities/").get_data(as_text=True)
    assert "世田谷の見守り活動" in page
    assert "渋谷の子ども食堂" in page


def test_the_front_page_counts_pending_records_in_scope(client):
    make_activity(
        organisation=make_organisation("世田谷区"), review_state="pending", title="a"
    )
    make_activity(
        organisation=make_organisation("渋谷区"), review_state="pending", title="b"
    )
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(client, staff.account)
    page = client.get("/admin/").get_data(as_text=True)
    # One pending activity in 世田谷区; 渋谷区's is not counted.
    assert '<td class="text-right">1</td>' in page


def test_an_unconfirmed_account_is_not_signed_in(client):
    staff = make_municipal_staff(
        "世田谷区", account=make_account(status=AccountStatus.UNCONFIRMED)
    )
    db.session.commit()
    sign_in_to_console(client, staff.account)
    assert client.get("/admin/").status_code == 302
