"""Log-in, and the pages where center admins manage their member agencies and the users of
those agencies, agency admins their own users, and the invitee sets a password.

Thin views: parse input, call a selector or a service, render. Whatever a person may not
administer is a 404, said the same way as something that does not exist.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from .. import federation, gate, mfa, selectors, services
from ..forms import (
    AcceptInvitationForm,
    AdmitAgencyForm,
    ExpiryForm,
    InviteForm,
    PortalLoginForm,
    ReasonForm,
    RoleForm,
)
from ..models import User


class PortalLoginView(LoginView):
    """Log-in behind the system-use notice, which must be acknowledged (CJIS AC-8)."""

    form_class = PortalLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Federated sign-in: the identity providers a person may choose instead of a password.
        return super().get_context_data(
            identity_providers=list(federation.enabled_identity_providers()), **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        # Remembered for the session so the navigation needs no query on every page.
        user = form.get_user()
        self.request.session["nav_admin"] = bool(
            user.is_agency_admin or gate.centers_administered_by(user).exists()
            or gate.centers_audited_by(user).exists()
        )
        return response

    def get_success_url(self):
        # The password was only the first step: the second factor comes next (agencies/mfa.py),
        # unless the session passed it already.
        url = super().get_success_url()
        if self.request.user.is_authenticated and not mfa.second_factor_verified(self.request):
            return mfa.verify_url(url)
        return url


def _form_error(form, error):
    """Put a service's ValidationError on the form: on its field when it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _roles_grantable_by(user):
    rank = services.rank_of(user)
    return [(value, label) for value, label in User.Role.choices
            if services.ROLE_RANK[value] <= rank]


# The admin's start page ----------------------------------------------------------------------


@login_required
def admin_home(request):
    centers = list(gate.centers_administered_by(request.user))
    audited_centers = list(gate.centers_audited_by(request.user))
    user = request.user
    own_agency = user.agency if user.is_agency_admin and user.is_active else None
    if not centers and not audited_centers and own_agency is None:
        raise Http404("Nothing to administer.")
    return render(request, "agencies/admin_home.html", {
        "centers": centers, "audited_centers": audited_centers, "own_agency": own_agency,
        "audited_agencies": list(gate.agencies_audited_by(user)),
    })


# Member agencies of a center -----------------------------------------------------------------


@login_required
def center_agencies(request, center_id):
    center = gate.center_for_admin_or_404(request.user, center_id)
    # Queries: the center, then the memberships with users and last activity (one query).
    memberships = list(selectors.member_agencies(center))
    return render(request, "agencies/center_agencies.html",
                  {"center": center, "memberships": memberships})


@login_required
@require_http_methods(["GET", "POST"])
def center_agency_admit(request, center_id):
    center = gate.center_for_admin_or_404(request.user, center_id)
    form = AdmitAgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if form.existing_agency is not None:
                agency = form.existing_agency
                services.membership_admit(center=center, agency=agency, by=request.user,
                                          reason=data["reason"])
            else:
                agency = services.agency_create(
                    center=center, by=request.user, reason=data["reason"], name=data["name"],
                    ori=data["ori"], level=data["level"], home_state=data["home_state"],
                    contact_name=data["contact_name"], contact_email=data["contact_email"],
                )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"{agency.name} is now an active member of {center.label}.")
            return redirect("center-membership", center.pk, agency.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "agencies/center_agency_admit.html", {"center": center, "form": form},
                  status=status)


@login_required
def center_membership(request, center_id, agency_id):
    center = gate.center_for_admin_or_404(request.user, center_id)
    membership = selectors.membership_or_404(center, agency_id)
    return render(request, "agencies/center_membership.html", {
        "center": center, "membership": membership, "agency": membership.agency,
        "form": ReasonForm(),
    })


MEMBERSHIP_ACTIONS = {
    "suspend": (services.membership_suspend, "{agency} is suspended: its users no longer receive "
                                             "{center}'s center-wide shares."),
    "reinstate": (services.membership_reinstate, "{agency} is active again in {center}."),
    "remove": (services.membership_remove, "{agency} is no longer a member of {center}."),
}
# What takes an agency's access away asks first: the form leads to a page that says what will
# happen, and only its "Yes" (confirmed=1) acts. A page, not a script: it works without one.
CONFIRMED_ACTIONS = {"suspend", "remove"}


