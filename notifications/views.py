"""Browser pages of notifications: the inbox, following a case, and an agency's webhooks.

The inbox holds only what is addressed to the user, the user's agency or a center where the
agency is an active member (notifications.selectors.inbox_queryset); anything else is a 404.
Webhook pages are for the agency admins of the endpoint's agency; for everyone else they do
not exist (404).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.gate import require_agency_admin
from cases.models import Case
from core.activity import passive
from sharing.permissions import get_visible_or_404

from . import selectors, services, webhooks
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

# The inbox ---------------------------------------------------------------------------------------


def _int_or_none(value):
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(
            "That page link is not valid; start again from the first page."
        ) from None
    if number < 1:
        raise ValidationError("That page link is not valid; start again from the first page.")
    return number


@login_required
@require_GET
def inbox(request):
    """The user's notifications, newest first, 50 a page (keyset on id)."""
    status = 200
    try:
        before = _int_or_none(request.GET.get("before"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        before, status = None, 400
    rows, next_before = selectors.inbox_page(request.user, before=before)
    return render(
        request,
        "notifications/inbox.html",
        {"rows": rows, "next_before": next_before, "first_page": before is None},
        status=status,
    )


@passive
@login_required
@require_GET
def nav_count(request):
    """The navigation link with its unread count (the page polls it with htmx): a background
    refresh, which keeps no idle session open."""
    return render(request, "notifications/_nav_notifications_count.html")


@login_required
@require_POST
def notification_read(request, pk):
    """Mark one notification read; one outside the user's inbox does not exist."""
    if not selectors.inbox_queryset(request.user).filter(pk=pk).exists():
        raise Http404("No notification found.")
    services.notification_mark_read(user=request.user, notification_ids=[pk])
    if request.htmx:
        return render(request, "notifications/_nav_notifications_count.html")
    return redirect(_back_to_inbox(request))


@login_required
@require_POST
def notification_read_all(request):
    marked = services.notification_mark_read(user=request.user)
    messages.success(request, f"Marked {marked} notification{'s' if marked != 1 else ''} read.")
    return redirect(_back_to_inbox(request))


def _back_to_inbox(request):
    url = reverse("notification-inbox")
    before = request.POST.get("before", "")
    return f"{url}?before={before}" if before.isdigit() else url


# Following a case --------------------------------------------------------------------------------


@login_required
@require_POST
def case_follow(request, pk):
    case = get_visible_or_404(request.user, Case, pk, record_read=False)
    following = request.POST.get("following", "1") != "0"
    services.follow_set(user=request.user, case=case, following=following)
    messages.success(
        request,
        f"You follow case {case.number}: new annotations reach your notifications."
        if following else f"You no longer follow case {case.number}.",
    )
    return redirect("case-detail", pk=case.pk)


# Webhooks (agency admins) ------------------------------------------------------------------------


class WebhookForm(forms.Form):
    url = forms.CharField(
        label="URL", max_length=500,
        help_text="Where the partner system receives the portal's POSTs (https://).",
    )
    description = forms.CharField(max_length=200, required=False,
                                  help_text="Which system this is, for your records.")


def _own_endpoint_or_404(user, pk):
    require_agency_admin(user)
    endpoint = WebhookEndpoint.objects.filter(pk=pk, agency_id=user.agency_id).first()
    if endpoint is None:
        raise Http404("No webhook found.")
    return endpoint


@never_cache  # the answer to a registration shows the secret
@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    """The agency's webhook endpoints, and registering a new one. The new endpoint's secret is
    shown in the answer to the registration, once, and kept nowhere but sealed in the database."""
    require_agency_admin(request.user)
    form = WebhookForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = webhooks.endpoint_register(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for name, errors in error.error_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, error)
        if created is None:
            status = 400
        else:
            form = WebhookForm()
    endpoints = list(
        WebhookEndpoint.objects.filter(agency_id=request.user.agency_id)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "notifications/webhooks.html",
        {"form": form, "endpoints": endpoints, "created": created, "agency": request.user.agency},
        status=status,
    )


LOG_SIZE = 50


@login_required
@require_GET
def webhook_detail(request, pk):
    """One endpoint and its delivery log: the latest deliveries, each with every attempt."""
    return _webhook_page(request, _own_endpoint_or_404(request.user, pk))


def _webhook_page(request, endpoint, *, secret=None):
    deliveries = list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related(
            Prefetch("log", queryset=WebhookAttempt.objects.order_by("number", "id"))
        )
        .order_by("-created_at", "-id")[:LOG_SIZE]
    )
    return render(
        request,
        "notifications/webhook_detail.html",
        {"endpoint": endpoint, "deliveries": deliveries, "agency": request.user.agency,
         "secret": secret},
    )


WEBHOOK_ACTIONS = {"rotate", "disable", "enable"}


@never_cache  # the answer to a rotation shows the new secret
@login_required
@require_POST
def webhook_action(request, pk, action):
    endpoint = _own_endpoint_or_404(request.user, pk)
    if action not in WEBHOOK_ACTIONS:
        raise Http404("No such action.")
    if action == "rotate":
        webhooks.endpoint_rotate_secret(endpoint=endpoint, by=request.user)
        # Shown once, in this answer: never parked in the session (stored in the database) for
        # the next page.
        messages.success(request, "A new secret signs every delivery from now on; copy it below.")
        return _webhook_page(request, endpoint, secret=endpoint.secret)
    enable = action == "enable"
    webhooks.endpoint_set_active(endpoint=endpoint, by=request.user, active=enable)
    messages.success(request, f"The webhook is {'enabled' if enable else 'disabled'}.")
    return redirect("webhook-detail", pk=endpoint.pk)
