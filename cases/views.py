"""Thin browser views: parse input, call a selector or service, render.

Every case and item is fetched through sharing.permissions (get_visible_or_404): what an
agency may not see is a 404, the same as what does not exist. A page that changes
something checks the level inside the service; a viewer asking to edit gets a 403 only for
objects it can already see.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import Agency, FusionCenter
from audit.services import log_access
from core.errors import InsufficientLevel
from core.handling import TLP, Level
from sharing.models import Share
from sharing.permissions import (
    cases_visible_to,
    get_child_or_404,
    get_visible_or_404,
    level_of,
    require_level,
)
from sharing.services import unshare

from . import search as portal_search
from . import services
from .filters import CaseFilter, ItemFilter
from .forms import (
    AnnotationEditForm,
    AnnotationForm,
    AttachmentForm,
    CaseCreateForm,
    CaseEditForm,
    ItemEditForm,
    ItemForm,
    JurisdictionForm,
    SearchForm,
    ShareForm,
    SubjectForm,
    apply_errors,
)
from .models import Annotation, Attachment, Case, IntelligenceItem
from .selectors import (
    CASE_SORTS,
    SORTS,
    access_log_of,
    annotations_of,
    case_detail_parts,
    case_list_queryset,
    item_detail_parts,
    item_list_queryset,
    share_options,
    shares_of,
    shares_seen_by,
    sorted_page,
)
from .usmap import map_tiles, viewbox

HANDLING_RULES = {
    TLP.CLEAR: "Disclosure is not limited: may be shared anywhere, including network-wide.",
    TLP.GREEN: "Limited to the community: may be shared with any agency of the network, "
    "not published.",
    TLP.AMBER: "Limited disclosure: recipients may share it on only within their own "
    "fusion center(s), on a need-to-know basis.",
    TLP.AMBER_STRICT: "Limited disclosure, restricted to the recipient's own agency: "
    "no onward sharing.",
    TLP.RED: "For the eyes of the named agencies only: the owner shares it; no recipient "
    "may share it on.",
}
LES_RULE = "Law Enforcement Sensitive: for law-enforcement use only; not for public release."

MODELS = {"case": Case, "item": IntelligenceItem}

logger = logging.getLogger(__name__)


def handling_context(obj):
    return {"handling_rule": HANDLING_RULES.get(obj.tlp, ""), "les_rule": LES_RULE}


def _invalid_page(request, template, context, error):
    messages.error(request, " ".join(error.messages))
    return render(request, template, context, status=400)


# Lists ---------------------------------------------------------------------------------------


def _list_page(request, *, filterset, sorts, template, extra, decorate=None):
    """A filtered, sorted list a page at a time (no COUNT, no OFFSET), and its access-log row."""
    sort = request.GET.get("sort") or "updated"
    context = {
        "filter": filterset,
        "sort": sort,
        "sorts": [(k, v[2]) for k, v in sorts.items()],
        "rows": [],
        "next_cursor": None,
        **extra,
    }
    params = request.GET.copy()
    params.pop("cursor", None)
    context["query_without_cursor"] = params.urlencode()
    if not filterset.is_valid():
        return render(request, template, context, status=400)
    try:
        rows, next_cursor = sorted_page(
            filterset.qs, sort=sort, cursor=request.GET.get("cursor"), sorts=sorts
        )
    except ValidationError as error:
        return _invalid_page(request, template, context, error)
    if decorate is not None:
        decorate(request, rows)
    context.update(rows=rows, next_cursor=next_cursor, first_page=not request.GET.get("cursor"))
    if rows:
        log_access(
            action="list",
            actor=request.user,
            object_ids=[row.pk for row in rows],
            detail={
                "list": extra["list_name"],
                "filters": {k: v for k, v in request.GET.items() if k != "cursor" and v},
            },
        )
    return render(request, template, context)


@login_required
@require_GET
def case_list(request):
    """The cases the user's agency may see, filtered and sorted, a page at a time."""
    filterset = CaseFilter(request.GET, queryset=case_list_queryset(request.user), request=request)
    return _list_page(
        request,
        filterset=filterset,
        sorts=CASE_SORTS,
        template="cases/case_list.html",
        extra={"list_name": "cases"},
    )


home = case_list


