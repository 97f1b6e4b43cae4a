"""A new participant registers, confirms and reaches their page in Chromium."""

import re
from urllib.parse import urlsplit

import pytest

from tests.support.browser import assert_accessible

pytestmark = pytest.mark.browser

PASSWORD = "朝の公園で体操 2027"


@pytest.fixture
def app_overrides(smtp_server):
    return smtp_server.settings


def _confirmation_path(smtp_server) -> str:
    [received] = smtp_server.messages
    text = received.message.get_body(("plain",)).get_content()
    [url] = re.findall(r"https?://\S+/confirm/\S+", text)
    return urlsplit(url).path


def test_a_new_participant_registers_confirms_and_sees_their_page(page, smtp_server):
    page.goto("/")
    page.click("header >> text=新規登録")
    assert_accessible(page, "participant-register")

    page.click("main button[type=submit]")
    assert page.locator("#name-error").inner_text() == "お名前を入力してください。"
    assert_accessible(page, "participant-register-errors")

    page.fill("#name", "山田 花子")
    page.fill("#furigana", "やまだ はなこ")
    page.fill("#email", "hanako@example.jp")
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.select_option("#birth_year", "1958")
    page.select_option("#municipality", label="三鷹市")
    page.check("#consent")
    page.click("main button[type=submit]")

    assert page.locator("h1").inner_text() == "メールをご確認ください"
    page.goto(_confirmation_path(smtp_server))
    assert_accessible(page, "participant-confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="確認する").click()
    assert page.locator("h1").inner_text() == "メールアドレスを確認しました"

    page.get_by_role("main").get_by_role("link", name="ログイン", exact=True).click()
    page.fill("#email", "hanako@example.jp")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")

    assert urlsplit(page.url).path == "/my"
    profile = page.locator("main").inner_text()
    for text in ("山田 花子", "ヤマダ ハナコ", "1958年", "三鷹市"):
        assert text in profile
    assert_accessible(page, "participant-my-page")
