"""Language and time-zone choice for each request."""

from flask import current_app, has_request_context, request, session
from flask_babel import lazy_gettext  # noqa: F401  (re-exported for modules)
from flask_login import current_user

LANGUAGE_SESSION_KEY = "language"


def select_locale() -> str:
    """Japanese unless the visitor chose another language on the page."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        # Mail rendered on a worker sets its language with force_locale.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if chosen in languages:
        session[LANGUAGE_SESSION_KEY] = chosen
        return chosen
    chosen = session.get(LANGUAGE_SESSION_KEY)
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    # Everyone the platform serves lives in Tokyo; times are shown there.
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
