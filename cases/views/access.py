"""Request access (cases.access): the request form, opened from a deconfliction notice or a
withheld alert, and the page where an agency answers the requests made to it and follows its
own."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.handling import Level
from sharing.models import AccessRequest
from sharing.permissions import ShareRefused

from .. import access
from ..forms import apply_errors


class RequestForm(forms.Form):
    reason = forms.CharField(
        label="Why your agency needs access", widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": "Say why your agency needs access; the owner reads it."},
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("grant", "Grant"), ("decline", "Decline")],
                                 widget=forms.RadioSelect, initial="grant")
    level = forms.TypedChoiceField(
        label="Level", coerce=int, required=False, initial=Level.VIEW,
        choices=[(Level.VIEW, "View"), (Level.ANNOTATE, "Annotate"), (Level.EDIT, "Edit")],
    )
    answer = forms.CharField(label="Answer (needed to decline)", required=False, max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 2}))


def _source(request):
    """(match id, alert id) from the query or the form; a value that is not a number is the
    404 of a missing notice."""
    values = request.POST if request.method == "POST" else request.GET
    match, alert = values.get("match"), values.get("alert")
    try:
        return (int(match) if match else None), (int(alert) if alert else None)
    except ValueError:
        raise Http404("No such notice.") from None


@login_required
@require_http_methods(["GET", "POST"])
def access_request(request):
    match_id, alert_id = _source(request)
    if (match_id is None) == (alert_id is None):
        raise Http404("No such notice.")
    if match_id is not None:
        match, record = access.record_from_match(request.user, match_id)
    else:
        record = access.record_from_alert(request.user, alert_id)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            access.access_request(by=request.user, reason=form.cleaned_data["reason"],
                                  match_id=match_id, alert_id=alert_id)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Asked {record.owner.name} for access; you will be told "
                                      "of the answer.")
            return redirect("access-requests")
    return render(request, "cases/access_request.html", {
        "form": form, "owner": record.owner, "match_id": match_id, "alert_id": alert_id,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_GET
def access_requests(request):
    return _requests_page(request)


def _requests_page(request, decision_forms=None, status=200):
    incoming, outgoing = access.requests_of(request.user)
    forms_by_id = decision_forms or {}
    for row in incoming:
        row.form = forms_by_id.get(row.pk) or DecisionForm(prefix=f"r{row.pk}")
    return render(request, "cases/access_requests.html",
                  {"incoming": incoming, "outgoing": outgoing}, status=status)


@login_required
@require_POST
def access_decide(request, pk):
    row = AccessRequest.objects.filter(pk=pk, owner_id=request.user.agency_id or -1).first()
    if row is None:
        raise Http404("No such request.")
    form = DecisionForm(request.POST, prefix=f"r{pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            decided = access.access_decide(request=row, by=request.user, decision=data["decision"],
                                           level=data["level"] or Level.VIEW, answer=data["answer"])
        except ShareRefused as refusal:
            form.add_error(None, " ".join(refusal.messages))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{decided.get_status_display()}: "
                                      f"{decided.requester.name} is told.")
            return redirect("access-requests")
    return _requests_page(request, decision_forms={pk: form}, status=400)
