"""A subject's page, and linking a subject (person, vehicle, phone ...) to a case or item."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import log_access

from .. import services
from ..entities import FIELD_OF_REFUSAL
from ..forms import SubjectForm, WatchForm, apply_errors
from ..graph import graph_section
from ..models import Entity, SubjectWatch
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
                form.add_error(FIELD_OF_REFUSAL.get(error.code, "value"), error)
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
    page.watched = SubjectWatch.objects.filter(user=request.user, kind=entity.kind,
                                               key=entity.key).exists()
    log_access(action="read", actor=request.user, obj=entity,
               detail={"cases": [link.case_id for link in page.case_links],
                       "items": [link.item_id for link in page.item_links]})
    return render(request, "cases/subject_detail.html", {
        "page": page, "entity": entity,
        **graph_section(reverse("subject-graph", args=[entity.pk]),
                        "the cases and items that link it and the subjects beside it"),
    })


@login_required
@require_POST
def subject_watch(request, pk):
    """Watch the subject of this page (or stop): told when any agency links it later."""
    entity = visible_subject(request.user, pk)
    if entity is None:
        raise Http404("No subject matches the given query.")
    watching = request.POST.get("watching") != "0"
    existing = SubjectWatch.objects.filter(user=request.user, kind=entity.kind, key=entity.key)
    if watching:
        SubjectWatch.objects.get_or_create(
            user=request.user, kind=entity.kind, key=entity.key,
            defaults={"label": subject_page(request.user, entity, size=1).label})
        messages.success(request, "Watching: you are told when any agency links it.")
    else:
        existing.delete()
        messages.success(request, "No longer watching it.")
    return redirect("subject-detail", pk=entity.pk)


@login_required
@require_http_methods(["GET", "POST"])
def watched_subjects(request):
    """The user's watched subjects, and a form to watch one by its value, whether the portal
    holds it yet or not."""
    form = WatchForm(request.POST or None)
    status = 200
    if request.method == "POST":
        stop = request.POST.get("stop")
        if stop:
            SubjectWatch.objects.filter(user=request.user, pk=stop if stop.isdigit() else -1).delete()
            messages.success(request, "No longer watching it.")
            return redirect("watched-subjects")
        if form.is_valid():
            try:
                services.watch_set(user=request.user, kind=form.cleaned_data["kind"],
                                   label=form.entity_label(), **form.entity_values())
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    apply_errors(form, error)
                else:
                    form.add_error(FIELD_OF_REFUSAL.get(error.code, "value"), error)
            else:
                messages.success(request, "Watching: you are told when any agency links it.")
                return redirect("watched-subjects")
        status = 400
    watches = list(SubjectWatch.objects.filter(user=request.user).order_by("-created_at")[:200])
    kinds = dict(Entity.Kind.choices)
    for watch in watches:
        watch.kind_label = kinds.get(watch.kind, watch.kind)
    return render(request, "cases/watched_subjects.html", {"form": form, "watches": watches},
                  status=status)
