"""The municipal and Tokyo staff console, built on Flask-Admin."""

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.security import csp_nonce


def init_admin(app: Flask) -> None:
    """Mount the console at /admin.

    The Admin object and its views are made per application rather than at
    module level: Flask-Admin binds each view to one blueprint, and tests build
    many applications in one process.
    """
    from app.admin.auth import bp as auth_bp
    from app.admin.participants import PendingParticipantView
    from app.admin.staff import StaffAccountsView
    from app.admin.views import (
        ActivityView,
        ConsoleIndexView,
        MunicipalityView,
        OrganisationView,
    )
    from app.models import Activity, Municipality, Organisation, Participant

    index = ConsoleIndexView(name=_l("Home"), url="/admin")
    admin = Admin(
        name=_l("Tokyo Tsunagari Navi console"),
        index_view=index,
        csp_nonce_generator=csp_nonce,
        theme=Bootstrap4Theme(
            base_template="admin/console_base.html", swatch="default"
        ),
    )
    lists = (
        OrganisationView(
            Organisation, db, name=_l("Organisations"), endpoint="organisations"
        ),
        ActivityView(Activity, db, name=_l("Activities"), endpoint="activities"),
        PendingParticipantView(
            Participant,
            db,
            name=_l("Residents waiting for approval"),
            endpoint="participants",
        ),
    )
    for view in lists:
        admin.add_view(view)
        # The front page links each count to the list of what it counts.
        index.lists[view.model] = view
    admin.add_view(StaffAccountsView(name=_l("Staff accounts"), endpoint="staff"))
    admin.add_view(
        MunicipalityView(
            Municipality, db, name=_l("Municipalities"), endpoint="municipalities"
        )
    )
    admin.init_app(app)
    # Sign-in and invitations live beside the console views, under /admin, but
    # outside Flask-Admin: they are what a visitor without access may reach.
    app.register_blueprint(auth_bp, url_prefix="/admin")
