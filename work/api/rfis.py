"""Requests for information over the API: my agency's requests (the filters and the order of the
page's list, work.selectors.requests_page), one request, addressing an RFI (its owner), taking
it, answering it, closing and reopening it. Every change is work.services's, so the API refuses
what the pages refuse, in the API's error shape with the service's named rule.

A request is named by its RFI's id (as on the pages, /rfis/<id>/); an agency that does not see
the RFI gets the 404 of a missing one."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.models import Agency, FusionCenter
from audit.services import log_api_list, log_api_read
from cases.api.serializers import ItemCreateInput
from cases.api.views import (
    ETAG,
    IF_MATCH,
    VisibleViewSet,
    _person_of_own_agency,
    _validated,
    _visible_target,
)
from cases.models import IntelligenceItem
from core.api.errors import CREATE_ERRORS, DETAIL_ERRORS, LIST_ERRORS, UPDATE_ERRORS
from core.api.etags import expected_version, with_etag
from core.api.pagination import (
    ID_PARAMETER,
    LIMIT_PARAMETER,
    page_response,
    page_serializer,
    parse_limit,
)
from core.errors import NotVisible
from core.handling import TLP
from sharing.permissions import items_visible_to

from .. import selectors, services
from ..models import RfiRequest
from .filters import RfiFilter

ID_FIELD = {"min_value": 1, "max_value": 2**63 - 1}
CURSOR_PARAMETER = OpenApiParameter(
    "cursor", OpenApiTypes.STR,
    description="next_cursor of the previous page: continues after its last row.")
RELATED = ("rfi__owner", "addressed_agency", "addressed_center", "taken_by")


class RfiRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The RFI's id (an item of kind `rfi`).")
    title = serializers.CharField(help_text="The RFI's title.")
    asker = serializers.CharField(help_text="The agency that asks (the RFI's owner).")
    asker_ori = serializers.CharField()
    addressed_agency_id = serializers.IntegerField(
        allow_null=True, help_text="Null when addressed to a center.")
    addressed_agency = serializers.CharField(allow_null=True)
    addressed_agency_ori = serializers.CharField(allow_null=True)
    addressed_center_id = serializers.IntegerField(
        allow_null=True, help_text="Null when addressed to one agency.")
    addressed_center = serializers.CharField(allow_null=True, help_text="Its short name.")
    status = serializers.ChoiceField(choices=RfiRequest.Status.choices)
    due_date = serializers.DateField()
    overdue = serializers.BooleanField(help_text="Pending and past its due date.")
    taken_by_id = serializers.IntegerField(allow_null=True, help_text="Null: taken by nobody.")
    taken_by = serializers.CharField(allow_null=True, help_text="Who took it.")
    response_ids = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The responses your agency sees (items of kind `rfi_response`).")
    cycle = serializers.IntegerField(help_text="How many times it was reopened.")
    version = serializers.IntegerField(help_text="Name it in If-Match (the ETag) to change it.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


def _name(user):
    if user is None:
        return None
    return f"{user.first_name} {user.last_name}".strip() or user.username


def request_rows(principal, requests, *, today):
    """The API rows of `requests` (loaded with RELATED), and the responses the caller sees of
    each in one query, whatever their number."""
    responses = {}
    if requests:
        answered = (items_visible_to(principal)
                    .filter(kind=IntelligenceItem.Kind.RFI_RESPONSE,
                            in_response_to_id__in=[r.rfi_id for r in requests])
                    .order_by("id").values_list("in_response_to_id", "id"))
        for rfi_id, response_id in answered:
            responses.setdefault(rfi_id, []).append(response_id)
    return [{
        "id": r.rfi_id, "title": r.rfi.title, "asker": r.rfi.owner.name,
        "asker_ori": r.rfi.owner.ori,
        "addressed_agency_id": r.addressed_agency_id,
        "addressed_agency": r.addressed_agency.name if r.addressed_agency else None,
        "addressed_agency_ori": r.addressed_agency.ori if r.addressed_agency else None,
        "addressed_center_id": r.addressed_center_id,
        "addressed_center": r.addressed_center.short_name if r.addressed_center else None,
        "status": r.status, "due_date": r.due_date, "overdue": r.is_overdue(today),
        "taken_by_id": r.taken_by_id, "taken_by": _name(r.taken_by),
        "response_ids": responses.get(r.rfi_id, []), "cycle": r.cycle, "version": r.version,
        "created_at": r.created_at, "updated_at": r.updated_at,
        "acknowledged_at": r.acknowledged_at, "answered_at": r.answered_at,
        "closed_at": r.closed_at,
    } for r in requests]


class RfiAddressInput(serializers.Serializer):
    rfi_id = serializers.IntegerField(help_text="An RFI of your agency, not addressed yet.",
                                      **ID_FIELD)
    agency_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, **ID_FIELD,
        help_text="The agency that answers it (see /api/v1/agencies/)…")
    center_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, **ID_FIELD,
        help_text="…or a fusion center, whose member agencies' analysts may each take it.")
    due_date = serializers.DateField(help_text="Today or later.")


class RfiVersionInput(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read; or send If-Match instead.")


class RfiReopenInput(RfiVersionInput):
    due_date = serializers.DateField(required=False, allow_null=True, default=None,
                                     help_text="A new due date, today or later; left out, "
                                               "the one it had.")


class RfiAnswerInput(ItemCreateInput):
    """A response, as /api/v1/items/ takes one, without what the request decides (its kind, the
    RFI it answers); its marking is the RFI's unless given."""

    kind = None
    case_id = None
    in_response_to_id = None
    behaviours = None
    subjects = None
    tlp = serializers.ChoiceField(choices=TLP.choices, required=False, allow_null=True,
                                  default=None, help_text="Left out: the RFI's marking.")
    les = serializers.BooleanField(required=False, allow_null=True, default=None,
                                   help_text="Left out: the RFI's caveat.")


