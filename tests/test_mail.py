"""Sending mail over SMTP, or into the local outbox without a mail server."""

import logging
from email import message_from_bytes, policy
from pathlib import Path

from app.mail import send_mail

SUBJECT = "【東京つながりナビ】お申し込みを受け付けました"
BODY = (
    "山田 花子 様\n\n"
    "「髙島平 ふれあい喫茶」へのお申し込みを受け付けました。\n"
    "日時：2027年1月15日(金) 10:00〜12:00\n"
)


def test_smtp_delivers_a_japanese_message_intact(make_app, smtp_server):
    with make_app(**smtp_server.settings).app_context():
        send_mail(
            "山田 花子 <hanako@example.jp>",
            SUBJECT,
            BODY,
            html="<p>お申し込みを受け付けました。</p>",
            reply_to="ふれあい喫茶 <cafe@example.org>",
        )

    [received] = smtp_server.messages
    assert received.mail_from == "no-reply@tsunagari.example.jp"
    assert received.rcpt_tos == ["hanako@example.jp"]
    message = received.message
    assert message["Subject"] == SUBJECT
    assert message["To"] == "山田 花子 <hanako@example.jp>"
    assert message["From"] == "東京つながりナビ <no-reply@tsunagari.example.jp>"
    assert message["Reply-To"] == "ふれあい喫茶 <cafe@example.org>"
    plain = message.get_body(("plain",))
    assert plain.get_content_charset() == "utf-8"
    assert plain.get_content().replace("\r\n", "\n") == BODY
    assert "受け付けました" in message.get_body(("html",)).get_content()
    # Headers and body travel as 7-bit ASCII, which any relay accepts.
    assert received.raw.isascii()


def test_smtp_uses_starttls_and_signs_in_when_configured(make_app, smtp_server_tls):
    with make_app(**smtp_server_tls.settings).app_context():
        send_mail(["a@example.jp", "b@example.jp"], SUBJECT, BODY)

    [received] = smtp_server_tls.messages
    assert received.rcpt_tos == ["a@example.jp", "b@example.jp"]
    assert received.message["Subject"] == SUBJECT


def test_without_a_mail_server_mail_goes_to_the_outbox_and_the_log(app, caplog):
    caplog.set_level(logging.INFO, logger="app.mail")

    send_mail("hanako@example.jp", SUBJECT, BODY)

    [saved] = Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")
    message = message_from_bytes(saved.read_bytes(), policy=policy.default)
    assert message["Subject"] == SUBJECT
    assert message.get_content().replace("\r\n", "\n") == BODY
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert "hanako@example.jp" in record.getMessage()
    assert SUBJECT in record.getMessage()
    assert "髙島平" in record.getMessage()
