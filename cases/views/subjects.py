"""A subject's page, and linking a subject (person, vehicle, phone ...) to a case or item."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from audit.services import log_access

from .. import services
from ..forms import SubjectForm, apply_errors
from ..graph import graph_section
from ..subjects import subject_page, visible_subject
from .pages import object_urls, page_with_errors, target_or_404


@login_required
@require_POST
def subject_add(request, pk, kind):
    obj = target_or_404(request, kind, pk)
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
            return redirect(object_urls(kind, obj.pk)["detail"] + "#subjects")
    return page_with_errors(request, kind, obj, subject_form=form)


@login_required
@require_GET
def subject_detail(request, pk):
    """Where the subject appears, beside what, and when, within what the agency may see
    (cases.subjects); the 404 of a missing subject for one that it may not see anywhere."""
    entity = visible_subject(request.user, pk)
    if entity is None:
        raise Http404("No subject matches the given query.")
    page = subject_page(request.user, entity)
    log_access(action="read", actor=request.user, obj=entity,
               detail={"cases": [link.case_id for link in page.case_links],
                       "items": [link.item_id for link in page.item_links]})
    return render(request, "cases/subject_detail.html", {
        "page": page, "entity": entity,
        **graph_section(reverse("subject-graph", args=[entity.pk]),
                        "the cases and items that link it and the subjects beside it"),
    })
