"""28 CFR Part 23: an agency's compliance report for an auditor, as a printable page and as a
streamed CSV. Who may read it is agencies.gate.may_audit's answer; to anyone else the agency's
report does not exist (404). Each read is written to the access log."""

import csv
import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from agencies.gate import agency_for_auditor_or_404
from audit.exports import FORMULA_STARTS
from audit.services import log_access

from .. import compliance
from ..forms import ComplianceRangeForm

CSV_COLUMNS = [
    ("category", "category"), ("record", "record id"), ("kind", "kind"), ("status", "status"),
    ("criminal_activity", "criminal activity"), ("sensitivity", "sensitivity"),
    ("evaluation", "evaluation"), ("control_official", "control official"),
    ("submitted", "submitted"), ("validated", "validated"), ("review_by", "review by"),
    ("purged", "purged"), ("purged_by", "purged by"), ("purge_reason", "purge reason"),
    ("disseminations", "disseminations"), ("at", "at"), ("channel", "channel"),
    ("recipient", "recipient"), ("recipient_ori", "recipient ORI"), ("reason", "reason"),
    ("by", "by"), ("fields", "fields corrected"), ("version", "version"),
    ("agencies_told", "agencies told"),
]


def _range_form(request, today):
    names = compliance.categories(compliance.Period.default(today)).keys()
    return ComplianceRangeForm(request.GET, today=today, list_names=names)


def _detail(agency, period, **extra):
    return {"report": "cfr23_compliance", "agency_id": agency.id, "agency": agency.ori,
            "from": period.first.isoformat(), "to": period.last.isoformat(), **extra}


@login_required
@require_GET
def compliance_report(request, agency_id):
    agency = agency_for_auditor_or_404(request.user, agency_id)
    today = timezone.localdate()
    form = _range_form(request, today)
    context = {"agency": agency, "form": form}
    if not form.is_valid():
        return render(request, "cases/compliance_report.html", context, status=400)
    period = compliance.Period(first=form.cleaned_data["date_from"],
                               last=form.cleaned_data["date_to"], today=today)
    lists = compliance.categories(period)
    shown = form.cleaned_data["list"] or "overdue"
    try:
        rows, next_cursor = compliance.report_page(agency, period, shown, request.GET.get("cursor"),
                                                   reasons=_own(request.user, agency))
    except ValidationError as error:
        context["cursor_error"] = error.messages[0]
        return render(request, "cases/compliance_report.html", context, status=400)
    counts = compliance.report_counts(agency, period)
    log_access(action="read", actor=request.user, obj=agency, detail=_detail(
        agency, period, list=shown, item_ids=[row["record"] for row in rows]))
    query = {"date_from": period.first.isoformat(), "date_to": period.last.isoformat()}
    # The form shows the range the report is for (the default one when none was given).
    context["form"] = ComplianceRangeForm(initial=query, today=today)
    context.update(
        period=period, counts=counts, lists=lists.values(), shown=lists[shown], rows=rows,
        reasons=_own(request.user, agency),
        next_cursor=next_cursor, range_query=query,
    )
    return render(request, "cases/compliance_report.html", context)


def _own(user, agency):
    """The agency's own readers read the reasons its people wrote; a center's admins and
    auditors do not (cases/compliance.py)."""
    return user.agency_id == agency.id


class _Line:
    def write(self, value):
        return value


def _cell(value):
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    value = str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_lines(agency, period, reasons):
    writer = csv.writer(_Line())
    yield writer.writerow([label for _, label in CSV_COLUMNS])
    for category, row in compliance.report_rows(agency, period, reasons=reasons):
        row = {**row, "category": category.name}
        yield writer.writerow([_cell(row.get(name)) for name, _ in CSV_COLUMNS])


@login_required
@require_GET
def compliance_report_csv(request, agency_id):
    agency = agency_for_auditor_or_404(request.user, agency_id)
    today = timezone.localdate()
    form = _range_form(request, today)
    if not form.is_valid():
        return render(request, "cases/compliance_report.html",
                      {"agency": agency, "form": form}, status=400)
    period = compliance.Period(first=form.cleaned_data["date_from"],
                               last=form.cleaned_data["date_to"], today=today)
    # The export is a disclosure of its own: recorded before it streams.
    log_access(action="download", actor=request.user, obj=agency, detail=_detail(agency, period))
    ori = re.sub(r"[^A-Za-z0-9-]", "_", agency.ori)
    filename = f"cfr23-compliance-{ori}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv"
    response = StreamingHttpResponse(_csv_lines(agency, period, _own(request.user, agency)),
                                     content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