@login_required
@require_GET
def item_list(request):
    """The intelligence items the user's agency may see, filtered and sorted."""
    filterset = ItemFilter(request.GET, queryset=item_list_queryset(request.user), request=request)
    return _list_page(
        request,
        filterset=filterset,
        sorts=SORTS,
        template="cases/item_list.html",
        extra={"list_name": "items", "kinds": IntelligenceItem.Kind.choices},
        decorate=_with_visible_cases,
    )


def _with_visible_cases(request, items):
    """Give each item its case only where the agency sees that case too (one query a page)."""
    case_ids = {item.case_id for item in items if item.case_id}
    cases = (
        {c.pk: c for c in cases_visible_to(request.user).filter(pk__in=case_ids)}
        if case_ids
        else {}
    )
    for item in items:
        item.visible_case = cases.get(item.case_id)


# Case page -----------------------------------------------------------------------------------


def _object_page_context(user, obj, kind, forms):
    """What a case page and an item page both show: the reader's level, what it allows, the
    forms (a refused one comes back with its errors) and, for the owner, the access log."""
    level = level_of(user, obj)
    options = share_options(user, obj, held=level)
    context = {
        kind: obj,
        "obj": obj,
        "obj_kind": kind,
        "level": level,
        "level_label": Level(level).label,
        "is_owner": level == Level.OWNER,
        "can_annotate": level >= Level.ANNOTATE,
        "can_edit": level >= Level.EDIT,
        "can_share": bool(options["levels"]),
        "share_options": options,
        "annotation_form": forms.get("annotation_form") or AnnotationForm(),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "subject_form": forms.get("subject_form") or SubjectForm(),
        "share_form": forms.get("share_form") or ShareForm(options=options),
        "urls": _object_urls(kind, obj.pk),
        **handling_context(obj),
    }
    if context["is_owner"]:
        context["access_log"] = access_log_of(obj)
    return context


def _case_page(request, case, *, status=200, **forms):
    context = _object_page_context(request.user, case, "case", forms)
    context["jurisdiction_form"] = forms.get("jurisdiction_form") or JurisdictionForm()
    context.update(case_detail_parts(case, request.user))
    states = {j.state for j in context["jurisdictions"]}
    context["map_tiles"] = map_tiles(states)
    context["map_viewbox"] = viewbox()
    context["states"] = sorted(states)
    return render(request, "cases/case_detail.html", context, status=status)


def _object_urls(kind, pk):
    prefix = "case" if kind == "case" else "item"
    return {
        "detail": reverse(f"{prefix}-detail", args=[pk]),
        "annotate": reverse(f"{prefix}-annotate", args=[pk]),
        "attach": reverse(f"{prefix}-attach", args=[pk]),
        "share": reverse(f"{prefix}-share", args=[pk]),
        "subject": reverse(f"{prefix}-subject", args=[pk]),
        "edit": reverse(f"{prefix}-edit", args=[pk]),
    }


@login_required
@require_GET
def case_detail(request, pk):
    case = get_visible_or_404(
        request.user, Case, pk, queryset=Case.objects.select_related("owner", "lead_center")
    )
    return _case_page(request, case)


