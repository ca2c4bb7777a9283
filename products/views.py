"""The pages of finished products: a product as the reader's agency may receive it (its
tearline), writing one, and publishing it to a distribution list with its read receipts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from agencies.models import Agency
from cases.exports import export_record
from cases.models import Export, IntelligenceItem
from core.handling import HANDLING_RULES, LES_RULE, TLP, Level
from core.pdf import pdf_export
from sharing.permissions import get_visible_or_404, level_of

from . import services
from .models import DistributionList, Product
from .tearline import tearline_for_reader

PORTION_SLOTS = 4


def _product(request, item_id, record_read=True):
    item = get_visible_or_404(
        request.user, IntelligenceItem, item_id, record_read=record_read,
        queryset=IntelligenceItem.objects.select_related("owner"),
    )
    product = Product.objects.filter(item=item).first()
    if product is None:
        raise Http404
    return item, product


@login_required
def product_detail(request, item_id):
    item, product = _product(request, item_id)
    version = tearline_for_reader(request.user, item)
    return render(request, "products/product_detail.html", {
        "item": item, "product": product, "version": version, "portions": version.portions,
        "is_owner": item.owner_id == request.user.agency_id,
        "handling_rule": HANDLING_RULES.get(item.tlp, ""), "les_rule": LES_RULE,
    })


@login_required
@require_GET
def product_export(request, item_id):
    """The product as a PDF: the version of the reader's agency, the one its page shows (the
    withheld portions as their notices), recorded with the portions held and withheld."""
    item, product = _product(request, item_id, record_read=False)
    version = tearline_for_reader(request.user, item)
    context = {
        "item": item, "product": product, "version": version, "portions": version.portions,
        "tlp": version.tlp, "les": version.les, "reader": request.user,
        "handling_rule": HANDLING_RULES.get(version.tlp, ""), "les_rule": LES_RULE,
        "exported_at": timezone.now(), "back_url": reverse("product-detail", args=[item.pk]),
    }

    def record():
        export_record(
            by=request.user, obj=item, kind=Export.Kind.PRODUCT, tlp=version.tlp, les=version.les,
            held=version.held_ids,
            withheld=[{"portion": p.id, "notice": p.text} for p in version.portions if p.withheld],
        )

    return pdf_export(request, "exports/product.html", context,
                      filename=f"product-{item.pk}.pdf", record=record)


@login_required
@require_http_methods(["GET", "POST"])
def product_new(request):
    if request.user.agency_id is None:
        raise Http404
    partners = list(Agency.objects.filter(foreign_partner=True).order_by("name"))
    errors = []
    if request.method == "POST":
        by_id = {str(a.pk): a for a in partners}
        portions = []
        for n in range(1, PORTION_SLOTS + 1):
            text = request.POST.get(f"text_{n}", "").strip()
            if not text:
                continue
            portions.append({
                "heading": request.POST.get(f"heading_{n}", ""), "text": text,
                "tlp": request.POST.get(f"tlp_{n}", TLP.AMBER),
                "les": request.POST.get(f"les_{n}") == "on",
                "rel_to": [by_id[i] for i in request.POST.getlist(f"rel_to_{n}") if i in by_id],
            })
        try:
            product = services.product_create(
                by=request.user, type=request.POST.get("type", ""),
                title=request.POST.get("title", "").strip(), portions=portions,
            )
        except ValidationError as error:
            errors = error.messages
        else:
            return redirect("product-publish", item_id=product.item_id)
    return render(request, "products/product_form.html", {
        "types": Product.Type.choices, "tlps": TLP.choices, "partners": partners,
        "slots": range(1, PORTION_SLOTS + 1), "errors": errors, "posted": request.POST,
    }, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def product_publish(request, item_id):
    item, product = _product(request, item_id)
    if level_of(request.user, item) != Level.OWNER:
        raise Http404
    centers = request.user.agency.centers.all()
    lists = list(DistributionList.objects.filter(center__in=centers).select_related("center"))
    if request.method == "POST":
        chosen = next((d for d in lists if str(d.pk) == request.POST.get("list")), None)
        if chosen is None:
            messages.error(request, "Choose a distribution list.")
        else:
            releases, refused = services.publish(product=product, by=request.user, distribution_list=chosen)
            messages.success(request, f"Published to {len(releases)} agencies.")
            for agency, reason in refused:
                messages.error(request, f"{agency.name}: {reason}")
            return redirect("product-publish", item_id=item.pk)
    return render(request, "products/product_publish.html", {
        "item": item, "product": product, "lists": lists,
        "receipts": services.read_receipts(product),
    })
