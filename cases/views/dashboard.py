"""The home page: the reader's dashboard (cases.dashboard computes its figures)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..dashboard import figures, my_work, unread_latest
from ..usmap import map_tiles, viewbox


@login_required
@require_GET
def dashboard(request):
    """My work, unread alerts, and the agency's figures (only what it may see)."""
    data = figures(request.user)
    on = [row["code"] for row in data["states"] if row["open_cases"]]
    return render(request, "cases/dashboard.html", {
        "work": my_work(request.user, today=timezone.localdate()),
        "unread": unread_latest(request.user),
        "figures": data,
        "states_with_cases": [row for row in data["states"] if row["open_cases"] or row["alerts"]],
        "map_tiles": map_tiles(on),
        "map_viewbox": viewbox(),
        "states": on,
    })
