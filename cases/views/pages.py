"""The frame every case and item page shares: handling rules, the page context, the
pages re-rendered with a form's errors."""

import logging

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from agencies.selectors import control_officials
from core.handling import HANDLING_RULES, LES_RULE, Level
from sharing.permissions import get_visible_or_404, level_of

from .. import intelligence as cfr23
from ..forms import (
    AnnotationForm,
    AttachmentForm,
    JurisdictionForm,
    ReviewForm,
    ShareForm,
    SubjectForm,
    TaskForm,
    ValidateForm,
)
from ..graph import graph_section
from ..models import Case, IntelligenceItem
from ..selectors import (
    access_log_of,
    case_detail_parts,
    item_detail_parts,
    open_tasks_of,
    share_options,
    task_assignees,
)
from ..usmap import map_tiles, viewbox

MODELS = {"case": Case, "item": IntelligenceItem}


logger = logging.getLogger(__name__)


def handling_context(obj):
    return {"handling_rule": HANDLING_RULES.get(obj.tlp, ""), "les_rule": LES_RULE}


def invalid_page(request, template, context, error):
    messages.error(request, " ".join(error.messages))
    return render(request, template, context, status=400)


def object_page_context(user, obj, kind, forms):
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
        "urls": object_urls(kind, obj.pk),
        **handling_context(obj),
    }
    if context["is_owner"]:
        context["access_log"] = access_log_of(obj)
    return context


def case_page(request, case, *, status=200, **forms):
    context = object_page_context(request.user, case, "case", forms)
    context["jurisdiction_form"] = forms.get("jurisdiction_form") or JurisdictionForm()
    context.update(case_detail_parts(case, request.user))
    # The open tasks, soonest due first (the rest on the case's task list), and for a reader who
    # may annotate the form to add one, its menu of the people a task may go to.
    context["tasks"], context["tasks_more"] = open_tasks_of(case, today=timezone.localdate())
    if context["can_annotate"]:
        context["task_form"] = forms.get("task_form") or TaskForm(
            assignees=task_assignees(request.user, case, shares=context["shares"]))
    states = {j.state for j in context["jurisdictions"]}
    context["map_tiles"] = map_tiles(states)
    context["map_viewbox"] = viewbox()
    context["states"] = sorted(states)
    context.update(graph_section(reverse("case-graph", args=[case.pk]),
                                 "the case's subjects and intelligence items"))
    return render(request, "cases/case_detail.html", context, status=status)


def object_urls(kind, pk):
    prefix = "case" if kind == "case" else "item"
    urls = {
        "detail": reverse(f"{prefix}-detail", args=[pk]),
        "annotations": reverse(f"{prefix}-annotations", args=[pk]),
        "annotate": reverse(f"{prefix}-annotate", args=[pk]),
        "attach": reverse(f"{prefix}-attach", args=[pk]),
        "share": reverse(f"{prefix}-share", args=[pk]),
        "subject": reverse(f"{prefix}-subject", args=[pk]),
        "edit": reverse(f"{prefix}-edit", args=[pk]),
    }
    if kind == "case":
        urls["timeline"] = reverse("case-timeline", args=[pk])
        urls["tasks"] = reverse("case-tasks", args=[pk])
        urls["task_add"] = reverse("case-task-add", args=[pk])
    return urls


def visible(request, model, pk):
    return get_visible_or_404(request.user, model, pk, record_read=False)


def target_or_404(request, kind, pk):
    return visible(request, MODELS[kind], pk)


def page_with_errors(request, kind, obj, **forms):
    if kind == "case":
        return case_page(request, obj, status=400, **forms)
    return item_page(request, obj, status=400, **forms)


def item_page(request, item, *, status=200, **forms):
    context = object_page_context(request.user, item, "item", forms)
    context.update(item_detail_parts(item, request.user))
    # 28 CFR Part 23: a reviewer of the submitting agency decides on information pending review.
    context["can_review"] = (
        item.is_pending_review and context["is_owner"] and request.user.intelligence_reviewer
        and item.created_by_id != request.user.id
    )
    if item.is_intelligence and context["is_owner"] and request.user.intelligence_reviewer:
        context["validate_form"] = forms.get("validate_form") or ValidateForm(
            officials=control_officials(request.user.agency),
            needs_labels=item.predicate_missing,
        )
    context["can_purge"] = (
        context["is_owner"] and request.user.intelligence_reviewer
        and item.intelligence_status in (cfr23.Status.INTELLIGENCE, cfr23.Status.REJECTED)
    )
    if context["can_review"]:
        context["review_form"] = forms.get("review_form") or ReviewForm.for_item(
            item, control_officials(request.user.agency)
        )
    return render(request, "cases/item_detail.html", context, status=status)


def no_agency(request, what):
    """The answer to an account of no agency (a platform superuser) that asks to create: said at
    once, before any form is filled, since only an agency owns a case or an item."""
    return render(request, "cases/no_agency.html", {"what": what}, status=403)
