"""The participants' pages in Chromium: accessible, and usable without JavaScript."""

from datetime import UTC, datetime, time

import pytest

from app.extensions import db
from app.models import ActivityLoad
from app.models.types import ScheduleKind
from tests.support.browser import assert_accessible
from tests.support.factories import make_account, make_activity, make_organisation

pytestmark = pytest.mark.browser


@pytest.fixture
def activities():
    """A dated and a recurring activity, committed for the live server."""
    organisation = make_organisation(name="三鷹朗読の会", municipality="三鷹市")
    dated = make_activity(
        organisation=organisation,
        title="図書館での朗読ボランティア",
        starts_at=datetime(2099, 1, 15, 1, tzinfo=UTC),
        nearest_station="三鷹駅",
        walk_minutes=12,
        cost_yen=500,
        cost_note="教材費",
        contact_phone="0422-00-0000",
        external_url="https://rodoku.example.jp/",
    )
    recurring = make_activity(
        organisation=organisation,
        title="一人暮らしの方の見守り訪問",
        schedule_kind=ScheduleKind.RECURRING,
        recurrence_rule="FREQ=WEEKLY;BYDAY=TU,TH",
        recurrence_start_time=time(10),
        recurrence_end_time=time(12),
        sessions=[],
    )
    db.session.add(ActivityLoad(activity=recurring, attribute_code="walking", value=2))
    make_account(email="hanako@example.jp")
    db.session.commit()
    return dated, recurring


@pytest.mark.parametrize("contrast", ["off", "on"])
def test_the_public_pages_pass_an_accessibility_audit(page, activities, contrast):
    dated, recurring = activities
    page.goto("/")
    page.click(f"button[name=high_contrast][value={contrast}]")

    for path, name in [
        ("/", "home"),
        ("/activities?q=朗読", "search"),
        ("/activities?q=見つからない言葉", "search-empty"),
        (f"/activities/{dated.id}", "activity-dated"),
        (f"/activities/{recurring.id}", "activity-recurring"),
        ("/sign-in", "sign-in"),
        ("/no-such-page", "not-found"),
    ]:
        page.goto(path)
        assert_accessible(page, f"public-{name}-contrast-{contrast}")


def test_a_sign_in_error_passes_the_audit_and_keeps_the_address(page, activities):
    page.goto("/sign-in")
    page.fill("#email", "hanako@example.jp")
    page.fill("#password", "not the password")
    page.click("main button[type=submit]")

    assert page.input_value("#email") == "hanako@example.jp"
    assert page.get_by_role("alert").inner_text() == (
        "メールアドレスまたはパスワードが正しくありません。"
    )
    assert_accessible(page, "public-sign-in-error")


def test_the_skip_link_is_the_first_thing_the_keyboard_reaches(page, activities):
    page.goto("/")

    page.keyboard.press("Tab")

    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"


def test_the_display_switch_works_without_javascript(browser, live_server, activities):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/")
        page.click("button[name=high_contrast][value=on]")
        page.click("button[name=text_size][value=largest]")
        page.goto("/activities")

        classes = page.get_attribute("html", "class").split()
    finally:
        context.close()

    assert {"theme-contrast", "text-largest"} <= set(classes)


def test_pages_fit_a_narrow_window_such_as_200_percent_zoom(page, activities):
    dated, _recurring = activities
    page.set_viewport_size({"width": 640, "height": 800})

    for path in ("/", f"/activities/{dated.id}", "/sign-in"):
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, path
