"""The lists: cases and intelligence items, filtered and sorted a page at
a time."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.services import log_access
from sharing.permissions import cases_visible_to

from .. import sar
from ..filters import CaseFilter, ItemFilter
from ..models import IntelligenceItem
from ..selectors import (
    CASE_SORTS,
    SORTS,
    case_list_queryset,
    item_list_queryset,
    visible_sorted_page,
)
from .pages import invalid_page


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
        rows, next_cursor = visible_sorted_page(
            filterset.qs, request.user, narrowed=_narrowed(filterset), sort=sort,
            cursor=request.GET.get("cursor"), sorts=sorts, narrow=filterset.filter_queryset,
        )
    except ValidationError as error:
        return invalid_page(request, template, context, error)
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


def _narrowed(filterset):
    """Whether any filter of the (valid) filterset holds a value."""
    return any(value not in (None, "", [], ()) for value in filterset.form.cleaned_data.values())


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
    """Give each item its case only where the agency sees that case too (one query a page), and
    a SAR its ISE-SAR behaviours as the row shows them (read with the rows)."""
    case_ids = {item.case_id for item in items if item.case_id}
    cases = (
        {c.pk: c for c in cases_visible_to(request.user).filter(pk__in=case_ids)}
        if case_ids
        else {}
    )
    for item in items:
        item.visible_case = cases.get(item.case_id)
        item.behaviours = sar.labelled(item.behaviour_codes)
