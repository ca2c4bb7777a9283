"""The center admin's page of the center's auditors (28 CFR Part 23): who they are, granting
the role to a user of a member agency and revoking it, each with its reason in the access log.
Whoever does not administer the center gets a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import gate, selectors, services
from ..forms import AuditorGrantForm, ReasonForm
from .admin import _form_error


def _page(request, center, *, form=None, revoke_form=None, status=200):
    return render(request, "agencies/center_auditors.html", {
        "center": center, "auditors": selectors.center_auditors(center),
        "form": form or AuditorGrantForm(), "revoke_form": revoke_form,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def center_auditors(request, center_id):
    center = gate.center_for_admin_or_404(request.user, center_id)
    if request.method == "GET":
        return _page(request, center)
    form = AuditorGrantForm(request.POST)
    if form.is_valid():
        user = selectors.auditor_candidate(center, form.cleaned_data["username"])
        if user is None:
            form.add_error("username", f"No active person of a member agency of {center.label} "
                                       "has that username.")
        else:
            try:
                services.center_auditor_grant(center=center, user=user, by=request.user,
                                              reason=form.cleaned_data["reason"])
            except (ValidationError, services.NotAllowed) as error:
                _form_error(form, error if isinstance(error, ValidationError)
                            else ValidationError(str(error)))
            else:
                messages.success(request, f"{user.username} is now an auditor of {center.label}.")
                return redirect("center-auditors", center.pk)
    return _page(request, center, form=form, status=400)


@login_required
@require_POST
def center_auditor_revoke(request, center_id, user_id):
    center = gate.center_for_admin_or_404(request.user, center_id)
    grant = next((g for g in selectors.center_auditors(center) if g.user_id == user_id), None)
    if grant is None:
        raise gate.NotAdministrable("No auditor found.")
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.center_auditor_revoke(center=center, user=grant.user, by=request.user,
                                           reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request,
                             f"{grant.user.username} is no longer an auditor of {center.label}.")
            return redirect("center-auditors", center.pk)
    form.revoking = user_id
    return _page(request, center, revoke_form=form, status=400)


