"""A case or an item as a PDF (core.pdf): read through the permission service as its page is,
bounded (cases.exports), and recorded as a dissemination once laid out. A finished product's
item is exported as the product (its tearline: products.views.product_export)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.handling import HANDLING_RULES, LES_RULE
from core.pdf import pdf_export
from sharing.permissions import get_visible_or_404

from .. import exports
from ..models import Case, Export, IntelligenceItem


def export_context(parts, reader):
    return {
        **parts,
        "handling_rule": HANDLING_RULES.get(parts["tlp"], ""), "les_rule": LES_RULE,
        "exported_at": timezone.now(), "reader": reader,
    }


@login_required
@require_GET
def case_export(request, pk):
    case = get_visible_or_404(request.user, Case, pk, record_read=False,
                              queryset=Case.objects.select_related("owner", "lead_center"))
    parts = exports.case_export_parts(case, request.user)
    context = export_context(parts, request.user)
    context["back_url"] = reverse("case-detail", args=[case.pk])

    def record():
        exports.export_record(
            by=request.user, obj=case, kind=Export.Kind.CASE, tlp=parts["tlp"], les=parts["les"],
            items=parts["items"], held=[item.pk for item in parts["items"]],
            contents={"notes": [note.pk for note in parts["notes"]],
                      "notes_left_out": parts["notes_left_out"],
                      "items_left_out": parts["items_left_out"],
                      "subjects_left_out": parts["subjects_left_out"]},
        )

    return pdf_export(request, "exports/case.html", context,
                      filename=f"case-{case.pk}.pdf", record=record)


@login_required
@require_GET
def item_export(request, pk):
    item = get_visible_or_404(request.user, IntelligenceItem, pk, record_read=False,
                              queryset=IntelligenceItem.objects.select_related("owner"))
    if hasattr(item, "product"):
        return redirect("product-export", item_id=item.pk)
    parts = exports.item_export_parts(item, request.user)
    context = export_context(parts, request.user)
    context["back_url"] = reverse("item-detail", args=[item.pk])

    def record():
        exports.export_record(
            by=request.user, obj=item, kind=Export.Kind.ITEM, tlp=item.tlp, les=item.les,
            contents={"notes": [note.pk for note in parts["notes"]],
                      "notes_left_out": parts["notes_left_out"],
                      "subjects_left_out": parts["subjects_left_out"]},
        )

    return pdf_export(request, "exports/item.html", context,
                      filename=f"item-{item.pk}.pdf", record=record)
