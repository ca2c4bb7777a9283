"""/taxii2/: the TAXII 2.1 server (thin: parse, read through taxii.selectors, answer).

Discovery, one API root (`api1/`), its collections, their objects, manifest, one object and
its versions; POST of objects to a collection for a write key; the status of a POST. Every
read goes through the permission service (taxii.selectors), and every page is written to the
access log as the REST API's are.
"""

from dataclasses import replace

from django.conf import settings
from django.urls import reverse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api.auth import PerKeyThrottle
from audit.services import log_api_list
from cases import services as case_services
from cases.models import Case
from core.errors import NotVisible
from sharing.permissions import get_visible_or_404

from . import selectors, services
from .http import (
    BadParameter,
    HasKeyScope,
    TaxiiKeyAuthentication,
    TaxiiNegotiation,
    TaxiiParser,
    TaxiiRenderer,
    exception_handler,
)


class TaxiiView(APIView):
    authentication_classes = [TaxiiKeyAuthentication]
    permission_classes = [HasKeyScope]
    throttle_classes = [PerKeyThrottle]
    renderer_classes = [TaxiiRenderer]
    parser_classes = [TaxiiParser]
    content_negotiation_class = TaxiiNegotiation
    http_method_names = ["get", "head"]
    # Not in the REST API's OpenAPI schema: TAXII 2.1 is specified by OASIS.
    schema = None

    def get_exception_handler(self):
        return exception_handler

    def handle_exception(self, exc):
        if isinstance(exc, selectors.BadRequest):
            exc = BadParameter(str(exc))
        return super().handle_exception(exc)

    def api_root_url(self):
        return self.request.build_absolute_uri(reverse("api-taxii-root"))


class DiscoveryView(TaxiiView):
    def get(self, request):
        root = self.api_root_url()
        return Response({
            "title": "FusionPortal TAXII 2.1",
            "description": "The intelligence your agency may see, as STIX 2.1, for the API key "
            "of your agency's partner system.",
            "contact": getattr(settings, "TAXII_CONTACT", "The administrators of your fusion center"),
            "default": root, "api_roots": [root],
        })


class ApiRootView(TaxiiView):
    def get(self, request):
        return Response({
            "title": "FusionPortal",
            "description": "One API root: everything, the finished products, and each case "
            "your agency sees.",
            "versions": ["application/taxii+json;version=2.1"],
            "max_content_length": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        })


class CollectionsView(TaxiiView):
    def get(self, request):
        collections = selectors.collections_for(request.user)
        return Response({"collections": [c.resource(request.auth) for c in collections]})


class CollectionView(TaxiiView):
    def get(self, request, collection_id):
        collection = selectors.collection_or_404(request.user, collection_id)
        return Response(collection.resource(request.auth))


def _date_headers(response, entries):
    if entries:
        response["X-TAXII-Date-Added-First"] = entries[0].date_added
        response["X-TAXII-Date-Added-Last"] = entries[-1].date_added
    return response


def _envelope_of(page, body):
    envelope = {"more": page.more, **body}
    if page.next:
        envelope["next"] = page.next
    return envelope


def _record_page(request, page, items):
    """The access-log row of the page (the items whose objects it disclosed) and, for criminal
    intelligence of another agency, its dissemination record (28 CFR 23.20(g))."""
    log_api_list(request, "intelligenceitem", page.items)
    case_services.disseminations_record_pull(
        by=request.user, rows=items, key_name=getattr(request.auth, "name", "(no key)"),
    )


class ObjectsView(TaxiiView):
    http_method_names = ["get", "head", "post"]

    def page(self, request, collection, **extra):
        params = request.query_params
        filters = selectors.filters_of(params)
        if extra:
            filters = replace(filters, **extra)
        return selectors.feed_page(
            request.user, collection, filters=filters, limit=selectors.limit_of(params),
            cursor=params.get("next") or None,
        )

    def get(self, request, collection_id):
        collection = selectors.collection_or_404(request.user, collection_id)
        page = self.page(request, collection)
        _record_page(request, page, page.released)
        response = Response(_envelope_of(page, {"objects": [e.object for e in page.entries]}))
        return _date_headers(response, page.entries)

    def post(self, request, collection_id):
        """Add objects (a write key): the envelope's reports become items of the key's agency
        (on the collection's case, for a case's collection), all or none; 202 with the status."""
        collection = selectors.collection_or_404(request.user, collection_id)
        if not collection.can_write:
            raise exceptions.PermissionDenied(
                "This collection does not take objects: post to everything or to a case.",
                code="collection_read_only",
            )
        envelope = request.data
        if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
            raise BadParameter('The body is a TAXII envelope: {"objects": [ ... ]}.')
        if not envelope["objects"]:
            raise BadParameter("The envelope holds no object.")
        case = None
        if collection.case_id is not None:
            case = get_visible_or_404(request.user, Case, collection.case_id, record_read=False)
        status = services.objects_import(
            by=request.user, key=request.auth, objects=envelope["objects"], case=case,
        )
        return Response(services.status_resource(status), status=202)


class ManifestView(ObjectsView):
    http_method_names = ["get", "head"]

    def get(self, request, collection_id):
        collection = selectors.collection_or_404(request.user, collection_id)
        page = self.page(request, collection)
        log_api_list(request, "intelligenceitem", page.items)
        records = [
            {"id": e.object["id"], "date_added": e.date_added, "version": e.version,
             "media_type": "application/stix+json;version=2.1"}
            for e in page.entries
        ]
        return _date_headers(Response(_envelope_of(page, {"objects": records})), page.entries)


class ObjectView(ObjectsView):
    """One object (GET), by its STIX id: every version kept of it (one), match[version] applies."""

    http_method_names = ["get", "head"]

    def entries(self, request, collection_id, object_id):
        collection = selectors.collection_or_404(request.user, collection_id)
        page = self.page(request, collection, ids=frozenset({object_id}), types=frozenset())
        if not page.entries:
            raise NotVisible()
        return page

    def get(self, request, collection_id, object_id):
        page = self.entries(request, collection_id, object_id)
        _record_page(request, page, page.released)
        response = Response({"more": False, "objects": [e.object for e in page.entries]})
        return _date_headers(response, page.entries)


class VersionsView(ObjectView):
    def get(self, request, collection_id, object_id):
        page = self.entries(request, collection_id, object_id)
        log_api_list(request, "intelligenceitem", page.items)
        response = Response({"more": False, "versions": [e.version for e in page.entries]})
        return _date_headers(response, page.entries)


class StatusView(TaxiiView):
    def get(self, request, status_id):
        status = selectors.status_or_404(request.user, status_id)
        return Response(services.status_resource(status))
