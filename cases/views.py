"""Thin browser views: parse input, call a selector or service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agencies.models import Agency
from sharing.handling import Level
from sharing.models import Share
from sharing.permissions import get_visible_or_404, level_of
from sharing.services import share

from . import services
from .forms import AnnotationForm, CaseEditForm, ShareForm
from .models import Case
from .selectors import case_detail_parts, case_list_page


@login_required
def home(request):
    """The cases the user's agency may see, newest change first, a page at a time."""
    try:
        cases, next_cursor = case_list_page(request.user, request.GET.get("cursor"))
    except ValidationError as error:
        return HttpResponseBadRequest(error.messages[0])
    return render(request, "cases/home.html", {"cases": cases, "next_cursor": next_cursor})


@login_required
def case_detail(request, pk):
    case = get_visible_or_404(request.user, Case, pk)
    level = level_of(request.user, case)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "level": level,
            "level_label": Level(level).label,
            "can_annotate": level >= Level.ANNOTATE,
            "can_edit": level >= Level.EDIT,
            "can_share": level >= Level.MANAGE,
            "annotation_form": AnnotationForm(),
            "edit_form": CaseEditForm.for_case(case),
            "share_form": ShareForm(),
            **case_detail_parts(case),
        },
    )


def _visible_case(request, pk):
    return get_visible_or_404(request.user, Case, pk, record_read=False)


@login_required
@require_POST
def case_annotate(request, pk):
    case = _visible_case(request, pk)
    form = AnnotationForm(request.POST)
    if form.is_valid():
        try:
            services.annotation_add(by=request.user, case=case, body=form.cleaned_data["body"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Annotation added.")
    else:
        messages.error(request, "An annotation needs some text.")
    return redirect("case-detail", pk=case.pk)


@login_required
@require_POST
def case_edit(request, pk):
    case = _visible_case(request, pk)
    form = CaseEditForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{f}: {' '.join(e)}" for f, e in form.errors.items()))
        return redirect("case-detail", pk=case.pk)
    changes = {name: form.cleaned_data[name] for name in ("title", "summary", "status")}
    try:
        services.case_update(case=case, by=request.user, version=form.cleaned_data["version"], **changes)
    except services.StaleVersion as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Case updated.")
    return redirect("case-detail", pk=case.pk)


@login_required
@require_POST
def case_share(request, pk):
    case = _visible_case(request, pk)
    form = ShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an agency (by ORI) and a level.")
        return redirect("case-detail", pk=case.pk)
    agency = Agency.objects.filter(ori=form.cleaned_data["ori"].upper()).first()
    if agency is None:
        messages.error(request, f"No agency has the ORI {form.cleaned_data['ori']}.")
        return redirect("case-detail", pk=case.pk)
    try:
        share(obj=case, by=request.user, target=Share.Target.AGENCY, agency=agency,
              level=form.cleaned_data["level"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Shared with {agency.name}.")
    return redirect("case-detail", pk=case.pk)
