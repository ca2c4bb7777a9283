"""The home page: the reader's dashboard (cases.dashboard computes its figures)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.services import log_access
from work.queue import my_work as my_queue

from ..dashboard import figures, my_work, unread_latest
from ..usmap import map_tiles, viewbox


@login_required
@require_GET
def dashboard(request):
    """My work, unread alerts, and the agency's figures (only what it may see)."""
    data = figures(request.user)
    on = [row["code"] for row in data["states"] if row["open_cases"]]
    today = timezone.localdate()
    work = my_work(request.user, today=today)
    queue = my_queue(request.user, today=today)
    if work["followed"]:
        # The followed cases are named by title: a list read like the case list's.
        log_access(action="list", actor=request.user,
                   object_ids=[case.pk for case in work["followed"]],
                   detail={"list": "dashboard: cases you follow"})
    _log_queue(request.user, queue)
    return render(request, "cases/dashboard.html", {
        "work": work,
        "my_work": queue,
        "unread": unread_latest(request.user),
        "figures": data,
        "states_with_cases": [row for row in data["states"] if row["open_cases"] or row["alerts"]],
        "map_tiles": map_tiles(on),
        "map_viewbox": viewbox(),
        "states": on,
    })


def _log_queue(user, queue):
    """What the queue showed, by title or number: one access-log row per type of object (the
    cases of its tasks, its RFIs and records), read like the lists they come from."""
    shown = {}
    for row in queue.rows:
        object_type, pk = row.discloses
        if object_type:  # a row that names no record by title (a referral of one not seen)
            shown.setdefault(object_type, set()).add(pk)
    for object_type, ids in sorted(shown.items()):
        log_access(action="list", actor=user, object_ids=sorted(ids), object_type=object_type,
                   detail={"list": "dashboard: my work",
                           "rows": [f"{row.kind}:{row.id}" for row in queue.rows
                                    if row.discloses[0] == object_type]})