class RfiAnswerSerializer(serializers.Serializer):
    response_id = serializers.IntegerField(help_text="The response: an item of your agency.")
    shared_with_asker = serializers.BooleanField(
        help_text="The response was shared (view) with the agency that asked.")
    share_back_refusal = serializers.CharField(
        allow_null=True, help_text="Why it was not, when it was not (the response is kept).")
    request = RfiRowSerializer()


@contextmanager
def named_rules():
    """A refusal of work.services on a field (a due date in the past, an addressee) keeps its
    rule as the error's code, as one on the request as a whole does."""
    try:
        yield
    except services.RfiRefused as refusal:
        if not hasattr(refusal, "error_dict"):
            raise
        codes = {e.code for errors in refusal.error_dict.values() for e in errors}
        error = exceptions.ValidationError(refusal.message_dict)
        error.rule = codes.pop() if len(codes) == 1 else None
        raise error from None


def _directory(model, pk, field):
    """An agency or center of the network's directory (every member reads it), or a field
    error."""
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise exceptions.ValidationError(
            {field: [f"No {model._meta.verbose_name} has this id."]})
    return found


ROUTE_INPUTS = {"api-rfi-list": RfiAddressInput, "api-rfi-take": RfiVersionInput,
                "api-rfi-close": RfiVersionInput, "api-rfi-reopen": RfiReopenInput,
                "api-rfi-answer": RfiAnswerInput}


