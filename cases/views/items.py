"""The intelligence item page, creating an item (or a response to an RFI) and editing it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies import services as agency_services
from agencies.selectors import control_officials
from core.errors import InsufficientLevel
from core.handling import TLP, Level
from sharing.permissions import cases_visible_to, get_visible_or_404, require_level

from .. import intelligence as cfr23
from .. import selectors, services
from ..forms import (
    AutoPurgeForm,
    ItemEditForm,
    ItemIntelligenceForm,
    PurgeForm,
    ReviewForm,
    ValidateForm,
    apply_errors,
)
from ..models import Annotation, Attachment, IntelligenceItem, ItemEntity
from .pages import handling_context, item_page, no_agency


@login_required
@require_GET
def item_detail(request, pk):
    try:
        item = get_visible_or_404(
            request.user,
            IntelligenceItem,
            pk,
            queryset=IntelligenceItem.objects.select_related(
                "owner", "created_by", "control_official", "reviewed_by"
            ),
        )
    except Http404:
        return purged_tombstone(request, pk)
    return item_page(request, item)


def purged_tombstone(request, pk):
    """A purged record is seen by nobody; its own agency is shown its tombstone (410 Gone):
    what it was, when, by whom and why it was purged. Anyone else gets the 404 of a record they
    never saw."""
    tombstone = (
        IntelligenceItem.objects.select_related("owner", "purged_by", "control_official")
        .filter(pk=pk, intelligence_status=cfr23.Status.PURGED,
                owner_id=request.user.agency_id or -1)
        .first()
    )
    if tombstone is None:
        raise Http404("No intelligence item matches the given query.")
    return render(request, "cases/item_purged.html", {"item": tombstone}, status=410)


@login_required
@require_http_methods(["GET", "POST"])
def item_purge(request, pk):
    """A reviewer purges a record (cases.services.item_purge): the page says what is destroyed
    and who is told, and asks for the reason; nothing happens on GET."""
    item = get_visible_or_404(request.user, IntelligenceItem, pk, record_read=False,
                              queryset=IntelligenceItem.objects.select_related("owner"))
    if not (require_level(request.user, item, Level.VIEW) == Level.OWNER
            and request.user.intelligence_reviewer):
        raise InsufficientLevel("Only a criminal intelligence reviewer of the submitting agency "
                                "purges its records (28 CFR 23.20(h)).")
    form = PurgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            purged = services.item_purge(item=item, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            told = purged.agencies_told
            messages.success(
                request, f"Item #{purged.pk} purged: its content, files and subject links are "
                f"destroyed; " + (
                    "it had reached no other agency." if told == 0 else
                    "the 1 agency it reached was told to destroy its copies." if told == 1 else
                    f"the {told} agencies it reached were told to destroy their copies."),
            )
            return redirect("review-queue")
    context = {
        "item": item, "obj": item, "form": form,
        "annotations": Annotation.objects.filter(item=item).count(),
        "attachments": Attachment.objects.filter(item=item).count(),
        "subjects": ItemEntity.objects.filter(item=item).count(),
        "reached": len(services.agencies_reached(item)),
        **handling_context(item),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/item_purge.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request):
    """A new tip, SAR, RFI, bulletin or report; or, with ?in_response_to=, a response to an RFI."""
    if request.user.agency_id is None:
        return no_agency(request, "create an intelligence item")
    source = request.POST if request.method == "POST" else request.GET
    rfi = None
    if source.get("in_response_to"):
        rfi = get_visible_or_404(
            request.user, IntelligenceItem, source.get("in_response_to"), record_read=False
        )
        if rfi.kind != IntelligenceItem.Kind.RFI:
            raise Http404("Only a request for information takes responses.")
    cases = cases_visible_to(request.user).order_by("-updated_at")
    initial = {"tlp": rfi.tlp if rfi else TLP.AMBER, "les": rfi.les if rfi else False}
    if request.GET.get("case"):
        initial["case"] = request.GET["case"]
    if request.GET.get("kind"):
        initial["kind"] = request.GET["kind"]
    if rfi is not None:
        initial["title"] = f"Re: {rfi.title}"
    form = ItemIntelligenceForm(
        request.POST or None, cases=cases, response=rfi is not None, initial=initial,
        officials=control_officials(request.user.agency),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.item_create(
                by=request.user,
                kind=IntelligenceItem.Kind.RFI_RESPONSE if rfi else data["kind"],
                title=data["title"],
                body=data["body"],
                tlp=data["tlp"],
                les=data["les"],
                case=data["case"],
                in_response_to=rfi,
                review_by=data["review_by"],
                behaviours=data.get("behaviours", []),
                **form.labels(),
            )
        except InsufficientLevel as error:
            form.add_error("case", str(error))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if item.share_back_refusal:
                messages.warning(
                    request, f"Not shared with {rfi.owner.name}: {item.share_back_refusal}"
                )
            elif rfi is not None and rfi.owner_id != request.user.agency_id:
                messages.info(request, f"Shared with {rfi.owner.name}, who asked (view).")
            if item.is_pending_review:
                messages.info(
                    request, "Kept as information pending review: your agency sees it, and a "
                    "reviewer accepts it as criminal intelligence or rejects it (28 CFR Part 23).",
                )
            messages.success(request, f"{item.get_kind_display()} created.")
            return redirect("item-detail", pk=item.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "cases/item_form.html", {"form": form, "creating": True, "rfi": rfi}, status=status
    )


@login_required
@require_POST
def item_review(request, pk):
    """A reviewer accepts or rejects information pending review (cases.services.item_review);
    a refused decision comes back on the item's page with its errors."""
    item = get_visible_or_404(request.user, IntelligenceItem, pk, record_read=False)
    form = ReviewForm(request.POST, officials=control_officials(request.user.agency))
    if form.is_valid():
        data = form.cleaned_data
        try:
            reviewed = services.item_review(
                item=item, by=request.user, decision=data["decision"], reason=data["reason"],
                review_by=data["review_by"], **form.labels(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if reviewed.is_intelligence:
                messages.success(request, "Accepted as criminal intelligence.")
            else:
                messages.success(request, "Rejected: it is not criminal intelligence and is not shared.")
            if reviewed.share_back_refusal:
                messages.warning(
                    request, f"Not shared with the agency that asked: {reviewed.share_back_refusal}"
                )
            return redirect("item-detail", pk=item.pk)
    return item_page(request, item, status=400, review_form=form)


@login_required
@require_POST
def item_validate(request, pk):
    """A reviewer validates criminal intelligence (cases.services.item_validate)."""
    item = get_visible_or_404(request.user, IntelligenceItem, pk, record_read=False)
    form = ValidateForm(request.POST, officials=control_officials(request.user.agency),
                        needs_labels=item.predicate_missing)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.item_validate(item=item, by=request.user, reason=data["reason"],
                                   review_by=data["review_by"], **form.labels())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Validated; its next review date is set.")
            return redirect("item-detail", pk=item.pk)
    return item_page(request, item, status=400, validate_form=form)


@login_required
@require_GET
def review_queue(request):
    """28 CFR 23.20(h): the agency's criminal intelligence due for review, and its information
    pending review."""
    if request.user.agency_id is None:
        raise Http404("No agency.")
    return _review_queue_page(request)


def _review_queue_page(request, auto_purge_form=None, status=200):
    queue = selectors.review_queue(request.user.agency, today=timezone.localdate())
    queue["auto_purge_form"] = auto_purge_form or AutoPurgeForm(
        initial={"enabled": "0" if request.user.agency.auto_purge_overdue else "1"})
    return render(request, "cases/review_queue.html", queue, status=status)


@login_required
@require_POST
def review_queue_auto_purge(request):
    """An agency admin turns the automatic purge of overdue records on or off
    (agencies.services.agency_set_auto_purge)."""
    if request.user.agency_id is None:
        raise Http404("No agency.")
    form = AutoPurgeForm(request.POST)
    if form.is_valid():
        try:
            agency = agency_services.agency_set_auto_purge(
                agency=request.user.agency, by=request.user,
                enabled=form.cleaned_data["enabled"], reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The automatic purge of overdue records is "
                             f"{'on' if agency.auto_purge_overdue else 'off'}.")
            return redirect("review-queue")
    return _review_queue_page(request, auto_purge_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk):
    item = get_visible_or_404(
        request.user, IntelligenceItem, pk, record_read=request.method == "GET"
    )
    held = require_level(request.user, item, Level.EDIT)
    owner = held == Level.OWNER
    if request.method == "GET":
        return render(
            request,
            "cases/item_form.html",
            {
                "form": ItemEditForm.for_item(item, owner=owner),
                "item": item,
                "obj": item,
                **handling_context(item),
            },
        )
    form = ItemEditForm(request.POST, owner=owner,
                        sar_report=item.kind == IntelligenceItem.Kind.SAR)
    if form.is_valid():
        try:
            services.item_update(
                item=item, by=request.user, version=form.cleaned_data["version"], **form.changes()
            )
        except services.StaleVersion as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Item updated.")
            return redirect("item-detail", pk=item.pk)
    return render(
        request,
        "cases/item_form.html",
        {"form": form, "item": item, "obj": item, **handling_context(item)},
        status=400,
    )
