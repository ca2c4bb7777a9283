"""The RFI pages: a request's card (its status, due date, who took it, its buttons) on the RFI's
page and on a page of its own; addressing it; its buttons; and the list of my agency's requests.

An RFI is reached through the permission service (get_visible_or_404): for an agency that does
not see it, the request does not exist (404). Who may do what is work.services's to decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from audit.services import log_access
from cases.forms import apply_errors
from cases.models import IntelligenceItem
from core.activity import passive
from core.errors import InsufficientLevel, StaleVersion
from core.handling import Level
from sharing.permissions import ShareRefused, get_visible_or_404, level_of

from . import queue, selectors, services
from .forms import ActionForm, AddressForm
from .models import RfiRequest

ACTIONS = {"take": services.rfi_take, "close": services.rfi_close, "reopen": services.rfi_reopen}


def _rfi(request, pk, *, record_read=True):
    rfi = get_visible_or_404(
        request.user, IntelligenceItem, pk, record_read=record_read,
        queryset=IntelligenceItem.objects.select_related("owner"))
    if rfi.kind != IntelligenceItem.Kind.RFI:
        raise Http404("No request for information here.")
    return rfi


def card_context(request, rfi, *, form=None):
    """What a request's card shows the user, and which buttons."""
    rfi_request = selectors.request_of(request.user, rfi)
    asker = level_of(request.user, rfi) == Level.OWNER
    context = {"rfi": rfi, "rfi_request": rfi_request, "asker": asker,
               "today": timezone.localdate()}
    if rfi_request is None:
        context["address_form"] = form or (AddressForm() if asker else None)
        return context
    rfi_request.overdue = rfi_request.is_overdue()
    pending = rfi_request.status in RfiRequest.PENDING_STATUSES
    context.update(
        can_take=pending and rfi_request.taken_by_id is None
        and services.on_addressed_side(request.user, rfi_request),
        can_answer=pending and services.on_addressed_side(request.user, rfi_request),
        can_close=asker and rfi_request.status != RfiRequest.Status.CLOSED,
        can_reopen=asker and not pending,
    )
    return context


@login_required
@require_GET
def rfi_card(request, pk):
    """The request's card: loaded by the RFI's page after it (htmx), or a page of its own."""
    rfi = _rfi(request, pk, record_read=not request.htmx)
    context = card_context(request, rfi)
    if request.htmx:
        return render(request, "work/_rfi_card.html", context)
    return render(request, "work/rfi_detail.html", context)


@login_required
@require_POST
def rfi_address(request, pk):
    rfi = _rfi(request, pk, record_read=False)
    form = AddressForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.rfi_address(rfi=rfi, by=request.user, agency=data["agency"],
                                 center=data["center"], due_date=data["due_date"])
        except InsufficientLevel:
            raise
        except ShareRefused as refusal:
            form.add_error(None, " ".join(refusal.messages))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Request addressed to {(data['agency'] or data['center'])}.")
            return redirect("rfi-detail", pk=rfi.pk)
    return render(request, "work/rfi_detail.html", card_context(request, rfi, form=form),
                  status=400)


@login_required
@require_POST
def rfi_action(request, pk, rfi_action):
    """A request's button (take, close, reopen): back to where it was pressed, saying what
    changed or why not."""
    rfi = _rfi(request, pk, record_read=False)
    rfi_request = selectors.request_of(request.user, rfi)
    action = rfi_action
    if rfi_request is None or action not in ACTIONS:
        raise Http404("No such request.")
    form = ActionForm(request.POST)
    back = {"list": reverse("rfi-list"), "item": reverse("item-detail", args=[rfi.pk])}.get(
        request.POST.get("back"), reverse("rfi-detail", args=[rfi.pk]))
    if not form.is_valid():
        messages.error(request, "That button did not say what to do; nothing changed.")
        return redirect(back)
    extra = {}
    if action == "reopen" and form.cleaned_data.get("due_date"):
        extra["due_date"] = form.cleaned_data["due_date"]
    try:
        changed = ACTIONS[action](request=rfi_request, by=request.user,
                                  version=form.cleaned_data["version"], **extra)
    except StaleVersion:
        messages.error(request, "The request was changed by someone else since the page was "
                                "shown; nothing changed. Here it is as it is now.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Request {changed.get_status_display().lower()}.")
    return redirect(back)


@login_required
@require_GET
def rfi_list(request):
    """The requests addressed to me, my agency or my centers, and those my agency asked: soonest
    due first, overdue ones marked, a page at a time."""
    choice = {"side": request.GET.get("side") or "all",
              "status": request.GET.get("status") or "pending",
              "overdue": request.GET.get("overdue") == "1"}
    context = {"rows": [], "next_cursor": None, "choice": choice, "sides": selectors.SIDES,
               "statuses": [("pending", "Pending"), ("answered", "Answered"),
                            ("closed", "Closed"), ("any", "Any status")],
               "first_page": not request.GET.get("cursor")}
    try:
        context["rows"], context["next_cursor"] = selectors.requests_page(
            request.user, today=timezone.localdate(), cursor=request.GET.get("cursor"),
            **choice)
    except ValidationError as error:
        context["page_error"] = " ".join(error.messages)
        return render(request, "work/rfi_list.html", context, status=400)
    if context["rows"]:
        log_access(action="list", actor=request.user,
                   object_ids=[row.rfi_id for row in context["rows"]],
                   object_type="intelligenceitem", detail={"list": "requests for information"})
    query = request.GET.copy()
    query.pop("cursor", None)
    context["query"] = query.urlencode()
    return render(request, "work/rfi_list.html", context)


@passive
@login_required
@require_GET
def my_work_count(request):
    """The navigation's My work link with how many things are the user's to do (fetched by htmx
    after the page, and refreshed, as the unread count is): one count per source of the queue."""
    count = queue.my_work_count(request.user, today=timezone.localdate())
    return render(request, "work/_nav_work_count.html", {"my_work_count": count})
