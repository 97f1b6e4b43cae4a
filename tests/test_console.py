"""The staff console at /admin: who may enter and what each sees."""

import html
import json
import re
from datetime import UTC, date, datetime, time

import pytest
from flask_babel import force_locale, gettext

from app.extensions import db
from app.models.types import AccountStatus, ReviewState, ScheduleKind
from tests.support.auth import sign_in, sign_in_to_console
from tests.support.factories import (
    make_account,
    make_activity,
    make_municipal_staff,
    make_organisation,
    make_participant,
    make_tokyo_staff,
)


@pytest.fixture
def two_areas():
    setagaya = make_activity(
        organisation=make_organisation("世田谷区"), title="世田谷の見守り活動"
    )
    shibuya = make_activity(
        organisation=make_organisation("渋谷区"), title="渋谷の子ども食堂"
    )
    db.session.commit()
    return setagaya, shibuya


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    assert response.headers["Location"].startswith("/admin/sign-in")


def test_anonymous_visitors_cannot_open_a_model_list(client):
    response = client.get("/admin/activities/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_a_participant_is_refused(client):
    participant = make_participant()
    db.session.commit()
    sign_in(client, participant.account)
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/activities/").status_code == 403


def test_organisation_staff_are_refused(client):
    owner = make_account()
    make_organisation(owner=owner)
    db.session.commit()
    sign_in(client, owner)
    assert client.get("/admin/").status_code == 403


def test_disabled_staff_are_refused(client):
    staff = make_municipal_staff("世田谷区", disabled=True)
    db.session.commit()
    sign_in_to_console(client, staff.account)
    assert client.get("/admin/").status_code == 403


def test_the_console_speaks_japanese_to_staff(client):
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(client, staff.account)
    page = client.get("/admin/").get_data(as_text=True)
    assert 'lang="ja"' in page
    assert "世田谷区" in page
    # Flask-Admin's own Japanese catalogue is used for its screens.
    listing = client.get("/admin/activities/").get_data(as_text=True)
    assert "一覧" in listing or "検索" in listing


def test_municipal_staff_list_only_their_own_municipality(client, two_areas):
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(client, staff.account)
    page = client.get("/admin/activities/").get_data(as_text=True)
    assert "世田谷の見守り活動" in page
    assert "渋谷の子ども食堂" not in page


def test_municipal_staff_cannot_open_another_municipality_record_by_id(
    client, two_areas
):
    setagaya, shibuya = two_areas
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(client, staff.account)
    own = client.get(f"/admin/activities/details/?id={setagaya.id}")
    assert own.status_code == 200
    assert "世田谷の見守り活動" in own.get_data(as_text=True)
    other = client.get(f"/admin/activities/details/?id={shibuya.id}")
    assert "渋谷の子ども食堂" not in other.get_data(as_text=True)
    assert other.status_code == 302


def test_tokyo_staff_see_every_municipality(client, two_areas):
    staff = make_tokyo_staff()
    db.session.commit()
    sign_in_to_console(client, staff.account)
    page = client.get("/admin/activities/").get_data(as_text=True)
    assert "世田谷の見守り活動" in page
    assert "渋谷の子ども食堂" in page


def test_the_front_page_counts_pending_records_in_scope(client):
    make_activity(
        organisation=make_organisation("世田谷区"), review_state="pending", title="a"
    )
    make_activity(
        organisation=make_organisation("渋谷区"), review_state="pending", title="b"
    )
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(client, staff.account)
    page = client.get("/admin/").get_data(as_text=True)
    # One pending activity in 世田谷区; 渋谷区's is not counted.
    assert re.search(
        r'<td class="text-right"><a href="[^"]*activities[^"]*">1</a>', page
    )


def test_an_unconfirmed_account_is_not_signed_in(client):
    staff = make_municipal_staff(
        "世田谷区", account=make_account(status=AccountStatus.UNCONFIRMED)
    )
    db.session.commit()
    sign_in_to_console(client, staff.account)
    assert client.get("/admin/").status_code == 302


# -- Odd addresses -----------------------------------------------------------------


@pytest.mark.parametrize(
    "record_id",
    ["abc", "1.5", " ", "", "-1", "0", "99999999999999999999", "2147483648"],
)
def test_an_id_no_record_can_have_reads_as_a_record_that_does_not_exist(
    client, record_id
):
    staff = make_tokyo_staff()
    db.session.commit()
    sign_in_to_console(client, staff.account)
    for kind in ("activities", "organisations", "participants"):
        response = client.get(f"/admin/{kind}/details/", query_string={"id": record_id})
        assert response.status_code == 302
        assert response.headers["Location"].startswith(f"/admin/{kind}/")


@pytest.mark.parametrize("action", ["organisations/approve", "participants/approve"])
@pytest.mark.parametrize("record_id", ["abc", "1.5", " ", "99999999999999999999"])
def test_a_decision_on_an_id_no_record_can_have_is_not_found(client, action, record_id):
    staff = make_tokyo_staff()
    db.session.commit()
    sign_in_to_console(client, staff.account)
    assert client.post(f"/admin/{action}/", data={"id": record_id}).status_code == 404


@pytest.mark.parametrize(
    "page", ["99999999999999999999", "4611686018427387904", "-5", "abc"]
)
def test_a_list_paged_far_past_its_end_is_shown_empty(client, two_areas, page):
    staff = make_tokyo_staff()
    db.session.commit()
    sign_in_to_console(client, staff.account)
    for path in ("/admin/activities/", "/admin/organisations/"):
        response = client.get(path, query_string={"page": page, "page_size": 20})
        assert response.status_code == 200, path


@pytest.mark.parametrize(
    ("page", "status"),
    [("99999999999999999999", 404), ("4611686018427387904", 404), ("-5", 200)],
)
def test_the_staff_list_paged_past_its_end_is_not_found(client, page, status):
    staff = make_tokyo_staff()
    db.session.commit()
    sign_in_to_console(client, staff.account)
    assert client.get("/admin/staff/", query_string={"page": page}).status_code == (
        status
    )


def test_filters_with_values_they_do_not_offer_are_refused_politely(client, two_areas):
    staff = make_tokyo_staff()
    db.session.commit()
    sign_in_to_console(client, staff.account)
    for query in ("flt0_0=abc", "flt0_0=99999999999999999999", "flt0_1=bogus"):
        assert client.get(f"/admin/activities/?{query}").status_code == 200


# -- What the lists and details say ------------------------------------------------


def test_activity_details_are_in_japanese_and_tokyo_time(client):
    activity = make_activity(
        organisation=make_organisation("世田谷区"),
        title="秋の見守り講座",
        # 03:00 UTC is noon in Tokyo.
        starts_at=datetime(2026, 11, 20, 3, 0, tzinfo=UTC),
        application_deadline=date(2027, 1, 2),
        requires_interview=True,
        cost_yen=500,
    )
    weekly = make_activity(
        organisation=activity.organisation,
        schedule_kind=ScheduleKind.RECURRING,
        recurrence_rule="FREQ=WEEKLY;BYDAY=TU,TH",
        recurrence_start_time=time(10, 0),
        recurrence_end_time=time(12, 0),
        sessions=[],
    )
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(client, staff.account)

    page = client.get(f"/admin/activities/details/?id={activity.id}").text
    assert "2026年11月20日(金) 12:00" in page
    assert "2027年1月2日(土)（令和9年）" in page
    assert _t("Yes") in page and _t("No") in page
    assert "500円" in page
    assert _t("Published") in page
    assert "Asia/Tokyo" not in page and "+00:00" not in page
    for label in ("Application deadline", "Regular meetings", "Interview or visit"):
        assert f"<b>{_t(label)}</b>" in page

    regular = client.get(f"/admin/activities/details/?id={weekly.id}").text
    assert "毎週火・木曜" in regular
    assert "FREQ=WEEKLY" not in regular

    listing = client.get("/admin/activities/").text
    assert "2027年1月2日(土)" in listing
    # Both are published: no row says they wait (the menu may use the word).
    assert not re.search(rf"<td[^>]*>\s*{_t('Waiting for approval')}\s*</td>", listing)
    assert _t("Published") in listing


def test_organisation_details_show_labelled_fields_only(client):
    organisation = make_organisation(
        "世田谷区",
        review_state=ReviewState.PENDING,
        kind="npo",
        submitted_at=datetime(2026, 4, 1, 0, 30, tzinfo=UTC),
    )
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(client, staff.account)

    page = client.get(f"/admin/organisations/details/?id={organisation.id}").text

    assert "2026年4月1日(水) 09:30（令和8年）" in page
    assert _t("NPO corporation") in page
    assert _t("Waiting for approval") in page
    assert "logo_path" not in page and "Logo Path" not in page
    assert "None" not in page


# -- The front page and the filters -------------------------------------------------


def test_each_pending_count_links_to_the_list_of_what_it_counts(client):
    organisation = make_organisation("世田谷区", review_state=ReviewState.PENDING)
    make_activity(organisation=organisation, review_state="pending", title="待つ活動")
    make_activity(organisation=organisation, title="公開中の活動")
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(client, staff.account)

    front = client.get("/admin/").text
    links = dict(
        (count, href)
        for href, count in re.findall(r'<a href="([^"]+)">(\d+)</a></td>', front)
    )
    assert len(re.findall(r'<td class="text-right"><a ', front)) == 3
    activities = client.get(
        next(h for h in links.values() if "activities" in h).replace("&amp;", "&")
    ).text
    assert "待つ活動" in activities
    assert "公開中の活動" not in activities


def test_municipal_staff_see_no_municipality_column_or_filter(client, two_areas):
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(client, staff.account)

    page = client.get("/admin/activities/").text

    assert "col-municipality" not in page
    groups = json.loads(_filter_groups(page))
    assert _t("Municipality") not in groups
    assert _t("Review state") in groups


def test_sorting_follows_the_columns_municipal_staff_see(client, two_areas):
    staff = make_municipal_staff("世田谷区")
    db.session.commit()
    sign_in_to_console(client, staff.account)
    page = client.get("/admin/activities/").text
    headers = re.findall(r'col-(\w+)">\s*<a href="([^"]+)"', page)
    sort_links = {column: href.replace("&amp;", "&") for column, href in headers}

    sorted_page = client.get(sort_links["review_state"]).text

    # The column sorted by is the one whose link was followed.
    assert "fa-chevron-up" in sorted_page.split("col-review_state")[1].split("</th>")[0]


def test_tokyo_staff_filter_by_municipality_from_a_list_of_names(client, two_areas):
    setagaya, shibuya = two_areas
    staff = make_tokyo_staff()
    db.session.commit()
    sign_in_to_console(client, staff.account)

    page = client.get("/admin/activities/").text
    assert "col-municipality" in page
    groups = json.loads(_filter_groups(page))
    (municipality,) = groups[_t("Municipality")]
    names = [name for _id, name in municipality["options"]]
    assert len(names) == 62
    assert names[0] == "千代田区"
    shibuya_id = dict((n, i) for i, n in municipality["options"])["渋谷区"]

    filtered = client.get(
        f"/admin/activities/?flt0_{municipality['arg']}={shibuya_id}"
    ).text
    assert "渋谷の子ども食堂" in filtered
    assert "世田谷の見守り活動" not in filtered


def _filter_groups(page: str) -> str:
    found = re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', page)
    return html.unescape(found.group(1))


def _t(message, **values):
    with force_locale("ja"):
        return gettext(message, **values)
