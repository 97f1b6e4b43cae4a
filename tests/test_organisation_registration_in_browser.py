"""Registering an organisation in a real Chromium, with CSRF on."""

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Organisation
from app.models.types import ReviewState
from tests.support.browser import assert_accessible
from tests.support.factories import find_municipality

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides(smtp_server):
    return smtp_server.settings


def fill_registration(page, *, consent: bool) -> None:
    page.fill("#name", "太子堂ふれあい体操の会")
    page.fill("#name_kana", "たいしどう ふれあいたいそうのかい")
    page.select_option("#kind", "voluntary_group")
    page.fill("#postal_code", "154-0004")
    page.fill("#address", "東京都世田谷区太子堂1-2-3")
    page.fill("#representative", "山田 一郎")
    page.fill("#phone", "03-1234-5678")
    page.fill("#email", "taiso@example.jp")
    page.fill("#description", "毎週火曜に公園でラジオ体操をしています。")
    page.fill("#staff_name", "佐藤 花子")
    page.fill("#staff_email", "hanako@example.jp")
    page.fill("#password", "hanamizuki no saku koro")
    if consent:
        page.check("#consent")


def test_an_organisation_registers_and_sees_its_status(page, smtp_server):
    page.goto("/orgs/register")
    assert_accessible(page, "orgs-register")

    fill_registration(page, consent=False)
    page.fill("#phone", "")
    page.click("main button[type=submit]")

    # The mistakes are shown next to their fields, and nothing typed is lost.
    assert page.locator("#phone-error").is_visible()
    assert page.locator("#consent-error").is_visible()
    assert page.input_value("#name") == "太子堂ふれあい体操の会"
    assert page.input_value("#name_kana") == "タイシドウ フレアイタイソウノカイ"
    setagaya = find_municipality("世田谷区")
    assert page.input_value("#municipality") == str(setagaya.id)
    assert_accessible(page, "orgs-register-errors")

    page.fill("#phone", "03-1234-5678")
    page.fill("#password", "hanamizuki no saku koro")
    page.check("#consent")
    page.click("main button[type=submit]")
    page.wait_for_url("**/orgs/register/sent")
    assert_accessible(page, "orgs-register-sent")

    organisation = db.session.scalar(
        sa.select(Organisation).filter_by(name="太子堂ふれあい体操の会")
    )
    assert organisation.municipality_id == setagaya.id
    assert organisation.review_state == ReviewState.DRAFT

    [mail] = smtp_server.messages
    text = mail.message.get_body(("plain",)).get_content()
    [link] = re.findall(r"https?://\S+/orgs/confirm/\S+", text)
    page.goto(urlsplit(link).path)
    page.click("main button[type=submit]")
    page.wait_for_url("**/sign-in**")
    page.fill("#email", "hanako@example.jp")
    page.fill("#password", "hanamizuki no saku koro")
    page.click("main button[type=submit]")
    page.wait_for_url("**/orgs/")

    db.session.refresh(organisation)
    assert organisation.review_state == ReviewState.PENDING
    assert page.get_by_text("太子堂ふれあい体操の会").first.is_visible()
    assert_accessible(page, "orgs-status-pending")
