"""The participants' pages: home, search, an activity, language and display."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import render_template, render_template_string

from app.extensions import db
from app.models import ActivityLoad
from app.models.types import ReviewState, ScheduleKind
from tests.support.factories import (
    find_municipality,
    make_activity,
    make_organisation,
)

# 10:00 to 12:00 in Tokyo on Friday 15 January 2027.
FRIDAY_MORNING = datetime(2027, 1, 15, 1, 0, tzinfo=UTC)


# --- home ---------------------------------------------------------------------


def test_home_lists_published_activities_and_not_pending_ones(client):
    make_activity(title="公開中の朗読会")
    make_activity(title="審査待ちの朗読会", review_state=ReviewState.PENDING)

    page = client.get("/").text

    assert "公開中の朗読会" in page
    assert "審査待ちの朗読会" not in page


def test_home_leaves_out_closed_activities_and_areas_not_yet_joined(client):
    make_activity(title="募集を終えた活動", closed_at=datetime.now(UTC))
    make_activity(title="締め切りを過ぎた活動", application_deadline=date(2020, 1, 1))
    outside = make_organisation(municipality="千代田区")
    assert not find_municipality("千代田区").is_active
    make_activity(title="参加前の区の活動", organisation=outside)

    page = client.get("/").text

    assert "募集を終えた活動" not in page
    assert "締め切りを過ぎた活動" not in page
    assert "参加前の区の活動" not in page


def test_home_cards_show_organisation_area_next_date_and_cost(client):
    organisation = make_organisation(name="せたがや見守りネット")
    make_activity(organisation=organisation, starts_at=FRIDAY_MORNING, cost_yen=500)
    make_activity(
        organisation=organisation,
        title="定例の見守り",
        schedule_kind=ScheduleKind.RECURRING,
        recurrence_rule="FREQ=WEEKLY;BYDAY=TU,TH",
        recurrence_start_time=time(10),
        recurrence_end_time=time(12),
        sessions=[],
    )

    page = client.get("/").text

    assert "せたがや見守りネット" in page
    assert "世田谷区" in page
    assert "2027年1月15日(金) 10:00〜12:00" in page
    assert "500円" in page
    assert "無料" in page
    assert "毎週火・木曜 10:00〜12:00" in page


def test_home_shows_the_newest_twelve(client):
    for number in range(14):
        make_activity(
            title=f"活動その{number:02d}",
            published_at=datetime(2027, 1, 1, tzinfo=UTC) + timedelta(days=number),
        )

    page = client.get("/").text

    assert "活動その13" in page
    assert page.index("活動その13") < page.index("活動その02")
    assert "活動その01" not in page


def test_home_loads_any_number_of_cards_in_the_same_queries(client, count_queries):
    make_activity()
    with count_queries() as few:
        client.get("/")
    for _ in range(5):
        make_activity()

    with count_queries() as many:
        client.get("/")

    assert many.count == few.count, many


def test_home_search_box_leads_to_the_search_page(client):
    page = client.get("/").text

    assert 'action="/activities"' in page
    assert 'name="q"' in page
    assert '<label for="q">' in page


# --- search -------------------------------------------------------------------


def test_search_finds_activities_by_a_word_in_title_text_or_organisation(client):
    make_activity(title="図書館での朗読ボランティア")
    make_activity(title="公園の清掃", description="みんなで朗読もします")
    make_activity(organisation=make_organisation(name="三鷹朗読の会"), title="練習会")
    make_activity(title="囲碁クラブ")

    response = client.get("/activities", query_string={"q": "朗読"})

    assert response.status_code == 200
    page = response.text
    assert "「朗読」の検索結果" in page
    assert "3件の活動があります" in page
    assert "図書館での朗読ボランティア" in page
    assert "公園の清掃" in page
    assert "練習会" in page
    assert "囲碁クラブ" not in page


def test_search_needs_every_word_and_splits_on_full_width_spaces(client):
    make_activity(title="公園の清掃", description="土曜の朝に集まります")
    make_activity(title="公園の花壇づくり", description="日曜の朝に集まります")

    page = client.get("/activities", query_string={"q": "公園\u3000土曜"}).text

    assert "公園の清掃" in page
    assert "公園の花壇づくり" not in page


def test_search_takes_percent_and_underscore_literally(client):
    make_activity(title="囲碁クラブ")

    page = client.get("/activities", query_string={"q": "%"}).text

    assert "囲碁クラブ" not in page
    assert "0件の活動があります" in page


def test_search_without_a_match_says_so_and_offers_every_activity(client):
    make_activity(title="囲碁クラブ")

    page = client.get("/activities", query_string={"q": "フラダンス"}).text

    assert "「フラダンス」に合う活動は見つかりませんでした。" in page
    assert 'href="/activities"' in page


def test_search_without_words_lists_every_recruiting_activity(client):
    make_activity(title="囲碁クラブ")
    make_activity(title="審査待ち", review_state=ReviewState.PENDING)

    page = client.get("/activities").text

    assert "囲碁クラブ" in page
    assert "審査待ち" not in page
    assert "1件の活動があります" in page


def test_search_results_come_twenty_to_a_page(client):
    for number in range(21):
        make_activity(
            title=f"体操教室{number:02d}",
            published_at=datetime(2027, 1, 1, tzinfo=UTC) + timedelta(days=number),
        )

    first = client.get("/activities", query_string={"q": "体操"}).text
    second = client.get("/activities", query_string={"q": "体操", "page": 2}).text

    assert "21件の活動があります" in first
    assert "体操教室20" in first and "体操教室00" not in first
    assert 'href="/activities?q=%E4%BD%93%E6%93%8D&amp;page=2"' in first
    assert "体操教室00" in second and "体操教室20" not in second
    assert client.get("/activities?q=体操&page=3").status_code == 404


# --- one activity -------------------------------------------------------------


def test_activity_page_lists_sessions_the_japanese_way(client):
    activity = make_activity(title="朗読の練習会", starts_at=FRIDAY_MORNING)

    response = client.get(f"/activities/{activity.id}")

    assert response.status_code == 200
    assert "2027年1月15日(金) 10:00〜12:00" in response.text


def test_activity_page_shows_everything_the_activity_carries(client):
    organisation = make_organisation(name="三鷹朗読の会")
    activity = make_activity(
        organisation=organisation,
        title="図書館での朗読",
        categories=("culture", "children"),
        description="絵本を読みます。\n練習会もあります。",
        venue_name="三鷹市立図書館",
        address="東京都三鷹市下連雀6-12-1",
        nearest_station="三鷹駅",
        walk_minutes=12,
        is_online=True,
        capacity=5,
        cost_yen=500,
        cost_note="教材費",
        what_to_bring="筆記用具",
        application_deadline=date(2099, 1, 10),
        requires_interview=True,
        contact_name="山田 花子",
        contact_phone="0422-00-0000",
        contact_email="rodoku@example.jp",
    )
    db.session.add_all(
        [
            ActivityLoad(activity=activity, attribute_code="standing", value=0),
            ActivityLoad(activity=activity, attribute_code="stairs", value=1),
        ]
    )
    db.session.flush()

    page = client.get(f"/activities/{activity.id}").text

    for text in (
        "図書館での朗読",
        "三鷹朗読の会",
        "文化・芸術",
        "子ども・子育て",
        "絵本を読みます。",
        "三鷹市立図書館",
        "東京都三鷹市下連雀6-12-1",
        "三鷹駅から徒歩12分",
        "オンラインで参加できます。",
        "5人",
        "500円（教材費）",
        "筆記用具",
        "2099年1月10日(土)",
        "参加の前に面接または見学があります。",
        "山田 花子",
        'href="tel:0422000000"',
        'href="mailto:rodoku@example.jp"',
        "立ち仕事",
        "ほとんど座ったまま",
        "階段を使う",
    ):
        assert text in page, text
    # Applying comes later; until then the page points to the organisation.
    assert "申し込む" not in page


def test_recurring_activity_page_words_its_rule_and_lists_next_dates(client):
    activity = make_activity(
        schedule_kind=ScheduleKind.RECURRING,
        recurrence_rule="FREQ=MONTHLY;BYDAY=2SA,4SA",
        recurrence_starts_on=date(2099, 1, 1),
        recurrence_start_time=time(9, 30),
        recurrence_end_time=time(11, 30),
        sessions=[],
    )

    page = client.get(f"/activities/{activity.id}").text

    assert "毎月第2・第4土曜 09:30〜11:30" in page
    assert "次の予定" in page
    # The second and fourth Saturdays of January 2099.
    assert "2099年1月10日(土) 09:30〜11:30" in page
    assert "2099年1月24日(土) 09:30〜11:30" in page


def test_activity_with_a_broken_rule_still_shows_its_page(client):
    activity = make_activity(
        schedule_kind=ScheduleKind.RECURRING,
        recurrence_rule="FREQ=WEEKLY;BYDAY=XX",
        schedule_note="毎週どこかで集まります",
        sessions=[],
    )

    response = client.get(f"/activities/{activity.id}")

    assert response.status_code == 200
    assert "毎週どこかで集まります" in response.text


@pytest.mark.parametrize(
    "state", [ReviewState.DRAFT, ReviewState.PENDING, ReviewState.REJECTED]
)
def test_an_unpublished_activity_is_not_found(client, state):
    activity = make_activity(review_state=state)

    response = client.get(f"/activities/{activity.id}")

    assert response.status_code == 404
    assert "ページが見つかりません" in response.text


def test_an_activity_in_an_area_not_yet_joined_is_not_found(client):
    activity = make_activity(organisation=make_organisation(municipality="千代田区"))

    assert client.get(f"/activities/{activity.id}").status_code == 404


def test_a_closed_activity_stays_readable_and_says_it_is_closed(client):
    activity = make_activity(closed_at=datetime.now(UTC))

    page = client.get(f"/activities/{activity.id}").text

    assert "この活動の募集は終了しました。" in page


def test_only_web_addresses_become_links(client):
    activity = make_activity(external_url="javascript:alert(1)")

    page = client.get(f"/activities/{activity.id}").text

    assert "javascript:" not in page


# --- the page chrome ----------------------------------------------------------


def test_pages_are_japanese_with_a_skip_link_first(client):
    page = client.get("/").text

    assert '<html lang="ja"' in page
    body = page[page.index("<body>") :]
    assert body.index('href="#main"') < body.index("<a", body.index('href="#main"') + 1)
    assert '<main id="main"' in page
    assert "東京つながりナビ" in page


def test_language_switch_renders_english_and_remembers_it(client):
    english = client.get("/", query_string={"lang": "en"}).text
    later = client.get("/activities").text
    back = client.get("/activities", query_string={"lang": "ja"}).text

    assert '<html lang="en"' in english
    assert "Find an activity near you" in english
    assert "Tokyo Tsunagari Navi" in english
    assert '<html lang="en"' in later
    assert "All activities" in later
    assert '<html lang="ja"' in back


def test_language_links_keep_the_page_and_its_query(client):
    page = client.get("/activities", query_string={"q": "朗読"}).text

    assert 'href="/activities?q=%E6%9C%97%E8%AA%AD&amp;lang=en"' in page


def test_display_switch_turns_on_high_contrast_for_every_page(client):
    response = client.post(
        "/display", data={"high_contrast": "on", "next": "/activities?q=x"}
    )

    assert response.status_code == 303
    assert response.location == "/activities?q=x"
    assert 'class="text-standard theme-contrast"' in client.get("/").text
    assert 'class="text-standard theme-contrast"' in client.get("/activities").text
    assert 'aria-pressed="true">高コントラスト' in client.get("/").text


def test_display_switch_changes_text_size_and_can_undo_contrast(client):
    client.post("/display", data={"high_contrast": "on"})
    client.post("/display", data={"text_size": "largest"})
    assert 'class="text-largest theme-contrast"' in client.get("/").text

    client.post("/display", data={"high_contrast": "off"})

    assert '<html lang="ja" class="text-largest">' in client.get("/").text


@pytest.mark.parametrize(
    "target", ["https://example.com/", "//example.com/", "/\\example.com", ""]
)
def test_display_switch_only_returns_to_pages_on_this_site(client, target):
    response = client.post("/display", data={"text_size": "large", "next": target})

    assert response.status_code == 303
    assert response.location == "/"


def test_display_switch_ignores_values_it_does_not_know(client):
    client.post("/display", data={"text_size": "enormous", "high_contrast": "yes"})

    assert '<html lang="ja" class="text-standard">' in client.get("/").text


def test_display_switch_needs_the_form_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)

    response = app.test_client().post("/display", data={"high_contrast": "on"})

    assert response.status_code == 400


def test_pages_load_nothing_from_other_sites(client):
    make_activity()

    page = client.get("/").text

    assert "http://" not in page and "https://" not in page
    assert 'href="/static/css/site.css"' in page


def test_a_portal_page_can_add_a_labelled_sub_navigation(app):
    source = (
        '{% extends "base.html" %}'
        "{% block title %}団体{% endblock %}"
        "{% block subnav_label %}団体のメニュー{% endblock %}"
        '{% block subnav %}<ul><li><a href="/orgs/">団体</a></li></ul>{% endblock %}'
        "{% block content %}<h1>団体</h1>{% endblock %}"
    )
    with app.test_request_context("/orgs/"):
        page = render_template_string(source)
        plain = render_template("public/not_found.html")

    assert '<nav class="subnav" aria-label="団体のメニュー">' in page
    assert '<a href="/orgs/">団体</a>' in page
    assert "<title>団体 | 東京つながりナビ</title>" in page
    assert "subnav" not in plain


def test_an_overlong_keyword_is_shortened_with_a_notice_not_ignored(client):
    make_activity(title="公園の清掃ボランティア")
    db.session.commit()

    page = client.get("/activities", query_string={"q": "清掃" + "あ" * 120}).text

    assert "最初の100文字" in page
    assert "公園の清掃ボランティア" not in page
