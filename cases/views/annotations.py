"""Annotations on cases and items: adding (htmx or not), the earlier ones a page at a time,
showing one, editing it in place."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from core.errors import InsufficientLevel
from core.handling import Level
from sharing.permissions import get_child_or_404, get_visible_or_404, level_of, require_level

from .. import services
from ..forms import AnnotationEditForm, AnnotationForm, apply_errors
from ..models import Annotation
from ..selectors import annotations_page, case_timeline, cursor_of_note
from .pages import MODELS, handling_context, object_urls, page_with_errors, target_or_404


@login_required
@require_POST
def annotate(request, pk, kind):
    obj = target_or_404(request, kind, pk)
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
                # The note goes on top of the thread (the form's target); a blank form takes
                # the place of the one sent.
                # On a case page the timeline tells the same story: the note's entry goes
                # on top of it too (out of band), as the next full page would show it.
                return render(request, "cases/_note_added.html", {
                    "note": note,
                    "obj": obj,
                    "can_annotate": True,
                    "annotation_form": AnnotationForm(),
                    "urls": object_urls(kind, obj.pk),
                    "timeline_entries": (
                        case_timeline(events=(), annotations=[note], attachments=())
                        if kind == "case" else ()
                    ),
                })
            messages.success(request, "Annotation added.")
            return redirect(object_urls(kind, obj.pk)["detail"] + f"#note-{note.pk}")
    if request.htmx:
        response = render(
            request,
            "cases/_note_add.html",
            {"annotation_form": form, "urls": object_urls(kind, obj.pk)},
            status=400,
        )
        return reswap(retarget(response, "#note-add"), "outerHTML")
    return page_with_errors(request, kind, obj, annotation_form=form)


@login_required
@require_GET
def annotations_earlier(request, pk, kind):
    """The annotations of a case or item from `cursor` on, a page of them, newest first. With
    htmx: the notes and the next "Earlier" button, in place of the one pressed; without: a page
    of their own, whose "Earlier" is a plain link to the next."""
    obj = get_visible_or_404(request.user, MODELS[kind], pk)
    level = level_of(request.user, obj)
    context = {
        kind: obj,
        "obj": obj,
        "obj_kind": kind,
        "can_annotate": level >= Level.ANNOTATE,
        "urls": object_urls(kind, obj.pk),
        "annotations": [],
        "annotations_next": None,
        **handling_context(obj),
    }
    status = 200
    try:
        context["annotations"], context["annotations_next"] = annotations_page(
            **{kind: obj}, cursor=request.GET.get("cursor")
        )
    except ValidationError as error:
        context["page_error"] = " ".join(error.messages)
        status = 400
    template = "cases/_notes_page.html" if request.htmx else "cases/annotations_page.html"
    return render(request, template, context, status=status)


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
        # The page of the thread that starts with this note, wherever it is in the thread.
        return redirect(
            object_urls(kind, target.pk)["annotations"]
            + f"?cursor={cursor_of_note(note)}#note-{note.pk}"
        )
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
        "detail_url": object_urls(kind, target.pk)["detail"],
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
