"""The RFI pages: a request's card (its status, due date, who took it, its buttons) on the RFI's
page and on a page of its own; addressing it; its buttons; and the list of my agency's requests.
The referral pages: referring a case or an item, a referral's page and buttons, and the list.

An RFI is reached through the permission service (get_visible_or_404): for an agency that does
not see it, the request does not exist (404). Who may do what is work.services's to decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import FusionCenter
from audit.services import log_access
from cases.forms import apply_errors
from cases.models import Case, IntelligenceItem
from cases.selectors import share_options
from core.activity import passive
from core.errors import InsufficientLevel, StaleVersion
from core.handling import Level
from sharing.permissions import ShareRefused, get_visible_or_404, level_of

from . import queue, selectors, services
from .forms import ActionForm, AddressForm, ReferForm, ReferralActionForm
from .models import Referral, RfiRequest

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


# Referrals -------------------------------------------------------------------------------------
#
# The referred case or item is reached through the permission service (get_visible_or_404) on
# the refer form; a referral through work.selectors.referral_of, which is a 404 for anyone not
# on it. What the page shows of the referred object depends on whether the reader sees it now.

REFERRAL_ACTIONS = {
    "acknowledge": lambda referral, by, version, data: services.referral_acknowledge(
        referral=referral, by=by, version=version),
    "close": lambda referral, by, version, data: services.referral_close(
        referral=referral, by=by, version=version, outcome=data.get("outcome") or "",
        outcome_text=data.get("outcome_text") or ""),
    "withdraw": lambda referral, by, version, data: services.referral_withdraw(
        referral=referral, by=by, version=version),
}
REFERRED_MODELS = {"case": Case, "item": IntelligenceItem}


def _refer_form(request, obj, data=None):
    options = share_options(request.user, obj)
    centers = FusionCenter.objects.filter(
        pk__in=services.referring_centers(request.user)).order_by("name")
    return ReferForm(data, agencies=options["agencies"], centers=centers)


def _refer(request, kind, pk):
    obj = get_visible_or_404(request.user, REFERRED_MODELS[kind], pk,
                             record_read=request.method == "GET")
    held = level_of(request.user, obj)
    context = {"obj": obj, "obj_kind": kind,
               "back": reverse(f"{kind}-detail", args=[obj.pk])}
    if held < Level.MANAGE:
        if request.method == "POST":
            raise InsufficientLevel("Only the owner agency, or an agency holding manage, refers "
                                    "it: a referral shares it.")
        return render(request, "work/refer.html", context)
    status = 200
    if request.method == "POST":
        form = _refer_form(request, obj, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral = services.refer(
                    obj=obj, by=request.user, agency=data["agency"], due_date=data["due_date"],
                    instructions=data["instructions"], center=data.get("center"))
            except ShareRefused as refusal:
                form.add_error(None, " ".join(refusal.messages))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Referred to {referral.to_agency.name}.")
                return redirect("referral-detail", pk=referral.pk)
        status = 400
    else:
        form = _refer_form(request, obj)
    context["form"] = form
    return render(request, "work/refer.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def refer_case(request, case_id):
    """Refer a case to an agency for action: the form, and making the referral."""
    return _refer(request, "case", case_id)


@login_required
@require_http_methods(["GET", "POST"])
def refer_item(request, item_id):
    """Refer an intelligence item (a tip, a lead, a SAR …) to an agency for action."""
    return _refer(request, "item", item_id)


def referral_context(user, referral):
    side = services.on_referral(user, referral)
    selectors.mark_seen(user, [referral])
    referral.overdue = referral.is_overdue()
    return {"referral": referral, "side": side, "outcomes": Referral.Outcome.choices,
            "can_acknowledge": side == "to" and referral.status == Referral.Status.OPEN,
            "can_close": side == "to" and referral.pending,
            "can_withdraw": side == "from" and referral.pending}


@login_required
@require_GET
def referral_detail(request, pk):
    """A referral: its object (the title only to a reader who sees it), its two agencies, due
    date, instructions, status and outcome, and the buttons of the reader's side."""
    referral = selectors.referral_of(request.user, pk)
    context = referral_context(request.user, referral)
    if referral.sees:  # the record's title and instructions were shown: a read of it
        log_access(action="read", actor=request.user, obj=referral.referred,
                   detail={"referral_id": referral.pk})
    return render(request, "work/referral_detail.html", context)


@login_required
@require_POST
def referral_action(request, pk, referral_action):
    """A referral's button (acknowledge, close, withdraw): back to where it was pressed, saying
    what changed or why not."""
    referral = selectors.referral_of(request.user, pk)
    if referral_action not in REFERRAL_ACTIONS:
        raise Http404("No such referral action.")
    form = ReferralActionForm(request.POST)
    back = (reverse("referral-list") if request.POST.get("back") == "list"
            else reverse("referral-detail", args=[referral.pk]))
    if not form.is_valid():
        messages.error(request, "That button did not say what to do; nothing changed.")
        return redirect(back)
    try:
        changed = REFERRAL_ACTIONS[referral_action](referral, request.user,
                                                    form.cleaned_data["version"],
                                                    form.cleaned_data)
    except StaleVersion:
        messages.error(request, "The referral was changed by someone else since the page was "
                                "shown; nothing changed. Here it is as it is now.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Referral {changed.get_status_display().lower()}.")
    return redirect(back)


@login_required
@require_GET
def referral_list(request):
    """The referrals to my agency, made by it, or made for a center I administer: soonest due
    first, overdue ones marked, a page at a time."""
    choice = {"side": request.GET.get("side") or "all",
              "status": request.GET.get("status") or "pending",
              "overdue": request.GET.get("overdue") == "1"}
    context = {"rows": [], "next_cursor": None, "choice": choice,
               "sides": selectors.REFERRAL_SIDES,
               "statuses": [("pending", "Open or acknowledged"), ("closed", "Closed"),
                            ("withdrawn", "Withdrawn"), ("any", "Any status")],
               "first_page": not request.GET.get("cursor")}
    try:
        context["rows"], context["next_cursor"] = selectors.referrals_page(
            request.user, today=timezone.localdate(), cursor=request.GET.get("cursor"),
            **choice)
    except ValidationError as error:
        context["page_error"] = " ".join(error.messages)
        return render(request, "work/referral_list.html", context, status=400)
    # What the page released of the referred objects: those the reader sees, by kind.
    for object_type, field in (("case", "case_id"), ("intelligenceitem", "item_id")):
        shown = [getattr(row, field) for row in context["rows"] if row.sees and getattr(row, field)]
        if shown:
            log_access(action="list", actor=request.user, object_ids=shown,
                       object_type=object_type, detail={"list": "referrals"})
    query = request.GET.copy()
    query.pop("cursor", None)
    context["query"] = query.urlencode()
    return render(request, "work/referral_list.html", context)
