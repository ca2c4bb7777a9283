"""The portal page where an agency admin manages the agency's API keys: list, create (the key
is shown once, on the page that answers the creation), revoke."""

from datetime import UTC, datetime, time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ..api_keys import api_key_create, api_key_revoke
from ..gate import require_agency_admin
from ..models import ApiKey


class ApiKeyForm(forms.Form):
    def __init__(self, *args, **kwargs):
        # Labels without a trailing colon, as on every other form of the portal.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    name = forms.CharField(max_length=100, help_text="The partner system that will use the key.")
    scope = forms.ChoiceField(choices=ApiKey.Scope.choices, initial=ApiKey.Scope.READ)
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional: the key stops working at the end of this day (UTC).",
    )
    allowed_networks = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: one IP network per line (e.g. 203.0.113.0/24); empty: anywhere.",
    )


@login_required
def api_keys(request):
    require_agency_admin(request.user)
    form = ApiKeyForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expires_at = (
            datetime.combine(data["expires_on"], time.max, tzinfo=UTC)
            if data["expires_on"]
            else None
        )
        try:
            created = api_key_create(
                by=request.user,
                name=data["name"],
                scope=data["scope"],
                expires_at=expires_at,
                allowed_networks=data["allowed_networks"].split(),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                form.add_error(None, error.messages)
        else:
            form = ApiKeyForm()
    keys = ApiKey.objects.filter(agency_id=request.user.agency_id).select_related("created_by")
    response = render(
        request,
        "agencies/api_keys.html",
        {"form": form, "keys": keys, "created": created, "agency": request.user.agency},
    )
    if created is not None:
        # The plaintext is on this page only: no cache may keep it.
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_key_revoke_view(request, pk):
    require_agency_admin(request.user)
    key = get_object_or_404(ApiKey, pk=pk, agency_id=request.user.agency_id)
    api_key_revoke(key=key, by=request.user)
    messages.success(request, f"The key {key.prefix}… ({key.name}) is revoked.")
    return redirect("api-keys")
