"""E-mail to people: rendered from templates in their language, sent by a job.

Each message has three templates under ``templates/email/``:
``NAME.subject.txt``, ``NAME.txt`` and ``NAME.html``. Rendering needs no
request, so the same code runs in the web process and on a worker.
"""

import logging

from flask import current_app, render_template, url_for
from flask_babel import force_locale

from app.mail import send_mail
from app.workers import jobs

logger = logging.getLogger(__name__)


def absolute_url(endpoint: str, **values) -> str:
    """A link for an e-mail, built on BASE_URL rather than the current request."""
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def render(name: str, locale: str = "ja", **context) -> tuple[str, str, str]:
    """Return the subject, plain text and HTML of message ``name``."""
    context.setdefault("base_url", current_app.config["BASE_URL"])
    with force_locale(locale):
        subject = render_template(f"email/{name}.subject.txt", **context)
        text = render_template(f"email/{name}.txt", **context)
        html = render_template(f"email/{name}.html", **context)
    return " ".join(subject.split()), text, html


def send(to: str, name: str, locale: str = "ja", **context) -> None:
    """Queue message ``name`` for ``to``; context values must be plain data."""
    jobs.enqueue(deliver, to, name, locale, context, queue="mail")


def deliver(to: str, name: str, locale: str, context: dict) -> None:
    """The mail job: render and send one message."""
    subject, text, html = render(name, locale, **context)
    send_mail(to, subject, text, html=html)
    logger.info("delivered %s mail to %s", name, to)