@extend_schema_view(
    list=extend_schema(
        summary="Requests for information addressed to your agency, its centers or its key's "
                "account, or asked by your agency (soonest due first)",
        description="Keyset pages ordered by (due_date, id), with the filters of the portal's "
                    "list of requests. `next_cursor` is null on the last page.",
        parameters=[CURSOR_PARAMETER, LIMIT_PARAMETER],
        responses={200: page_serializer("RfiPage", RfiRowSerializer), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One request for information, by its RFI's id",
        parameters=[ID_PARAMETER, ETAG],
        responses={200: RfiRowSerializer, **DETAIL_ERRORS},
    ),
    create=extend_schema(
        summary="Address your agency's RFI to an agency or a fusion center, due on a day "
                "(write scope, the RFI's owner)",
        request=RfiAddressInput,
        parameters=[ETAG],
        responses={201: RfiRowSerializer, **CREATE_ERRORS},
    ),
)
class RfiViewSet(VisibleViewSet):
    """Requests for information: open → acknowledged (taken) → answered → closed, with a due
    date; reminded the day before, escalated to the admins of both sides once overdue."""

    model = RfiRequest
    object_type = "intelligenceitem"
    filterset_class = RfiFilter
    http_method_names = ["get", "post", "head", "options"]

    @property
    def input_serializers(self):
        """What a POST takes on this route (OPTIONS describes it): addressing on the list,
        each action's own input on its route."""
        match = getattr(getattr(self, "request", None), "resolver_match", None)
        return {"POST": ROUTE_INPUTS.get(getattr(match, "url_name", ""), RfiAddressInput)}

    def visible(self):
        return selectors.requests_of(self.request.user)

    def get_visible(self, pk):
        found = self.visible().select_related(*RELATED).filter(rfi_id=pk).first()
        if found is None:
            raise NotVisible(RfiRequest)
        return found

    def row(self, found):
        return request_rows(self.request.user, [found], today=timezone.localdate())[0]

    def detail_response(self, found, status_code=status.HTTP_200_OK):
        return with_etag(Response(self.row(found), status=status_code), found)

    def list(self, request):
        filters = RfiFilter(request.query_params, queryset=RfiRequest.objects.none(),
                            request=request)
        if not filters.is_valid():
            raise translate_validation(filters.errors)
        size = parse_limit(request.query_params.get("limit"))
        today = timezone.localdate()
        try:
            found, next_cursor = selectors.requests_page(
                request.user, today=today, cursor=request.query_params.get("cursor") or None,
                size=size, **filters.choice())
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"cursor": error.messages}) from None
        rows = request_rows(request.user, found, today=today)
        log_api_list(request, self.object_type, [row["id"] for row in rows])
        return page_response(rows, next_cursor, next_cursor is not None)

    def retrieve(self, request, pk=None):
        found = self.get_visible(pk)
        log_api_read(request, found.rfi)
        return self.detail_response(found)

    def create(self, request):
        data = _validated(RfiAddressInput, request.data)
        rfi = _visible_target(request, IntelligenceItem, data["rfi_id"], "rfi_id")
        agency = _directory(Agency, data["agency_id"], "agency_id")
        center = _directory(FusionCenter, data["center_id"], "center_id")
        with named_rules():
            services.rfi_address(rfi=rfi, by=request.user, due_date=data["due_date"],
                                 agency=agency, center=center)
        return self.detail_response(self.get_visible(rfi.pk), status.HTTP_201_CREATED)

    def _change(self, request, pk, change, input_serializer=RfiVersionInput):
        found = self.get_visible(pk)
        version = expected_version(request, found)
        data = _validated(input_serializer, request.data)
        data.pop("version", None)
        with named_rules():
            change(request=found, by=request.user, version=version,
                   **{name: value for name, value in data.items() if value is not None})
        return self.detail_response(self.get_visible(pk))

    @extend_schema(
        summary="Acknowledge the request and take it (write scope; the addressed agency, or a "
                "member agency of the addressed center; If-Match or version)",
        request=RfiVersionInput, parameters=[ID_PARAMETER, IF_MATCH, ETAG],
        responses={200: RfiRowSerializer, **UPDATE_ERRORS})
    @action(detail=True, methods=["post"], url_path="take")
    def take(self, request, pk=None):
        return self._change(request, pk, services.rfi_take)

    @extend_schema(
        summary="Close the request (write scope, the agency that asked; If-Match or version)",
        request=RfiVersionInput, parameters=[ID_PARAMETER, IF_MATCH, ETAG],
        responses={200: RfiRowSerializer, **UPDATE_ERRORS})
    @action(detail=True, methods=["post"], url_path="close")
    def close(self, request, pk=None):
        return self._change(request, pk, services.rfi_close)

    @extend_schema(
        summary="Reopen an answered or closed request, perhaps with a new due date (write "
                "scope, the agency that asked; If-Match or version)",
        request=RfiReopenInput, parameters=[ID_PARAMETER, IF_MATCH, ETAG],
        responses={200: RfiRowSerializer, **UPDATE_ERRORS})
    @action(detail=True, methods=["post"], url_path="reopen")
    def reopen(self, request, pk=None):
        return self._change(request, pk, services.rfi_reopen, RfiReopenInput)

    @extend_schema(
        summary="Answer the request with a response (write scope; the addressed side, while "
                "it is pending)",
        description="The response is an intelligence item of your agency (kind `rfi_response`), "
                    "written as the portal's page writes one: shared back (view) with the "
                    "agency that asked when its marking allows, and the request is answered. "
                    "28 CFR Part 23: give the predicate and every label to keep it as criminal "
                    "intelligence; left out, it is information pending review, which goes to "
                    "the asker once a reviewer of your agency accepts it.",
        request=RfiAnswerInput, parameters=[ID_PARAMETER],
        responses={201: RfiAnswerSerializer, **CREATE_ERRORS, **DETAIL_ERRORS})
    @action(detail=True, methods=["post"], url_path="answer")
    def answer(self, request, pk=None):
        found = self.get_visible(pk)
        data = _validated(RfiAnswerInput, request.data)
        official = data.pop("control_official_id")
        if official is not None:
            data["control_official"] = _person_of_own_agency(request, official)
        response = services.rfi_respond(request=found, by=request.user, **data)
        refusal = getattr(response, "share_back_refusal", None)
        return Response(RfiAnswerSerializer({
            "response_id": response.pk,
            "shared_with_asker": refusal is None and found.rfi.owner_id != request.user.agency_id,
            "share_back_refusal": refusal,
            "request": self.row(self.get_visible(pk)),
        }).data, status=status.HTTP_201_CREATED)
