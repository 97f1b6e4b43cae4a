"""Organisation portal pages: thin views over ``app.organisations``.

Every page requires an organisation staff account, except the few named in
``PUBLIC_ENDPOINTS`` that bring people and organisations in.
"""

import logging

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import accounts, organisations
from app.extensions import db
from app.models import Activity, Organisation, OrganisationMember
from app.models.types import MemberRole, ReviewState
from app.orgs import bp
from app.orgs.forms import (
    AcceptInvitationForm,
    AccountRegistrationForm,
    ButtonForm,
    CloseForm,
    InvitationSignUpForm,
    InviteForm,
    OrganisationForm,
    RegistrationForm,
)
from app.security import limit_mail_requests, limit_password_checks

logger = logging.getLogger(__name__)

#: Pages for people who are not (yet) staff of an organisation.
PUBLIC_ENDPOINTS = frozenset(
    {"orgs.register", "orgs.registered", "orgs.confirm", "orgs.invitation"}
)


@bp.before_request
def require_organisation_staff():
    """The portal's single access check: signed in and member of an organisation."""
    g.memberships = []
    if current_user.is_authenticated:
        g.memberships = db.session.scalars(
            sa.select(OrganisationMember)
            .where(OrganisationMember.account_id == current_user.id)
            .options(selectinload(OrganisationMember.organisation))
        ).all()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("public.sign_in", next=request.full_path))
    if not g.memberships:
        abort(403)
    return None


def get_membership_or_403(
    organisation_id: int, *, owner: bool = False, published: bool = False
) -> OrganisationMember:
    """The signed-in account's membership of the organisation in the URL.

    Someone else's organisation is refused with 403, as is an owner's page
    for a member, and, with ``published``, any page but the status of an
    organisation that is not approved or has closed.
    """
    membership = next(
        (m for m in g.memberships if m.organisation_id == organisation_id), None
    )
    if membership is None:
        abort(403)
    if owner and membership.role != MemberRole.OWNER:
        abort(403)
    organisation = membership.organisation
    if published and (not organisation.is_published or organisation.closed_at):
        abort(403)
    return membership


@bp.get("/")
def dashboard():
    """The organisations this account acts for, with their activities.

    An organisation that is not approved yet shows only where its
    application stands.
    """
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
    organisations_ = db.session.scalars(
        sa.select(Organisation)
        .where(Organisation.id.in_(organisation_ids))
        .options(selectinload(Organisation.municipality))
        .order_by(Organisation.name)
    ).all()
    return render_template(
        "orgs/dashboard.html",
        organisations=organisations_,
        by_organisation=by_organisation,
        roles={m.organisation_id: m.role for m in g.memberships},
    )


# --- registration -----------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@limit_mail_requests
def register():
    """Register an organisation, with a new staff account unless signed in."""
    signed_in = current_user.is_authenticated
    if signed_in:
        form = AccountRegistrationForm()
        if request.method == "GET":
            participant = current_user.participant
            form.staff_name.data = participant.name if participant else ""
    else:
        form = RegistrationForm()

    if form.validate_on_submit():
        if signed_in:
            organisation = organisations.register_for_account(
                form.details(), current_user, staff_name=form.staff_name.data
            )
            flash(
                _(
                    "Thank you. %(name)s has been sent to the municipality for "
                    "approval.",
                    name=organisation.name,
                ),
                "success",
            )
            return redirect(url_for(".dashboard"), 303)
        # A taken address gets the same answer as a new one, so the form does
        # not reveal who is registered; its owner is told by e-mail instead.
        if organisations.find_account(form.staff_email.data) is None:
            organisations.register_with_new_account(
                form.details(),
                staff_name=form.staff_name.data,
                email=form.staff_email.data,
                password=form.password.data,
            )
        else:
            accounts.tell_owner_of_registration_attempt(form.staff_email.data)
        return redirect(url_for(".registered"), 303)
    return render_template("orgs/register.html", form=form)


@bp.get("/register/sent")
def registered():
    # Reached only by the redirect after registering; it says what to do next
    # and needs no data, so it is open like the form itself.
    return render_template("orgs/registered.html")


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """Confirm a new staff account's address, with a button rather than on GET.

    Mail scanners open links; only a person pressing the button confirms.
    """
    form = ButtonForm()
    if form.validate_on_submit():
        account = organisations.confirm_account(token)
        if account is not None:
            flash(
                _(
                    "Your e-mail address is confirmed and the application has been "
                    "sent to the municipality. Please sign in."
                ),
                "success",
            )
            return redirect(url_for("public.sign_in", next=url_for(".dashboard")), 303)
    elif request.method == "GET" and organisations.confirmation_is_live(token):
        return render_template(
            "public/confirm.html",
            form=form,
            intro=_(
                "Press the button to confirm your address and send the "
                "organisation's application to the municipality."
            ),
        )
    return render_template("orgs/link_expired.html"), 404


# --- the application, until approved ----------------------------------------


@bp.route("/<int:organisation_id>/application", methods=["GET", "POST"])
def edit_application(organisation_id: int):
    """Correct the application; one that was returned goes back for approval."""
    organisation = get_membership_or_403(organisation_id, owner=True).organisation
    if organisation.review_state not in organisations.EDITABLE_STATES:
        abort(403)
    form = OrganisationForm(obj=organisation)
    if request.method == "GET":
        form.municipality.data = str(organisation.municipality_id)
        guess = organisations.municipality_from_address(organisation.address)
        form.guessed_municipality.data = str(guess.id) if guess else ""
    if form.validate_on_submit():
        returned = organisation.review_state == ReviewState.REJECTED
        organisations.update_application(organisation, form.details(), current_user)
        if returned:
            flash(_("Thank you. The application has been sent again."), "success")
        else:
            flash(_("The application has been updated."), "success")
        return redirect(url_for(".dashboard"), 303)
    return render_template(
        "orgs/edit_application.html", form=form, organisation=organisation
    )


