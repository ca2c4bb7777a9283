"""The home page: the reader's dashboard (cases.dashboard computes its figures)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.services import log_access

from ..dashboard import figures, my_work, unread_latest
from ..usmap import map_tiles, viewbox


@login_required
@require_GET
def dashboard(request):
    """My work, unread alerts, and the agency's figures (only what it may see)."""
    data = figures(request.user)
    on = [row["code"] for row in data["states"] if row["open_cases"]]
    work = my_work(request.user, today=timezone.localdate())
    if work["followed"]:
        # The followed cases are named by title: a list read like the case list's.
        log_access(action="list", actor=request.user,
                   object_ids=[case.pk for case in work["followed"]],
                   detail={"list": "dashboard: cases you follow"})
    if work["tasks"]:
        # So are the cases of the reader's tasks, beside each task.
        log_access(action="list", actor=request.user,
                   object_ids=sorted({task.case_id for task in work["tasks"]}),
                   detail={"list": "dashboard: my tasks",
                           "task_ids": [task.pk for task in work["tasks"]]})
    return render(request, "cases/dashboard.html", {
        "work": work,
        "unread": unread_latest(request.user),
        "figures": data,
        "states_with_cases": [row for row in data["states"] if row["open_cases"] or row["alerts"]],
        "map_tiles": map_tiles(on),
        "map_viewbox": viewbox(),
        "states": on,
    })
