"""The test set-up itself: isolation, signing in, query counts, accessibility."""

import pytest
from flask import Flask
from flask_login import current_user

from app.extensions import db
from app.models import Account, Activity, Application
from app.models.types import StaffLevel
from tests.support.auth import sign_in
from tests.support.browser import assert_accessible
from tests.support.factories import (
    PASSWORD,
    make_account,
    make_activity,
    make_application,
    make_municipal_staff,
    make_tokyo_staff,
)

ACCESSIBLE_PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>テスト</title></head>
<body><main><h1>こんにちは</h1><p>東京つながりナビ</p></main></body></html>"""

INACCESSIBLE_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>テスト</title></head>
<body><main><h1>写真</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="
></main></body></html>"""


def _add_probe_routes(app: Flask) -> None:
    """Routes that show what a request sees, for testing the set-up."""

    @app.get("/_probe/me")
    def probe_me():
        return current_user.email if current_user.is_authenticated else "anonymous"

    @app.post("/_probe/accounts/<email>")
    def probe_create(email):
        db.session.add(Account(email=email))
        db.session.commit()
        return "created", 201

    @app.get("/_probe/accounts")
    def probe_accounts():
        return ",".join(db.session.scalars(db.select(Account.email).order_by("email")))

    @app.get("/_probe/<name>")
    def probe_page(name):
        return {"accessible": ACCESSIBLE_PAGE, "inaccessible": INACCESSIBLE_PAGE}[name]


@pytest.mark.parametrize("attempt", ["first", "second"])
def test_each_test_starts_from_the_migrated_database_without_earlier_data(
    app, client, attempt
):
    # Both runs create the same address: the second only passes if the first
    # was rolled back, commit included.
    _add_probe_routes(app)
    assert db.session.scalar(db.select(db.func.count(Account.id))) == 0

    response = client.post("/_probe/accounts/same@example.jp")

    assert response.status_code == 201
    assert client.get("/_probe/accounts").text == "same@example.jp"
    assert db.session.scalar(db.select(Account).filter_by(email="same@example.jp"))


def test_factories_build_a_consistent_graph(app):
    application = make_application()
    staff = make_municipal_staff("三鷹市")
    tokyo = make_tokyo_staff()

    activity = application.activity
    assert activity.is_published and activity.organisation.is_published
    assert activity.municipality == activity.organisation.municipality
    assert activity.municipality.name == "世田谷区"
    assert activity.organisation.members[0].role == "owner"
    assert len(activity.sessions) == 1
    assert application.participant.account.check_password(PASSWORD)
    assert staff.municipality.name == "三鷹市"
    assert tokyo.level == StaffLevel.TOKYO and tokyo.municipality is None


def test_sign_in_makes_the_client_signed_in_as_the_account(app, client):
    _add_probe_routes(app)
    account = make_account(email="hanako@example.jp")
    assert client.get("/_probe/me").text == "anonymous"

    sign_in(client, account)

    assert client.get("/_probe/me").text == "hanako@example.jp"


def test_sign_in_ends_when_the_session_token_changes(app, client):
    _add_probe_routes(app)
    account = make_account()
    sign_in(client, account)

    account.session_token = "replaced"
    db.session.commit()

    assert client.get("/_probe/me").text == "anonymous"


def test_requests_do_not_share_the_tests_session(app, client):
    _add_probe_routes(app)
    make_account(email="a@example.jp")
    # Unflushed changes in the test stay invisible to a request, as they would
    # be to another process.
    db.session.add(Account(email="b@example.jp"))

    assert client.get("/_probe/accounts").text == "a@example.jp"


def test_count_queries_counts_the_statements_a_request_runs(app, client, count_queries):
    _add_probe_routes(app)
    for _ in range(3):
        make_activity()

    with count_queries() as queries:
        client.get("/_probe/accounts")
    assert queries.count == 1, queries

    with count_queries() as queries:
        for activity in db.session.scalars(db.select(Activity)):
            db.session.refresh(activity)
        db.session.scalars(db.select(Application)).all()
    assert queries.count == 5, queries


@pytest.mark.browser
def test_the_browser_sees_what_the_test_committed(app, page):
    _add_probe_routes(app)
    account = make_account(email="hanako@example.jp")
    db.session.commit()

    page.goto("/_probe/accounts")
    assert page.inner_text("body") == "hanako@example.jp"

    sign_in(page, account)
    page.goto("/_probe/me")
    assert page.inner_text("body") == "hanako@example.jp"


@pytest.mark.browser
def test_assert_accessible_passes_a_clean_page_and_lists_violations(app, page):
    _add_probe_routes(app)

    page.goto("/_probe/accessible")
    assert_accessible(page, "probe-accessible")

    page.goto("/_probe/inaccessible")
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "probe-inaccessible")
    report = str(failure.value)
    assert "image-alt (critical)" in report
    assert "html-has-lang (serious)" in report
    assert "at img:" in report
