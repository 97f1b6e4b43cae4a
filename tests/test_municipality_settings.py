"""Each municipality's settings in the console, changed only by those allowed."""

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEntry
from app.models.types import StaffLevel
from tests.support.auth import sign_in_to_console
from tests.support.factories import (
    find_municipality,
    make_municipal_staff,
    make_tokyo_staff,
)


def test_a_municipal_lead_decides_whether_residents_need_approval(client):
    lead = make_municipal_staff("世田谷区", level=StaffLevel.MUNICIPAL_LEAD)
    db.session.commit()
    setagaya = find_municipality("世田谷区")
    sign_in_to_console(client, lead.account)

    listing = client.get("/admin/municipalities/").text
    assert "世田谷区" in listing and "渋谷区" not in listing
    form = client.get(f"/admin/municipalities/edit/?id={setagaya.id}").text
    assert "requires_participant_approval" in form
    assert 'name="is_active"' not in form

    client.post(
        f"/admin/municipalities/edit/?id={setagaya.id}",
        data={"requires_participant_approval": "y"},
    )

    db.session.refresh(setagaya)
    assert setagaya.requires_participant_approval
    assert setagaya.is_active  # unchanged: only Tokyo staff switch it
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "municipality_settings_changed"
        )
    )
    assert entry.actor_id == lead.account.id


def test_a_lead_cannot_change_another_municipality(client):
    lead = make_municipal_staff("世田谷区", level=StaffLevel.MUNICIPAL_LEAD)
    db.session.commit()
    shibuya = find_municipality("渋谷区")
    sign_in_to_console(client, lead.account)

    client.post(
        f"/admin/municipalities/edit/?id={shibuya.id}",
        data={"requires_participant_approval": "y"},
    )

    db.session.refresh(shibuya)
    assert not shibuya.requires_participant_approval


def test_municipal_members_only_read_the_settings(client):
    member = make_municipal_staff("世田谷区")
    db.session.commit()
    setagaya = find_municipality("世田谷区")
    sign_in_to_console(client, member.account)

    assert client.get("/admin/municipalities/").status_code == 200
    client.post(
        f"/admin/municipalities/edit/?id={setagaya.id}",
        data={"requires_participant_approval": "y"},
    )

    db.session.refresh(setagaya)
    assert not setagaya.requires_participant_approval


def test_tokyo_staff_switch_a_municipality_on(client):
    tokyo = make_tokyo_staff()
    db.session.commit()
    okutama = find_municipality("奥多摩町")
    assert not okutama.is_active
    sign_in_to_console(client, tokyo.account)

    client.post(f"/admin/municipalities/edit/?id={okutama.id}", data={"is_active": "y"})

    db.session.refresh(okutama)
    assert okutama.is_active
