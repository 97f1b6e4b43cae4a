"""Finding an activity from the home page in a real Chromium."""

from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.models import ActivitySession
from tests.support.browser import assert_accessible
from tests.support.factories import make_activity, make_organisation

pytestmark = pytest.mark.browser


@pytest.fixture
def activity():
    # 2027-01-15 10:00 in Tokyo is 01:00 UTC.
    activity = make_activity(
        organisation=make_organisation("世田谷区", name="桜新町見守りの会"),
        title="朝の見守りウォーキング",
        summary="通学路を歩きながら子どもたちを見守ります。",
        nearest_station="桜新町駅",
        walk_minutes=5,
        sessions=[
            ActivitySession(
                starts_at=datetime(2027, 1, 15, 1, 0, tzinfo=UTC),
                ends_at=datetime(2027, 1, 15, 3, 0, tzinfo=UTC),
            )
        ],
    )
    db.session.commit()
    return activity


def test_the_activity_page_shows_sessions_the_japanese_way_and_passes_the_audit(
    page, activity
):
    page.goto("/")
    page.get_by_role("link", name="朝の見守りウォーキング").click()
    page.wait_for_url(f"**/activities/{activity.id}")
    assert page.get_by_text("2027年1月15日(金) 10:00〜12:00").first.is_visible()
    assert page.get_by_text("桜新町駅").first.is_visible()
    assert_accessible(page, "activity")
