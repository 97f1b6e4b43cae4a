"""The organisation portal's front page and its access check."""

from app.extensions import db
from tests.support.auth import sign_in
from tests.support.factories import (
    make_account,
    make_activity,
    make_member,
    make_organisation,
    make_participant,
)


def test_visitors_are_asked_to_sign_in(client):
    response = client.get("/orgs/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_a_participant_without_an_organisation_is_refused(client):
    participant = make_participant()
    db.session.commit()
    sign_in(client, participant.account)
    assert client.get("/orgs/").status_code == 403


def test_members_see_their_organisations_activities_and_no_others(client):
    member = make_account()
    own = make_organisation(name="桜ヶ丘町会")
    make_member(own, member)
    make_activity(organisation=own, title="夏祭りの準備")
    make_activity(organisation=own, title="防災訓練", review_state="pending")
    make_activity(organisation=make_organisation(name="他の団体"), title="よその活動")
    db.session.commit()
    sign_in(client, member)
    page = client.get("/orgs/").get_data(as_text=True)
    assert "桜ヶ丘町会" in page
    assert "夏祭りの準備" in page
    assert "防災訓練" in page
    assert "承認待ち" in page
    assert "よその活動" not in page


def test_one_person_can_be_a_participant_and_organisation_staff(client):
    participant = make_participant()
    make_organisation(owner=participant.account, name="いきいき体操クラブ")
    db.session.commit()
    sign_in(client, participant.account)
    assert "いきいき体操クラブ" in client.get("/orgs/").get_data(as_text=True)
