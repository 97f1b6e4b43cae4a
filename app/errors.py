"""Error pages in the visitor's language, in the site's own frame."""

import logging

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

logger = logging.getLogger(__name__)

# What a person can do about each error, in plain words.
MESSAGES = {
    400: (
        _l("The request could not be read"),
        _l(
            "The page may have been open for a long time. Please go back, reload"
            " the page and try again."
        ),
    ),
    403: (
        _l("This page is not available to you"),
        _l("Your account does not have access to this page."),
    ),
    405: (
        _l("This address cannot be opened directly"),
        _l("Please use the buttons and links on the site."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("Sorry for the trouble. Please wait a moment and try again."),
    ),
}


def init_app(app: Flask) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, render_error)


def render_error(error: HTTPException):
    if not isinstance(error, HTTPException):
        error = InternalServerError()
    if error.code >= 500:
        logger.error("server error %s: %s", error.code, error.description)
    title, explanation = MESSAGES.get(error.code, MESSAGES[500])
    return (
        render_template("errors/error.html", title=title, explanation=explanation),
        error.code,
    )
