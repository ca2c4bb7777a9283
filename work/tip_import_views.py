"""The bulk import page: upload a CSV or JSON file of tips; the import runs in the background
(work.tasks.tip_import_run) and its page polls the progress (htmx) until the result and the bad
rows are shown. Another agency's import is the 404 of a missing one."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from .tip_import import (
    COLUMNS,
    MAX_ROWS,
    ImportRefused,
    import_job_of,
    import_job_row,
    import_job_start,
)
from .tip_views import _no_agency

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@login_required
@require_http_methods(["GET", "POST"])
def tip_import_new(request):
    """The upload form."""
    _no_agency(request)
    refusal, status = None, 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            refusal = "Choose a .csv or .json file of tips."
        elif upload.size > MAX_UPLOAD_BYTES:
            refusal = f"The file is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: split it."
        else:
            try:
                job = import_job_start(by=request.user, file_name=upload.name,
                                       data=upload.read(),
                                       good_only=request.POST.get("good_only") == "on")
            except ImportRefused as error:
                refusal = " ".join(error.messages)
            else:
                return redirect("tip-import", pk=job.pk)
        status = 400
    return render(request, "work/tip_import_new.html", {
        "refusal": refusal, "columns": COLUMNS, "max_rows": MAX_ROWS, "section": "tips"},
        status=status)


@login_required
@require_GET
def tip_import(request, pk):
    """One import: its progress while it runs, then its result and bad rows."""
    _no_agency(request)
    job = import_job_of(request.user, pk)
    return render(request, "work/tip_import.html", {
        "job": job, "row": import_job_row(job), "section": "tips"})


@login_required
@require_GET
def tip_import_progress(request, pk):
    """The progress fragment the page polls (htmx) until the import is finished."""
    _no_agency(request)
    job = import_job_of(request.user, pk)
    return render(request, "work/_tip_import_progress.html", {
        "job": job, "row": import_job_row(job)})
