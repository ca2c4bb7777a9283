"""Linking a subject (person, vehicle, phone ...) to a case or item."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .. import services
from ..forms import SubjectForm, apply_errors
from .pages import object_urls, page_with_errors, target_or_404


@login_required
@require_POST
def subject_add(request, pk, kind):
    obj = target_or_404(request, kind, pk)
    form = SubjectForm(request.POST)
    if form.is_valid():
        try:
            entity = services.entity_link(
                by=request.user,
                kind=form.cleaned_data["kind"],
                label=form.entity_label(),
                role=form.cleaned_data["role"],
                **{kind: obj},
                **form.entity_values(),
            )
        except ValidationError as error:
            # A key that cannot be normalised names the problem; it belongs to the value.
            if hasattr(error, "error_dict"):
                apply_errors(form, error)
            else:
                form.add_error("value", error)
        else:
            messages.success(request, f"Linked {entity}.")
            return redirect(object_urls(kind, obj.pk)["detail"] + "#subjects")
    return page_with_errors(request, kind, obj, subject_form=form)