@login_required
@require_POST
def center_membership_action(request, center_id, agency_id, action):
    center = gate.center_for_admin_or_404(request.user, center_id)
    membership = selectors.membership_or_404(center, agency_id)
    service, done = MEMBERSHIP_ACTIONS[action]
    form = ReasonForm(request.POST)
    if form.is_valid() and action in CONFIRMED_ACTIONS and request.POST.get("confirmed") != "1":
        return render(request, "agencies/center_membership_confirm.html", {
            "center": center, "membership": membership, "agency": membership.agency,
            "action": action, "reason": form.cleaned_data["reason"],
        })
    if form.is_valid():
        try:
            service(membership=membership, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request,
                             done.format(agency=membership.agency.name, center=center.label))
            if action == "remove":
                return redirect("center-agencies", center.pk)
            return redirect("center-membership", center.pk, membership.agency_id)
    return render(request, "agencies/center_membership.html", {
        "center": center, "membership": membership, "agency": membership.agency,
        "form": form, "failed_action": action,
    }, status=400)


# Users of an agency: by a center admin (through the center) or by the agency's own admin -----


def _scope(request, agency_id, center_id=None):
    center = None
    if center_id is not None:
        center = gate.center_for_admin_or_404(request.user, center_id)
    agency = selectors.agency_for_user_admin_or_404(request.user, agency_id, center)
    return center, agency


def _url(name, center, agency, *args):
    if center is not None:
        return reverse(f"center-{name}", args=[center.pk, agency.pk, *args])
    return reverse(f"agency-{name}", args=[agency.pk, *args])


def _scope_context(center, agency):
    return {
        "center": center, "agency": agency,
        "users_url": _url("users", center, agency),
        "invite_url": _url("user-invite", center, agency),
    }


@login_required
def agency_users(request, agency_id, center_id=None):
    center, agency = _scope(request, agency_id, center_id)
    # Queries: the scope checks, then the users with their pending links (one query).
    users = [
        (user, selectors.user_status(user), _url("user-detail", center, agency, user.pk))
        for user in selectors.agency_users(agency)
    ]
    return render(request, "agencies/agency_users.html",
                  {**_scope_context(center, agency), "users": users})


@login_required
@require_http_methods(["GET", "POST"])
def agency_user_invite(request, agency_id, center_id=None):
    center, agency = _scope(request, agency_id, center_id)
    form = InviteForm(request.POST or None, roles=_roles_grantable_by(request.user))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                user, _ = services.user_invite(
                    agency=agency, by=request.user, center=center, reason=data["reason"],
                    username=data["username"], email=data["email"], role=data["role"],
                    first_name=data["first_name"], last_name=data["last_name"],
                    expires_at=data["expires_at"], site_url=request.build_absolute_uri("/"),
                )
            except services.NotAllowed as error:
                form.add_error(None, str(error))
                status = 403
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(request, f"Invitation sent to {user.email}; the link works once, "
                                          "for 72 hours.")
                return redirect(_url("users", center, agency))
    return render(request, "agencies/agency_user_invite.html",
                  {**_scope_context(center, agency), "form": form}, status=status)


def _user_page(request, center, agency, user, *, forms=None, status=200):
    forms = forms or {}
    grantable = _roles_grantable_by(request.user)
    return render(request, "agencies/agency_user_detail.html", {
        **_scope_context(center, agency),
        "person": user,
        "status": selectors.user_status(user),
        "is_self": user.pk == request.user.pk,
        "deactivated": not user.is_active and not user.has_pending_link,
        "role_form": forms.get("role") or RoleForm(roles=grantable, initial={"role": user.role}),
        "expiry_form": forms.get("expiry") or ExpiryForm(initial={"expires_at": user.expires_at}),
        "reason_form": forms.get("reason") or ReasonForm(),
        "failed_action": forms.get("action"),
        "inactive_days": settings.ACCOUNT_INACTIVE_DAYS,
        "urls": {action.replace("-", "_"): _url("user-action", center, agency, user.pk, action)
                 for action in USER_ACTIONS},
    }, status=status)


@login_required
def agency_user_detail(request, agency_id, user_id, center_id=None):
    center, agency = _scope(request, agency_id, center_id)
    user = selectors.agency_user_or_404(agency, user_id)
    return _user_page(request, center, agency, user)


