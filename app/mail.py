"""Sending e-mail with the standard library.

With ``MAIL_SERVER`` set, messages go out over SMTP. Without it they are
logged and written as ``.eml`` files into ``MAIL_OUTBOX_DIR``, so the platform
runs with no mail server installed and a developer can open what was sent.
"""

import logging
import secrets
import smtplib
import ssl
from collections.abc import Iterable
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from flask import current_app

logger = logging.getLogger(__name__)

# SMTP line endings, and bodies kept to 7-bit (base64 or quoted-printable) so
# that Japanese text survives relays that do not announce 8BITMIME.
POLICY = policy.SMTP.clone(cte_type="7bit")

SMTP_TIMEOUT = 30


def send_mail(
    to: str | Iterable[str],
    subject: str,
    body: str,
    html: str | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    """Send a plain-text message, with an optional HTML alternative."""
    message = build_message(to, subject, body, html=html, reply_to=reply_to)
    if current_app.config["MAIL_SERVER"]:
        _send_over_smtp(message)
        logger.info("sent mail to %s: %s", message["To"], subject)
    else:
        path = _write_to_outbox(message)
        logger.info(
            "mail to %s kept in the outbox as %s (no MAIL_SERVER): %s\n%s",
            message["To"],
            path,
            subject,
            body,
        )
    return message


def build_message(
    to: str | Iterable[str],
    subject: str,
    body: str,
    html: str | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    """Build a UTF-8 message from the configured sender."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise ValueError("a message needs at least one recipient")

    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    # Naming the domain keeps make_msgid from looking up the host name.
    message["Message-ID"] = make_msgid(domain=_domain_of(sender))
    message.set_content(body, charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def _domain_of(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


def _send_over_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(
        config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT
    ) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def _write_to_outbox(message: EmailMessage) -> Path:
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    # Sortable by time; the random part keeps two messages in one second apart.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
    path.write_bytes(message.as_bytes())
    return path
