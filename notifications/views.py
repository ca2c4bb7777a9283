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
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.gate import require_agency_admin
from cases.models import Case
from core.activity import passive
from core.cursors import DATETIME, InvalidCursor, decode_cursor, encode_cursor
from sharing.permissions import cases_visible_to, get_visible_or_404

from . import selectors, services, webhooks
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .selectors import INBOX_KINDS

# The inbox ---------------------------------------------------------------------------------------


BAD_PAGE_LINK = "That page link is not valid; start again from the first page."


@login_required
@require_GET
def inbox(request):
    """The user's notifications, newest first, 20 a page (keyset on (created_at, id)), narrowed
    to one kind or to the unread ones by the filters."""
    status = 200
    choice = _inbox_choice(request.GET)
    if choice is None:
        messages.error(request, "Those filters are not valid; showing every notification.")
        choice, status = {"kind": "", "show": "all", "cursor": ""}, 400
    after = None
    if choice["cursor"]:
        try:
            after = decode_cursor(choice["cursor"], kind=DATETIME)
        except InvalidCursor:
            messages.error(request, BAD_PAGE_LINK)
            status = 400
    rows, last = selectors.inbox_page(
        request.user, after=after, kind=choice["kind"] or None,
        unread_only=choice["show"] == "unread",
    )
    filters = {name: choice[name] for name in ("kind", "show") if choice[name] not in ("", "all")}
    return render(
        request,
        "notifications/inbox.html",
        {
            "rows": rows, "first_page": after is None, "choice": choice, "kinds": INBOX_KINDS,
            "kind_label": INBOX_KINDS.get(choice["kind"]),
            "filters": urlencode(filters),
            "here": urlencode({**filters, **({"cursor": choice["cursor"]} if after else {})}),
            "next_page": urlencode({**filters, "cursor": encode_cursor(*last)}) if last else "",
        },
        status=status,
    )


def _inbox_choice(query):
    """The inbox's filters and cursor from a query string; None when a filter is not one the
    page offers."""
    choice = {
        "kind": query.get("kind", ""), "show": query.get("show", "all") or "all",
        "cursor": query.get("cursor", ""),
    }
    if choice["kind"] and choice["kind"] not in INBOX_KINDS:
        return None
    if choice["show"] not in ("all", "unread"):
        return None
    return choice


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
    """Mark read the notifications ticked on the page (`ids`), or, without any, all of them: all
    of the kind the inbox was narrowed to, when it was. Ids outside the user's inbox are ignored
    as if they did not exist."""
    ticked = request.POST.getlist("ids")
    if request.POST.get("selected") and not ticked:
        messages.error(request, "Tick the notifications to mark read; nothing was marked.")
        return redirect(_back_to_inbox(request))
    if ticked:
        if not all(pk.isascii() and pk.isdigit() and len(pk) < 19 for pk in ticked):
            messages.error(request, "Those notifications are not valid; nothing was marked.")
            return redirect(_back_to_inbox(request))
        marked = services.notification_mark_read(
            user=request.user, notification_ids=[int(pk) for pk in ticked]
        )
    else:
        back = _inbox_choice(QueryDict(request.POST.get("back", ""))) or {}
        marked = services.notification_mark_read(user=request.user, kind=back.get("kind") or None)
    messages.success(request, f"Marked {marked} notification{'s' if marked != 1 else ''} read.")
    return redirect(_back_to_inbox(request))


def _back_to_inbox(request):
    """The inbox page the form was on: its filters and cursor, never anything else."""
    url = reverse("notification-inbox")
    choice = _inbox_choice(QueryDict(request.POST.get("back", "")))
    if choice is None:
        return url
    kept = {name: value for name, value in choice.items() if value not in ("", "all")}
    return f"{url}?{urlencode(kept)}" if kept else url


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


# The most cases one bulk follow takes: a page of the case list, and some room.
BULK_FOLLOW_MAX = 200


@login_required
@require_POST
def case_follow_bulk(request):
    """Follow (or, with following=0, stop following) the cases ticked on the case list. Each
    goes through follow_set, which checks visibility again; an id the agency does not see is
    refused exactly as a missing one: never followed, never named, only counted."""
    back = reverse("case-list")
    query = request.POST.get("back", "")
    if query and query.isprintable() and len(query) < 2000:
        back += "?" + QueryDict(query).urlencode()
    ticked = request.POST.getlist("ids")
    following = request.POST.get("following", "1") != "0"
    if not ticked:
        messages.error(request, "Tick the cases to follow; nothing was changed.")
        return redirect(back)
    if len(ticked) > BULK_FOLLOW_MAX or not all(
        pk.isascii() and pk.isdigit() and len(pk) < 19 for pk in ticked
    ):
        messages.error(request, "Those cases are not valid; nothing was changed.")
        return redirect(back)
    wanted = {int(pk) for pk in ticked}
    cases = list(cases_visible_to(request.user).filter(pk__in=wanted).order_by("id"))
    for case in cases:
        services.follow_set(user=request.user, case=case, following=following)
    missing = len(wanted) - len(cases)
    if cases:
        numbers = ", ".join(case.number for case in cases)
        messages.success(
            request,
            f"You follow {numbers}: new annotations reach your notifications." if following
            else f"You no longer follow {numbers}.",
        )
    if missing:
        messages.error(
            request,
            f"{missing} of the ticked cases {'was' if missing == 1 else 'were'} not found; "
            "nothing was changed for "
            f"{'it' if missing == 1 else 'them'}.",
        )
    return redirect(back)


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