def _visible(request, model, pk):
    return get_visible_or_404(request.user, model, pk, record_read=False)


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request):
    form = CaseCreateForm(request.POST or None, initial=_create_initial(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_create(
                by=request.user,
                number=data["number"],
                title=data["title"],
                summary=data["summary"],
                lead_center=data["lead_center"],
                tlp=data["tlp"],
                les=data["les"],
                jurisdictions=[{"state": s} for s in data["states"]],
                share_with_involved_centers=data["share_with_involved_centers"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Case {case.number} opened.")
            return redirect("case-detail", pk=case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/case_form.html", {"form": form, "creating": True}, status=status)


def _create_initial(user):
    agency = getattr(user, "agency", None)
    if agency is None:
        return {}
    center = (
        FusionCenter.objects.filter(memberships__agency=agency, memberships__status="active")
        .order_by("kind", "name")
        .first()
    )
    return {
        "lead_center": center.pk if center else None,
        "states": agency.home_state,
        "tlp": TLP.AMBER,
    }


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request, pk):
    case = get_visible_or_404(request.user, Case, pk, record_read=request.method == "GET")
    held = require_level(request.user, case, Level.EDIT)
    owner = held == Level.OWNER
    if request.method == "GET":
        form = CaseEditForm.for_case(case, owner=owner)
        return render(
            request,
            "cases/case_form.html",
            {"form": form, "case": case, "obj": case, **handling_context(case)},
        )
    form = CaseEditForm(request.POST, owner=owner)
    if form.is_valid():
        try:
            services.case_update(
                case=case,
                by=request.user,
                version=form.cleaned_data["version"],
                **form.changes(request.POST),
            )
        except services.StaleVersion as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Case updated.")
            return redirect("case-detail", pk=case.pk)
    return render(
        request,
        "cases/case_form.html",
        {"form": form, "case": case, "obj": case, "stale_current": case, **handling_context(case)},
        status=400,
    )


@login_required
@require_POST
def case_jurisdiction_add(request, pk):
    case = _visible(request, Case, pk)
    form = JurisdictionForm(request.POST)
    if form.is_valid():
        try:
            place, new_state = services.jurisdiction_add(
                case=case, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if new_state:
                states = sorted(set(case.jurisdictions.values_list("state", flat=True)))
                messages.success(
                    request,
                    f"Added {place}. The case now touches {', '.join(states)}"
                    + ("; it spans state lines." if len(states) > 1 else "."),
                )
            else:
                messages.success(request, f"Added {place}.")
            return redirect(reverse("case-detail", args=[case.pk]) + "#places")
    return _case_page(request, case, status=400, jurisdiction_form=form)


@login_required
@require_POST
def case_jurisdiction_remove(request, pk, jurisdiction_pk):
    case = _visible(request, Case, pk)
    place = case.jurisdictions.filter(pk=jurisdiction_pk).first()
    if place is None:
        raise Http404("No such jurisdiction on this case.")
    services.jurisdiction_remove(jurisdiction=place, by=request.user)
    messages.success(request, f"Removed {place}.")
    return redirect(reverse("case-detail", args=[case.pk]) + "#places")


# What cases and items share: annotations, subjects, attachments, shares -------------------------


def _target(request, kind, pk):
    return _visible(request, MODELS[kind], pk)


def _page_with_errors(request, kind, obj, **forms):
    if kind == "case":
        return _case_page(request, obj, status=400, **forms)
    return _item_page(request, obj, status=400, **forms)


def _thread_context(request, obj, kind, form=None):
    level = level_of(request.user, obj)
    return {
        "obj": obj,
        "obj_kind": kind,
        "annotations": annotations_of(**{kind: obj}),
        "can_annotate": level is not None and level >= Level.ANNOTATE,
        "annotation_form": form or AnnotationForm(),
        "urls": _object_urls(kind, obj.pk),
    }


@login_required
@require_POST
def annotate(request, pk, kind):
    obj = _target(request, kind, pk)
    form = AnnotationForm(request.POST)
    if form.is_valid():
        try:
            note = services.annotation_add(
                by=request.user, body=form.cleaned_data["body"], **{kind: obj}
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if request.htmx:
                return render(request, "cases/_thread.html", _thread_context(request, obj, kind))
            messages.success(request, "Annotation added.")
            return redirect(_object_urls(kind, obj.pk)["detail"] + f"#note-{note.pk}")
    if request.htmx:
        return render(
            request, "cases/_thread.html", _thread_context(request, obj, kind, form), status=400
        )
    return _page_with_errors(request, kind, obj, annotation_form=form)


def _annotation_and_target(request, pk):
    note, target = get_child_or_404(
        request.user, Annotation, pk,
        queryset=Annotation.objects.select_related("author", "agency"),
    )
    return note, "case" if note.case_id else "item", target


@login_required
@require_GET
def annotation_show(request, pk):
    """One annotation as the thread shows it (what 'Cancel' of an in-place edit puts back)."""
    note, kind, target = _annotation_and_target(request, pk)
    if not request.htmx:
        return redirect(_object_urls(kind, target.pk)["detail"] + f"#note-{note.pk}")
    level = level_of(request.user, target)
    return render(
        request,
        "cases/_note.html",
        {
            "note": note,
            "can_annotate": level >= Level.ANNOTATE,
            "obj": target,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def annotation_edit(request, pk):
    """Edit one's own annotation in place. A stale edit is refused; the typed text is kept."""
    note, kind, target = _annotation_and_target(request, pk)
    require_level(request.user, target, Level.ANNOTATE)
    if note.author_id != request.user.id:
        raise InsufficientLevel("Only the author of an annotation can edit it.")
    template = "cases/_note_form.html" if request.htmx else "cases/annotation_edit.html"
    # Ids of its own: the form replaces the note in a page that has the add-note form too.
    ids = f"id_note{note.pk}_%s"
    context = {
        "note": note,
        "obj": target,
        "obj_kind": kind,
        "detail_url": _object_urls(kind, target.pk)["detail"],
    }
    if request.method == "GET":
        context["form"] = AnnotationEditForm(
            initial={"body": note.body, "version": note.version}, auto_id=ids
        )
        return render(request, template, context)
    form = AnnotationEditForm(request.POST, auto_id=ids)
    context["form"] = form
    if form.is_valid():
        try:
            note = services.annotation_edit(
                annotation=note,
                by=request.user,
                version=form.cleaned_data["version"],
                body=form.cleaned_data["body"],
            )
        except services.StaleVersion as error:
            # Keep what the analyst typed; show what the note says now, and let them retry
            # against the current version.
            current = error.obj
            context["stale"] = current
            context["form"] = AnnotationEditForm(
                initial={"body": form.cleaned_data["body"], "version": current.version},
                auto_id=ids,
            )
            context["stale_message"] = str(error)
            return render(request, template, context, status=409)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if request.htmx:
                note = Annotation.objects.select_related("author", "agency").get(pk=note.pk)
                return render(
                    request,
                    "cases/_note.html",
                    {"note": note, "can_annotate": True, "obj": target, "just_saved": True},
                )
            messages.success(
                request, "Annotation updated; the earlier text is kept in its history."
            )
            return redirect(context["detail_url"] + f"#note-{note.pk}")
    return render(request, template, context, status=400)


@login_required
@require_POST
def subject_add(request, pk, kind):
    obj = _target(request, kind, pk)
    form = SubjectForm(request.POST)
    if form.is_valid():
        try:
            entity = services.entity_link(
                by=request.user,
                kind=form.cleaned_data["kind"],
                label=form.entity_label(),
                role=form.cleaned_data["role"],
                **{kind: obj},
                **form.entity_values(),
            )
        except ValidationError as error:
            # A key that cannot be normalised names the problem; it belongs to the value.
            if hasattr(error, "error_dict"):
                apply_errors(form, error)
            else:
                form.add_error("value", error)
        else:
            messages.success(request, f"Linked {entity}.")
            return redirect(_object_urls(kind, obj.pk)["detail"] + "#subjects")
    return _page_with_errors(request, kind, obj, subject_form=form)


@login_required
@require_POST
def attach(request, pk, kind):
    obj = _target(request, kind, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                by=request.user, uploaded_file=form.cleaned_data["file"], **{kind: obj}
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"Attached {attachment.filename} (SHA-256 {attachment.sha256[:12]}…)."
            )
            return redirect(_object_urls(kind, obj.pk)["detail"] + f"#file-{attachment.pk}")
    return _page_with_errors(request, kind, obj, attachment_form=form)


@login_required
@require_GET
def attachment_download(request, pk):
    """Stream an attachment after the permission check on its case or item; log the download."""
    attachment, target = get_child_or_404(request.user, Attachment, pk)
    try:
        stored = attachment.file.open("rb")
    except FileNotFoundError:
        logger.error("Attachment %s is missing from storage (%s)", attachment.pk, attachment.file.name)
        return HttpResponse(
            "The file of this attachment is missing from storage. Its record and SHA-256 are "
            "kept; tell your agency admin so it can be restored from backup.",
            status=410, content_type="text/plain; charset=utf-8",
        )
    log_access(
        action="download",
        actor=request.user,
        obj=target,
        detail={"attachment_id": attachment.pk, "sha256": attachment.sha256},
    )
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def share_dialog(request, pk, kind):
    """Share a case or item: offers only the recipients and levels the handling rules allow."""
    obj = get_visible_or_404(request.user, MODELS[kind], pk, record_read=False)
    held = level_of(request.user, obj)
    options = share_options(request.user, obj, held=held)
    context = {
        "obj": obj,
        "obj_kind": kind,
        "options": options,
        "urls": _object_urls(kind, obj.pk),
        **handling_context(obj),
    }
    if not options["levels"]:
        context["form"] = None
        return render(
            request, "cases/share.html", context, status=403 if request.method == "POST" else 200
        )
    form = ShareForm(request.POST or None, options=options)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            recipient = _recipient(form)
            record = services.share_grant(
                obj=obj, by=request.user, level=form.cleaned_data["level"], **recipient
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Shared with {record.recipient_label} ({Level(record.level).label.lower()}).",
            )
            return redirect(_object_urls(kind, obj.pk)["detail"] + "#sharing")
    status = 400 if request.method == "POST" else 200
    if request.method == "GET" or not request.htmx:
        context["shares"] = shares_seen_by(request.user, shares_of(obj), held == Level.OWNER)
    return render(request, "cases/share.html", context, status=status)


def _recipient(form):
    """The share target that the form names: a picked option or an agency typed by ORI."""
    choice = form.cleaned_data.get("recipient")
    if choice == "network":
        return {"target": Share.Target.NETWORK}
    if choice:
        kind, _, pk = choice.partition(":")
        if kind == "agency":
            return {"target": Share.Target.AGENCY, "agency": Agency.objects.get(pk=int(pk))}
        return {"target": Share.Target.CENTER, "center": FusionCenter.objects.get(pk=int(pk))}
    ori = form.cleaned_data["ori"].strip().upper()
    agency = Agency.objects.filter(ori=ori).first()
    if agency is None:
        raise ValidationError({"ori": f"No agency has the ORI {ori}."})
    return {"target": Share.Target.AGENCY, "agency": agency}


@login_required
@require_POST
def share_withdraw(request, share_pk):
    record, obj = get_child_or_404(request.user, Share, share_pk)
    kind = "case" if record.case_id else "item"
    unshare(share_record=record, by=request.user)
    messages.success(request, f"Withdrew the share with {record.recipient_label}.")
    return redirect(_object_urls(kind, obj.pk)["detail"] + "#sharing")


# Intelligence items --------------------------------------------------------------------------


def _item_page(request, item, *, status=200, **forms):
    context = _object_page_context(request.user, item, "item", forms)
    context.update(item_detail_parts(item, request.user))
    return render(request, "cases/item_detail.html", context, status=status)


@login_required
@require_GET
def item_detail(request, pk):
    item = get_visible_or_404(
        request.user,
        IntelligenceItem,
        pk,
        queryset=IntelligenceItem.objects.select_related("owner"),
    )
    return _item_page(request, item)


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request):
    """A new tip, SAR, RFI, bulletin or report; or, with ?in_response_to=, a response to an RFI."""
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
    form = ItemForm(request.POST or None, cases=cases, response=rfi is not None, initial=initial)
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
            messages.success(request, f"{item.get_kind_display()} created.")
            return redirect("item-detail", pk=item.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "cases/item_form.html", {"form": form, "creating": True, "rfi": rfi}, status=status
    )


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
    form = ItemEditForm(request.POST, owner=owner)
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


# Search --------------------------------------------------------------------------------------


@login_required
@require_GET
def search(request):
    """One box over the cases, items, annotations and subjects the user's agency may see."""
    form = SearchForm(request.GET or None)
    context = {"form": form, "results": None}
    if form.is_valid() and form.cleaned_data["q"]:
        try:
            results = portal_search.search(request.user, form.cleaned_data["q"])
        except ValidationError as error:
            form.add_error("q", error)
            return render(request, "cases/search.html", context, status=400)
        context["results"] = results
        ids = [c.pk for c in results.cases] + [i.pk for i in results.items]
        log_access(
            action="list",
            actor=request.user,
            object_ids=ids,
            detail={
                "list": "search",
                "query": results.text,
                "cases": [c.pk for c in results.cases],
                "items": [i.pk for i in results.items],
            },
        )
    elif request.GET and not form.is_valid():
        return render(request, "cases/search.html", context, status=400)
    return render(request, "cases/search.html", context)
