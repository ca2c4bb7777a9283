"""The center's access log: the page its admins and its auditors review, and its CSV export."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone

from agencies.gate import center_for_log_reader_or_404

from . import selectors
from .exports import access_log_csv_response
from .filters import AccessLogFilter
from .services import log_access


def _log_filter(request, center):
    log_filter = AccessLogFilter(request.GET, queryset=selectors.center_access_log(center),
                                 center=center)
    return log_filter


@login_required
def center_access_log(request, center_id):
    center = center_for_log_reader_or_404(request.user, center_id)
    log_filter = _log_filter(request, center)
    # An auditor of the center reads its log too; the admin pages' tabs are for its admins.
    context = {"center": center, "filter": log_filter, "rows": [], "next_cursor": None,
               "center_admin": center.read_as_admin}
    if not log_filter.is_valid():
        return render(request, "audit/center_access_log.html", context, status=400)
    since, until, context["window_days"] = log_filter.page_window()
    try:
        rows, next_cursor = selectors.access_log_page(log_filter.qs, request.GET.get("cursor"),
                                                      since=since, until=until)
    except ValidationError as error:
        context["cursor_error"] = error.messages[0]
        return render(request, "audit/center_access_log.html", context, status=400)
    query = request.GET.copy()
    query.pop("cursor", None)
    if next_cursor:
        query["cursor"] = next_cursor
    context.update(rows=selectors.with_objects(rows, request.user), next_cursor=next_cursor,
                   next_query=query.urlencode(), export_query=_without_cursor(request))
    return render(request, "audit/center_access_log.html", context)


def _without_cursor(request):
    query = request.GET.copy()
    query.pop("cursor", None)
    return query.urlencode()


@login_required
def center_access_log_csv(request, center_id):
    center = center_for_log_reader_or_404(request.user, center_id)
    log_filter = _log_filter(request, center)
    if not log_filter.is_valid():
        return render(request, "audit/center_access_log.html",
                      {"center": center, "filter": log_filter, "rows": []}, status=400)
    # The export is itself a dissemination of the log: recorded before it streams.
    log_access(action="download", actor=request.user, detail={
        "export": "access_log", "center_id": center.id, "center": center.label,
        "filters": {key: value for key, value in request.GET.items() if key != "cursor"},
    })
    filename = f"access-log-{center.label}-{timezone.now():%Y%m%d-%H%M%S}.csv".replace(" ", "_")
    return access_log_csv_response(log_filter.qs, filename)
