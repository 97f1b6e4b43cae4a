"""Errors are explained in plain Japanese inside the site's own frame."""

from app.extensions import db
from tests.support.auth import sign_in
from tests.support.factories import make_participant


def test_a_refused_console_page_is_explained_in_japanese(client):
    participant = make_participant()
    db.session.commit()
    sign_in(client, participant.account)

    response = client.get("/admin/")

    assert response.status_code == 403
    assert 'lang="ja"' in response.text
    assert "このページは利用できません" in response.text
    assert "ホームへ戻る" in response.text


def test_a_form_sent_without_its_security_token_gets_a_plain_explanation(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()

    response = client.post("/sign-in", data={"email": "a@example.jp"})

    assert response.status_code == 400
    assert "もう一度" in response.text


def test_a_wrong_method_gets_a_page_not_a_bare_error(client):
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert 'lang="ja"' in response.text


def test_the_browser_icon_is_served(client):
    response = client.get("/favicon.ico", follow_redirects=True)
    try:
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
    finally:
        response.close()
