"""The case page, opening and editing a case, and its jurisdictions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import FusionCenter
from core.handling import TLP, Level
from sharing.permissions import get_visible_or_404, require_level

from .. import services
from ..forms import CaseCreateForm, CaseEditForm, JurisdictionForm, apply_errors
from ..models import Case
from ..selectors import case_timeline_page
from .pages import case_page, handling_context, no_agency, object_urls, visible


@login_required
@require_GET
def case_detail(request, pk):
    case = get_visible_or_404(
        request.user, Case, pk, queryset=Case.objects.select_related("owner", "lead_center")
    )
    return case_page(request, case)


@login_required
@require_GET
def case_timeline_earlier(request, pk):
    """The case's timeline from `cursor` on, a page of entries, newest first. With htmx: the
    entries and the next "Earlier" button, in place of the one pressed; without: a page of
    their own, whose "Earlier" is a plain link to the next."""
    case = get_visible_or_404(request.user, Case, pk)
    context = {
        "case": case,
        "obj": case,
        "urls": object_urls("case", case.pk),
        "timeline_entries": [],
        "timeline_next": None,
        **handling_context(case),
    }
    status = 200
    try:
        context["timeline_entries"], context["timeline_next"] = case_timeline_page(
            case=case, reader=request.user, cursor=request.GET.get("cursor")
        )
    except ValidationError as error:
        context["page_error"] = " ".join(error.messages)
        status = 400
    template = "cases/_timeline_page.html" if request.htmx else "cases/timeline_page.html"
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request):
    if request.user.agency_id is None:
        return no_agency(request, "open a case")
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
    case = visible(request, Case, pk)
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
    return case_page(request, case, status=400, jurisdiction_form=form)


@login_required
@require_POST
def case_jurisdiction_remove(request, pk, jurisdiction_pk):
    case = visible(request, Case, pk)
    place = case.jurisdictions.filter(pk=jurisdiction_pk).first()
    if place is None:
        raise Http404("No such jurisdiction on this case.")
    services.jurisdiction_remove(jurisdiction=place, by=request.user)
    messages.success(request, f"Removed {place}.")
    return redirect(reverse("case-detail", args=[case.pk]) + "#places")
