"""The share dialog of a case or item, and withdrawing a share."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.handling import Level
from sharing.models import Share
from sharing.permissions import get_child_or_404, get_visible_or_404, level_of
from sharing.services import unshare

from .. import services
from ..forms import ShareForm, apply_errors
from ..selectors import share_options, shares_of, shares_seen_by
from .pages import MODELS, handling_context, object_urls


@login_required
@require_http_methods(["GET", "POST"])
def share_dialog(request, pk, kind):
    """Share a case or item: offers only the recipients and levels the handling rules allow."""
    obj = get_visible_or_404(request.user, MODELS[kind], pk, record_read=False)
    held = level_of(request.user, obj)
    options = share_options(request.user, obj, held=held)
    context = {
        "obj": obj,
        "obj_kind": kind,
        "options": options,
        "urls": object_urls(kind, obj.pk),
        **handling_context(obj),
    }
    if not options["levels"]:
        context["form"] = None
        return render(
            request, "cases/share.html", context, status=403 if request.method == "POST" else 200
        )
    form = ShareForm(request.POST or None, options=options)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            recipient = form.share_target()
            record = services.share_grant(
                obj=obj, by=request.user, level=form.cleaned_data["level"],
                reason=form.cleaned_data["reason"], **recipient
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Shared with {record.recipient_label} ({Level(record.level).label.lower()}).",
            )
            return redirect(object_urls(kind, obj.pk)["detail"] + "#sharing")
    status = 400 if request.method == "POST" else 200
    if request.method == "GET" or not request.htmx:
        context["shares"] = shares_seen_by(request.user, shares_of(obj), held == Level.OWNER)
    return render(request, "cases/share.html", context, status=status)


@login_required
@require_POST
def share_withdraw(request, share_pk):
    record, obj = get_child_or_404(request.user, Share, share_pk)
    kind = "case" if record.case_id else "item"
    unshare(share_record=record, by=request.user)
    messages.success(request, f"Withdrew the share with {record.recipient_label}.")
    return redirect(object_urls(kind, obj.pk)["detail"] + "#sharing")