@bp.post("/<int:organisation_id>/submit")
def submit_application(organisation_id: int):
    """Send a draft for review, for an owner who confirmed the address elsewhere."""
    get_membership_or_403(organisation_id, owner=True)
    if ButtonForm().validate_on_submit() and organisations.submit_drafts(current_user):
        flash(_("The application has been sent to the municipality."), "success")
    return redirect(url_for(".dashboard"), 303)


# --- staff ------------------------------------------------------------------


@bp.route("/<int:organisation_id>/staff", methods=["GET", "POST"])
def staff(organisation_id: int):
    """The organisation's staff; owners invite more people here."""
    membership = get_membership_or_403(organisation_id, published=True)
    organisation = membership.organisation
    is_owner = membership.role == MemberRole.OWNER
    form = InviteForm()
    if request.method == "POST":
        if not is_owner:
            abort(403)
        if form.validate_on_submit():
            try:
                organisations.invite_member(
                    organisation,
                    email=form.email.data,
                    role=MemberRole(form.role.data),
                    invited_by=current_user,
                    inviter_name=membership.name,
                )
            except organisations.MemberError:
                form.email.errors.append(_("This person is already on the staff."))
            else:
                flash(
                    _(
                        "An invitation has been sent to %(email)s.",
                        email=form.email.data,
                    ),
                    "success",
                )
                return redirect(url_for(".staff", organisation_id=organisation_id), 303)
    members = db.session.scalars(
        sa.select(OrganisationMember)
        .where(OrganisationMember.organisation_id == organisation_id)
        .options(selectinload(OrganisationMember.account))
        .order_by(OrganisationMember.role.desc(), OrganisationMember.created_at)
    ).all()
    return render_template(
        "orgs/staff.html",
        organisation=organisation,
        members=members,
        form=form,
        is_owner=is_owner,
        owner_count=sum(m.role == MemberRole.OWNER for m in members),
    )


@bp.route(
    "/<int:organisation_id>/staff/<int:account_id>/remove", methods=["GET", "POST"]
)
def remove_member(organisation_id: int, account_id: int):
    organisation = get_membership_or_403(
        organisation_id, owner=True, published=True
    ).organisation
    member = db.session.get(OrganisationMember, (organisation_id, account_id))
    if member is None:
        abort(404)
    form = ButtonForm()
    if form.validate_on_submit():
        name = member.name
        try:
            organisations.remove_member(organisation, member, current_user)
        except organisations.MemberError:
            flash(
                _("The last owner cannot be removed. Invite another owner first."),
                "error",
            )
            return redirect(url_for(".staff", organisation_id=organisation_id), 303)
        flash(_("%(name)s was removed from the staff.", name=name), "success")
        if account_id == current_user.id:
            # Owners who removed themselves no longer see this organisation.
            return redirect(
                url_for(".dashboard" if len(g.memberships) > 1 else "public.home"), 303
            )
        return redirect(url_for(".staff", organisation_id=organisation_id), 303)
    return render_template(
        "orgs/remove_member.html", organisation=organisation, member=member, form=form
    )


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Accept an invitation: signed in with the invited address, or as someone new."""
    invited = organisations.find_invitation(token)
    if invited is None:
        return render_template("orgs/link_expired.html"), 404
    context = {"invitation": invited, "token": token}

    if current_user.is_authenticated:
        if current_user.email != invited.email:
            return render_template(
                "orgs/invitation.html", wrong_account=True, **context
            )
        form = AcceptInvitationForm()
        if request.method == "GET" and current_user.participant:
            form.name.data = current_user.participant.name
        if form.validate_on_submit():
            organisation = organisations.accept_invitation(
                token, current_user, name=form.name.data
            )
            if organisation is None:
                return render_template("orgs/link_expired.html"), 404
            flash(_("You are now on the staff of %(name)s.", name=organisation.name))
            return redirect(url_for(".dashboard"), 303)
        return render_template("orgs/invitation.html", form=form, **context)

    if organisations.find_account(invited.email) is not None:
        return render_template("orgs/invitation.html", sign_in_first=True, **context)
    form = InvitationSignUpForm(email=invited.email)
    if form.validate_on_submit():
        account = organisations.accept_invitation_with_new_account(
            token, name=form.name.data, password=form.password.data
        )
        if account is None:
            return render_template("orgs/link_expired.html"), 404
        # Signing in goes through the sign-in page, which starts a fresh
        # session and applies the same checks as every other sign-in.
        flash(
            _(
                "Your account has been created and you are now on the staff of "
                "%(name)s. Please sign in.",
                name=invited.organisation.name,
            ),
            "success",
        )
        return redirect(url_for("public.sign_in", next=url_for(".dashboard")), 303)
    return render_template("orgs/invitation.html", form=form, **context)


# --- closing ----------------------------------------------------------------


@bp.route("/<int:organisation_id>/close", methods=["GET", "POST"])
@limit_password_checks
def close(organisation_id: int):
    """Close the organisation, after the owner confirms with their password."""
    organisation = get_membership_or_403(
        organisation_id, owner=True, published=True
    ).organisation
    form = CloseForm()
    if form.validate_on_submit():
        if current_user.check_password(form.password.data):
            organisations.close_organisation(organisation, current_user)
            flash(_("%(name)s has been closed.", name=organisation.name), "success")
            return redirect(url_for(".dashboard"), 303)
        form.password.errors.append(_("The password is not correct."))
    return render_template(
        "orgs/close.html",
        organisation=organisation,
        summary=organisations.closing_summary(organisation),
        form=form,
    )
