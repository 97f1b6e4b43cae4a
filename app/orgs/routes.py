"""Organisation portal pages. Every page requires an organisation staff account."""

import sqlalchemy as sa
from flask import abort, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Activity, Organisation, OrganisationMember
from app.orgs import bp


@bp.before_request
def require_organisation_staff():
    """The portal's single access check: signed in and member of an organisation."""
    if not current_user.is_authenticated:
        return redirect(url_for("public.sign_in", next=request.full_path))
    g.memberships = db.session.scalars(
        sa.select(OrganisationMember)
        .where(OrganisationMember.account_id == current_user.id)
        .options(selectinload(OrganisationMember.organisation))
    ).all()
    if not g.memberships:
        abort(403)


@bp.get("/")
def dashboard():
    """The organisations this account acts for, with their activities."""
    organisation_ids = [m.organisation_id for m in g.memberships]
    activities = db.session.scalars(
        sa.select(Activity)
        .where(Activity.organisation_id.in_(organisation_ids))
        .options(selectinload(Activity.sessions), selectinload(Activity.municipality))
        .order_by(Activity.organisation_id, Activity.created_at.desc())
    ).all()
    by_organisation = {oid: [] for oid in organisation_ids}
    for activity in activities:
        by_organisation[activity.organisation_id].append(activity)
    organisations = db.session.scalars(
        sa.select(Organisation)
        .where(Organisation.id.in_(organisation_ids))
        .order_by(Organisation.name)
    ).all()
    return render_template(
        "orgs/dashboard.html",
        organisations=organisations,
        by_organisation=by_organisation,
        roles={m.organisation_id: m.role for m in g.memberships},
    )
