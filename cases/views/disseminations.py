"""28 CFR 23.20(g): an item's dissemination record, as a page and as CSV, for its owner agency
(the control official is one of its people), after a purge too. A recipient that sees the item
is refused (403); for anyone else the item does not exist (404)."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.exports import FORMULA_STARTS
from audit.services import log_access
from core.handling import Level
from sharing.permissions import get_visible_or_404, require_level

from .. import intelligence as cfr23
from ..models import IntelligenceItem
from ..selectors import DISSEMINATIONS_SHOWN, disseminations_of
from .pages import handling_context

COLUMNS = ["at", "channel", "recipient", "recipient ORI", "reason", "by"]


def _cell(value):
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@login_required
@require_GET
def item_disseminations(request, pk):
    # A purged record's dissemination record stays its owner's to read: it says whom it reached
    # (each was told of the purge). Nobody sees the record itself any more.
    item = IntelligenceItem.objects.filter(
        pk=pk, intelligence_status=cfr23.Status.PURGED, owner_id=request.user.agency_id or -1
    ).first()
    if item is None:
        item = get_visible_or_404(request.user, IntelligenceItem, pk, record_read=False)
        require_level(request.user, item, Level.OWNER)
    rows = list(disseminations_of(item))
    as_csv = request.GET.get("format") == "csv"
    log_access(action="download" if as_csv else "read", actor=request.user, obj=item,
               detail={"disseminations": len(rows)})
    if as_csv:
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="item-{item.pk}-disseminations.csv"'
        response["Cache-Control"] = "no-store"
        writer = csv.writer(response)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_cell(value) for value in (
                row.at.isoformat(), row.get_channel_display(), row.recipient_label,
                row.recipient_agency.ori if row.recipient_agency else "", row.reason,
                row.by.username if row.by else "",
            )])
        return response
    return render(request, "cases/item_disseminations.html", {
        "item": item, "obj": item, "rows": rows, "limit": DISSEMINATIONS_SHOWN,
        **handling_context(item),
    })
