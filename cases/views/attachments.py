"""Attaching a file to a case or item, and downloading it after the permission check."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from audit.services import log_access
from sharing.permissions import get_child_or_404

from .. import services
from ..forms import AttachmentForm, apply_errors
from ..models import Attachment
from .pages import object_urls, page_with_errors, target_or_404

logger = logging.getLogger(__name__)


@login_required
@require_POST
def attach(request, pk, kind):
    obj = target_or_404(request, kind, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                by=request.user, uploaded_file=form.cleaned_data["file"], **{kind: obj}
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"Attached {attachment.filename} (SHA-256 {attachment.sha256[:12]}…)."
            )
            return redirect(object_urls(kind, obj.pk)["detail"] + f"#file-{attachment.pk}")
    return page_with_errors(request, kind, obj, attachment_form=form)


@login_required
@require_GET
def attachment_download(request, pk):
    """Stream an attachment after the permission check on its case or item; log the download."""
    attachment, target = get_child_or_404(request.user, Attachment, pk)
    try:
        stored = attachment.file.open("rb")
    except FileNotFoundError:
        logger.error("Attachment %s is missing from storage (%s)", attachment.pk, attachment.file.name)
        return HttpResponse(
            "The file of this attachment is missing from storage. Its record and SHA-256 are "
            "kept; tell your agency admin so it can be restored from backup.",
            status=410, content_type="text/plain; charset=utf-8",
        )
    log_access(
        action="download",
        actor=request.user,
        obj=target,
        detail={"attachment_id": attachment.pk, "sha256": attachment.sha256},
    )
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
