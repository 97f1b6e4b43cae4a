"""Signing a test client or a browser page in without going through a form."""

from flask import current_app
from flask.testing import FlaskClient
from playwright.sync_api import Page

from app.auth import open_session
from app.models import Account


def sign_in(
    target: FlaskClient | Page, account: Account, extra: dict | None = None
) -> None:
    """Make ``target`` signed in as ``account``, as Flask-Login would.

    A server-side session is opened for the account and the cookie carries
    its token, with the identifier Flask-Login's session protection compares
    (the client's address and User-Agent). A page must come from the ``page``
    fixture, which talks to the live server on 127.0.0.1. ``extra`` adds
    other session entries.
    """
    if isinstance(target, FlaskClient):
        environ = target.environ_base
        with target.session_transaction() as session:
            session.update(_session_values(account, environ))
            session.update(extra or {})
        return
    user_agent = target.evaluate("navigator.userAgent")
    values = _session_values(
        account, {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": user_agent}
    )
    values.update(extra or {})
    app = current_app._get_current_object()
    cookie = app.session_interface.get_signing_serializer(app).dumps(values)
    target.context.add_cookies(
        [
            {
                "name": app.config["SESSION_COOKIE_NAME"],
                "value": cookie,
                # Cookies ignore the port, so this reaches the live server.
                "domain": "127.0.0.1",
                "path": "/",
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


def sign_in_to_console(target: FlaskClient | Page, account: Account) -> None:
    """Sign ``target`` in as ``account`` with both console sign-in steps done.

    For tests about what staff see; the sign-in itself is tested through its
    forms.
    """
    from app.admin.access import console_session_values

    sign_in(target, account, console_session_values(account))


def _session_values(account: Account, environ: dict) -> dict:
    with current_app.test_request_context(environ_base=environ):
        identifier = current_app.login_manager._session_identifier_generator()
    token = open_session(account)
    return {"_user_id": token, "_fresh": True, "_id": identifier}