def _deactivate(*, user, by, center, data, request):
    services.user_deactivate(user=user, by=by, center=center, reason=data["reason"])
    return f"{user.username} is deactivated and can no longer log in."


def _reactivate(*, user, by, center, data, request):
    services.user_reactivate(user=user, by=by, center=center, reason=data["reason"])
    return f"{user.username} is active again."


def _change_role(*, user, by, center, data, request):
    changed = services.user_change_role(user=user, by=by, center=center, role=data["role"],
                                        reason=data["reason"])
    return f"{user.username} is now {changed.get_role_display().lower()}."


def _force_reset(*, user, by, center, data, request):
    services.user_force_password_reset(user=user, by=by, center=center, reason=data["reason"],
                                       site_url=request.build_absolute_uri("/"))
    return (f"{user.username}'s password no longer works; a link to set a new one went to "
            f"{user.email}.")


def _set_expiry(*, user, by, center, data, request):
    changed = services.user_set_expiry(user=user, by=by, center=center, reason=data["reason"],
                                       expires_at=data["expires_at"])
    if changed.expires_at is None:
        return f"{user.username}'s account no longer expires."
    return f"{user.username}'s account expires on {changed.expires_at:%Y-%m-%d %H:%M} UTC."


def _release(*, user, by, center, data, request):
    services.user_release(user=user, by=by, center=center, reason=data["reason"])
    return f"{user.username} is released and may log in again."


def _mfa_reset(*, user, by, center, data, request):
    services.user_mfa_reset(user=user, by=by, center=center, reason=data["reason"])
    return (f"{user.username}'s second factors are removed and every session of theirs has "
            "ended; their next sign-in sets up an authenticator app again.")


def _toggle_reviewer(*, user, by, center, data, request):
    changed = services.user_set_reviewer(user=user, by=by, center=center, reason=data["reason"],
                                         reviewer=not user.intelligence_reviewer)
    if changed.intelligence_reviewer:
        return f"{user.username} now reviews the agency's information pending review."
    return f"{user.username} no longer reviews information pending review."


USER_ACTIONS = {
    "reviewer": _toggle_reviewer,
    "release": _release,
    "mfa-reset": _mfa_reset,
    "deactivate": _deactivate,
    "reactivate": _reactivate,
    "role": _change_role,
    "reset": _force_reset,
    "expiry": _set_expiry,
}
# The form each action reads (the others: a reason alone).
ACTION_FORMS = {"role": "role", "expiry": "expiry"}


@login_required
@require_POST
def agency_user_action(request, agency_id, user_id, action, center_id=None):
    center, agency = _scope(request, agency_id, center_id)
    user = selectors.agency_user_or_404(agency, user_id)
    if action == "role":
        form = RoleForm(request.POST, roles=_roles_grantable_by(request.user))
    elif action == "expiry":
        form = ExpiryForm(request.POST)
    else:
        form = ReasonForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            done = USER_ACTIONS[action](user=user, by=request.user, center=center,
                                        data=form.cleaned_data, request=request)
        except services.NotAllowed as error:
            form.add_error(None, str(error))
            status = 403
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, done)
            return redirect(_url("user-detail", center, agency, user.pk))
    key = ACTION_FORMS.get(action, "reason")
    return _user_page(request, center, agency, user, forms={key: form, "action": action},
                      status=status)


# The invitee's side: no log-in needed, the token is the proof --------------------------------


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    try:
        invitation = services.invitation_check(token)
    except services.InvitationInvalid as error:
        return render(request, "agencies/invitation_invalid.html",
                      {"message": error.messages[0], "code": error.code}, status=410
                      if error.code in ("used", "expired", "revoked") else 404)
    user = invitation.user
    form = AcceptInvitationForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        except services.InvitationInvalid as error:
            return render(request, "agencies/invitation_invalid.html",
                          {"message": error.messages[0], "code": error.code}, status=410)
        except ValidationError as error:
            form.add_error("new_password2", error)
        else:
            messages.success(request, "Your password is set. Log in with your username and it.")
            return redirect("login")
    return render(request, "agencies/invitation_accept.html", {
        "invitation": invitation, "person": user, "form": form,
    }, status=400 if request.method == "POST" else 200)
