"""Console screens for staff accounts: list, invite, disable, enable, reset.

Every screen reads through ``app.staff.manageable``, so a record outside the
staff member's reach is not found at all, whatever id is posted.
"""

import logging

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import staff as staff_rules
from app.admin.access import StaffOnly, console_staff
from app.admin.forms import ActionForm, NewStaffForm
from app.admin.views import safe_page
from app.extensions import db
from app.models import Municipality, Staff
from app.models.types import StaffLevel

logger = logging.getLogger(__name__)

PAGE_SIZE = 50

STAFF_LEVELS = {
    StaffLevel.MUNICIPAL_MEMBER: _l("Municipal staff"),
    StaffLevel.MUNICIPAL_LEAD: _l("Municipal lead"),
    StaffLevel.TOKYO: _l("Tokyo staff"),
}


class StaffAccountsView(StaffOnly, BaseView):
    """Tokyo staff and municipal leads manage staff accounts; members do not."""

    def is_accessible(self) -> bool:
        return super().is_accessible() and staff_rules.can_manage_staff(console_staff())

    @expose("/")
    def index(self):
        actor = console_staff()
        query = (
            staff_rules.manageable(actor)
            .join(Staff.account)
            .outerjoin(Staff.municipality)
            .options(sa.orm.contains_eager(Staff.account))
            .options(sa.orm.contains_eager(Staff.municipality))
            .order_by(Municipality.code.nulls_first(), Staff.level, Staff.id)
        )
        page = db.paginate(
            query,
            # ?page= comes straight from the address; one past what an
            # OFFSET allows would make PostgreSQL refuse the query.
            page=safe_page(request.args.get("page", 1, type=int), PAGE_SIZE, first=1),
            per_page=PAGE_SIZE,
            max_per_page=PAGE_SIZE,
        )
        return self.render(
            "admin/staff/list.html",
            actor=actor,
            page=page,
            levels=STAFF_LEVELS,
        )

    @expose("/new", methods=("GET", "POST"))
    def create(self):
        actor = console_staff()
        form = NewStaffForm()
        form.level.choices = [
            (level.value, STAFF_LEVELS[level])
            for level in staff_rules.creatable_levels(actor)
        ]
        form.municipality.choices = _municipality_choices(actor)
        if form.validate_on_submit():
            level = StaffLevel(form.level.data)
            municipality_id = int(form.municipality.data or 0) or None
            if not staff_rules.may_create(actor, level, municipality_id):
                abort(403)
            try:
                created = staff_rules.invite(
                    actor,
                    email=form.email.data,
                    name=form.name.data,
                    level=level,
                    municipality_id=municipality_id,
                    department=form.department.data,
                )
            except staff_rules.StaffError as error:
                form.email.errors.append(str(error))
            else:
                flash(
                    _(
                        "%(name)s was added. An invitation was sent to %(email)s.",
                        name=created.name,
                        email=created.account.email,
                    ),
                    "success",
                )
                return redirect(url_for(".index"), 303)
        return self.render("admin/staff/new.html", form=form)

    @expose("/<int:staff_id>/disable", methods=("POST",))
    def disable(self, staff_id: int):
        target = self._change(staff_id, staff_rules.disable)
        flash(_("%(name)s was disabled.", name=target.name), "success")
        return redirect(url_for(".index"), 303)

    @expose("/<int:staff_id>/enable", methods=("POST",))
    def enable(self, staff_id: int):
        target = self._change(staff_id, staff_rules.enable)
        flash(_("%(name)s was enabled.", name=target.name), "success")
        return redirect(url_for(".index"), 303)

    @expose("/<int:staff_id>/reset-two-factor", methods=("POST",))
    def reset_two_factor(self, staff_id: int):
        target = self._change(staff_id, staff_rules.reset_two_factor)
        flash(
            _(
                "Two-factor sign-in of %(name)s was reset. They set it up again at"
                " their next sign-in.",
                name=target.name,
            ),
            "success",
        )
        return redirect(url_for(".index"), 303)

    @expose("/<int:staff_id>/resend-invitation", methods=("POST",))
    def resend_invitation(self, staff_id: int):
        try:
            target = self._change(staff_id, staff_rules.resend_invitation)
        except staff_rules.StaffError as error:
            flash(str(error), "danger")
        else:
            flash(
                _(
                    "The invitation was sent again to %(email)s.",
                    email=target.account.email,
                ),
                "success",
            )
        return redirect(url_for(".index"), 303)

    def _change(self, staff_id: int, change) -> Staff:
        """Apply ``change`` to a staff row within reach; 404 for any other."""
        actor = console_staff()
        if not ActionForm().validate_on_submit():
            abort(400)
        target = staff_rules.get_manageable(actor, staff_id)
        if target is None:
            abort(404)
        if not staff_rules.may_change(actor, target):
            abort(403)
        change(actor, target)
        return target


def _municipality_choices(actor: Staff) -> list[tuple[str, str]]:
    if not actor.is_tokyo:
        return [(str(actor.municipality_id), actor.municipality.name)]
    municipalities = db.session.scalars(
        sa.select(Municipality).order_by(Municipality.code)
    )
    return [("", _("None (Tokyo staff)"))] + [
        (str(m.id), m.name) for m in municipalities
    ]
