"""Protections shared by every page and every sign-in form."""

import pytest
import sqlalchemy as sa

from app import config, passwords
from app.auth import load_account
from app.extensions import db
from app.models import AuditEntry
from tests.support.auth import sign_in
from tests.support.factories import PASSWORD, make_account, make_participant


def _sign_in(client, email, password=PASSWORD, **extra):
    return client.post("/sign-in", data={"email": email, "password": password, **extra})


def _audit(action):
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action)
    ).all()


def test_every_page_sends_a_strict_content_security_policy_and_headers(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_the_console_gets_a_fresh_script_nonce_on_each_response(client):
    first = client.get("/admin/").headers["Content-Security-Policy"]
    second = client.get("/admin/").headers["Content-Security-Policy"]
    assert "'nonce-" in first
    assert first != second


def test_hsts_is_sent_when_served_over_https(client):
    response = client.get("/", base_url="https://tsunagari.example.jp")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_cookies_are_secure_when_the_site_is_served_over_https(monkeypatch, tmp_path):
    monkeypatch.setenv("BASE_URL", "https://tsunagari.example.jp")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    settings = config.from_environment(str(tmp_path))
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    assert config.DEFAULTS["SESSION_COOKIE_HTTPONLY"] is True
    assert config.DEFAULTS["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_every_state_changing_request_needs_a_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint == "static":
            continue
        values = {name: 1 for name in rule.arguments}
        with app.test_request_context():
            try:
                url = app.url_for(rule.endpoint, **values)
            except Exception:  # an argument that is not an integer
                url = app.url_for(
                    rule.endpoint, **{name: "x" for name in rule.arguments}
                )
        response = client.post(url, data={"email": "a@example.jp"})
        assert response.status_code == 400, (rule.rule, response.status_code)
        checked.append(rule.rule)
    assert "/sign-in" in checked
    assert "/sign-out" in checked


def test_signing_in_starts_a_new_session_but_keeps_the_screen_language(client):
    account = make_account(email="hanako@example.jp")
    db.session.commit()
    client.get("/?lang=en")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"

    _sign_in(client, "hanako@example.jp")

    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["language"] == "en"
        token = session["_user_id"]
    # The cookie names a server-side session, not the account itself.
    assert token != account.session_token
    assert load_account(token) == account


def test_a_failed_and_a_successful_sign_in_are_audited(client):
    account = make_account(email="hanako@example.jp")
    db.session.commit()

    _sign_in(client, "hanako@example.jp", "not the password")
    _sign_in(client, "nobody@example.jp")
    _sign_in(client, "hanako@example.jp")

    failures = _audit("sign_in_failed")
    assert [f.detail["reason"] for f in failures] == [
        "wrong password",
        "unknown address",
    ]
    assert failures[0].object_id == account.id
    assert failures[1].detail["email"] == "nobody@example.jp"
    assert [entry.actor_id for entry in _audit("sign_in")] == [account.id]


def test_an_unknown_address_costs_one_password_check_like_a_wrong_password(
    client, monkeypatch
):
    make_account(email="hanako@example.jp")
    db.session.commit()
    checks = []
    real = passwords.verify_password

    def counting(stored, password):
        checks.append(stored)
        return real(stored, password)

    monkeypatch.setattr(passwords, "verify_password", counting)

    _sign_in(client, "hanako@example.jp", "not the password")
    _sign_in(client, "nobody@example.jp", "not the password")

    assert len(checks) == 2
    assert all(stored.startswith("$argon2id$") for stored in checks)


@pytest.mark.parametrize("email", ["hanako@example.jp", "nobody@example.jp"])
def test_repeated_failures_for_one_address_are_paused_whether_or_not_it_exists(
    make_app, email
):
    app = make_app(SIGN_IN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    with app.app_context():
        make_account(email="hanako@example.jp")
        db.session.commit()
    client = app.test_client()

    answers = [_sign_in(client, email, "wrong").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert "15分" in _sign_in(client, email, PASSWORD).text
    # Another address from the same client is not affected.
    assert _sign_in(client, "other@example.jp", "wrong").status_code == 200


def test_successful_sign_ins_do_not_count_towards_the_limit(make_app):
    app = make_app(SIGN_IN_LIMIT_PER_ACCOUNT="2 per 15 minutes")
    with app.app_context():
        make_account(email="hanako@example.jp")
        db.session.commit()
    for _ in range(4):
        client = app.test_client()
        assert _sign_in(client, "hanako@example.jp").status_code == 303


def test_many_failures_from_one_client_are_paused_across_addresses(make_app):
    app = make_app(SIGN_IN_LIMIT_PER_ADDRESS="3 per 15 minutes")
    client = app.test_client()
    answers = [
        _sign_in(client, f"person{n}@example.jp", "wrong").status_code for n in range(4)
    ]
    assert answers == [200, 200, 200, 429]


def test_the_limits_are_kept_in_redis_when_it_is_configured(make_app, redis, redis_url):
    app = make_app(REDIS_URL=redis_url, SIGN_IN_LIMIT_PER_ACCOUNT="2 per 15 minutes")
    client = app.test_client()

    answers = [
        _sign_in(client, "nobody@example.jp", "wrong").status_code for _ in range(3)
    ]

    assert answers == [200, 200, 429]
    assert any(b"sign-in" in key for key in redis.keys("*"))


def test_signing_out_deletes_the_remember_me_cookie_with_matching_attributes(client):
    make_account(email="hanako@example.jp")
    db.session.commit()
    signed_in = _sign_in(client, "hanako@example.jp", remember="y")
    assert any(
        header.startswith("remember_token=")
        for header in signed_in.headers.getlist("Set-Cookie")
    )

    response = client.post("/sign-out")

    cookie = next(
        header
        for header in response.headers.getlist("Set-Cookie")
        if header.startswith("remember_token=")
    )
    assert "Expires=Thu, 01 Jan 1970" in cookie
    assert "Path=/" in cookie
    assert "SameSite=Lax" in cookie
    assert "HttpOnly" in cookie
    assert client.get_cookie("remember_token") is None


def test_signing_out_everywhere_ends_the_sessions_on_other_devices(app, client):
    participant = make_participant()
    db.session.commit()
    other_device = app.test_client()
    sign_in(client, participant.account)
    sign_in(other_device, participant.account)

    response = client.post("/account/sign-out-everywhere")

    assert response.status_code == 303
    assert other_device.get("/orgs/").status_code == 302
    assert client.get("/orgs/").status_code == 302
    assert len(_audit("sign_out_everywhere")) == 1


@pytest.mark.parametrize(
    "url", ["/activities?q=a%00b", "/admin/activities/?search=%00", "/a%00b"]
)
def test_nul_characters_in_input_are_refused_as_a_bad_request(client, url):
    assert client.get(url).status_code == 400


def test_nul_characters_in_a_form_are_refused(client):
    assert _sign_in(client, "a\x00@example.jp").status_code == 400


def test_the_language_links_cannot_be_turned_into_links_to_another_site(client):
    page = client.get("/%5Cevil.example").text
    assert 'href="/\\evil.example' not in page
    assert 'href="/%5Cevil.example?lang=en"' in page


def test_forms_that_send_mail_are_limited_per_recipient(make_app):
    app = make_app(MAIL_REQUEST_LIMIT_PER_ACCOUNT="2 per hour")
    client = app.test_client()

    answers = [
        client.post("/password/forgot", data={"email": "hanako@example.jp"}).status_code
        for _ in range(3)
    ]

    assert answers[:2] != [429, 429]
    assert answers[2] == 429
    other = client.post("/password/forgot", data={"email": "taro@example.jp"})
    assert other.status_code != 429


def test_a_copied_session_cookie_stops_working_once_its_owner_signs_out(app, client):
    make_account(email="hanako@example.jp")
    db.session.commit()
    _sign_in(client, "hanako@example.jp")
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert "ログアウト" in thief.get("/").text

    client.post("/sign-out")

    assert "ログアウト" not in thief.get("/").text
    assert thief.get("/orgs/").status_code == 302


def test_a_changed_network_address_does_not_sign_anyone_out(client):
    make_account(email="hanako@example.jp")
    db.session.commit()
    _sign_in(client, "hanako@example.jp")

    page = client.get("/", environ_base={"REMOTE_ADDR": "192.0.2.10"}).text

    assert "ログアウト" in page


def test_the_my_page_offers_to_sign_out_on_every_device(client):
    participant = make_participant()
    db.session.commit()
    sign_in(client, participant.account)

    page = client.get("/my").text

    assert 'action="/account/sign-out-everywhere"' in page
    assert "すべての端末からログアウトする" in page
