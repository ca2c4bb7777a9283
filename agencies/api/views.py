"""API endpoints of the network's directory: fusion centers and agencies (read only).

They have no change time of their own: their lists page by id (`cursor`), not `updated_after`.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.response import Response

from core.api.errors import DETAIL_ERRORS, LIST_ERRORS
from core.api.pagination import (
    ID_PAGE_PARAMETERS,
    ID_PARAMETER,
    keyset_keys,
    page_response,
    page_serializer,
)

from ..models import Agency, FusionCenter
from . import schema  # noqa: F401  (the authentication schemes of the OpenAPI schema)
from . import serializers as s


class DirectoryViewSet(viewsets.GenericViewSet):
    model = None
    lookup_value_regex = r"[0-9]{1,18}"
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return self.model.objects.all()

    def list(self, request):
        if "updated_after" in request.query_params:
            raise exceptions.ValidationError(
                {
                    "updated_after": [
                        "The directory has no change times; page it by cursor and read it whole."
                    ]
                }
            )
        ids, next_cursor, has_more = keyset_keys(self.get_queryset(), request, sort_field="id")
        return page_response(self.rows(self.get_queryset(), ids), next_cursor, has_more)

    def retrieve(self, request, pk=None):
        rows = self.rows(self.get_queryset(), [int(pk)])
        if not rows:
            raise Http404(f"No {self.model._meta.verbose_name} found.")
        return Response(rows[0])


@extend_schema_view(
    list=extend_schema(
        summary="Fusion centers of the network",
        parameters=ID_PAGE_PARAMETERS,
        responses={200: page_serializer("CenterPage", s.CenterRowSerializer), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One fusion center",
        parameters=[ID_PARAMETER],
        responses={200: s.CenterRowSerializer, **DETAIL_ERRORS},
    ),
)
class CenterViewSet(DirectoryViewSet):
    """The fusion centers of the network and the states they serve."""

    model = FusionCenter

    def rows(self, queryset, ids):
        return s.center_rows(queryset, ids)


@extend_schema_view(
    list=extend_schema(
        summary="Agencies of the network",
        parameters=ID_PAGE_PARAMETERS,
        responses={200: page_serializer("AgencyPage", s.AgencyRowSerializer), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One agency",
        parameters=[ID_PARAMETER],
        responses={200: s.AgencyRowSerializer, **DETAIL_ERRORS},
    ),
)
class AgencyViewSet(DirectoryViewSet):
    """The agencies of the network, with the centers where they are active members."""

    model = Agency

    def rows(self, queryset, ids):
        return s.agency_rows(queryset, ids)
