"""/api/v1/products/<id>/: a finished product as the caller's agency may receive it (its
tearline): each portion its text, or the notice that it was withheld."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import IntelligenceItem
from core.errors import NotVisible
from sharing.permissions import get_visible_or_404

from ..models import Product
from ..tearline import tearline_for_agency

PORTION = inline_serializer("ProductPortion", {
    "position": serializers.IntegerField(), "marking": serializers.CharField(),
    "withheld": serializers.BooleanField(), "heading": serializers.CharField(),
    "text": serializers.CharField(), "rel_to": serializers.ListField(child=serializers.CharField()),
})


def product_of(principal, item_id):
    item = get_visible_or_404(
        principal, IntelligenceItem, item_id, queryset=IntelligenceItem.objects.select_related("owner")
    )
    product = Product.objects.filter(item=item).first()
    if product is None:
        raise NotVisible(IntelligenceItem)
    return item, product


class ProductView(APIView):
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        operation_id="v1_products_retrieve",
        summary="A finished product, with the tearline of your agency applied",
        responses={200: inline_serializer("Product", {
            "id": serializers.IntegerField(), "type": serializers.CharField(),
            "title": serializers.CharField(), "owner": serializers.CharField(),
            "marking": serializers.CharField(), "version_marking": serializers.CharField(),
            "portions": PORTION,
        })},
    )
    def get(self, request, item_id):
        item, product = product_of(request.user, item_id)
        version = tearline_for_agency(item, request.user.agency, principal=request.user)
        return Response({
            "id": item.pk, "type": product.type, "title": item.title, "owner": item.owner.name,
            "marking": item.handling, "version_marking": version.handling,
            "portions": [
                {"position": p.position, "marking": p.marking, "withheld": p.withheld,
                 "heading": p.heading, "text": p.text, "rel_to": list(p.rel_to)}
                for p in version.portions
            ],
        })
