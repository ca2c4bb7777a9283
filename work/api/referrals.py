"""Referrals over the API: the referrals of the key's agency, either side (to it, made by it),
keyset pages by (updated_at, id) as every sync list; one referral; referring a case or an item
(write scope; the agency must be able to share it); and its actions, acknowledge and close
(the addressed agency) and withdraw (the referrer), with If-Match or `version`. The refusals
are the pages' (work.services), in the API's error shape with the rule's code."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.models import Agency, FusionCenter
from audit.services import log_api_list, log_api_read
from cases.models import Case, IntelligenceItem
from core.api.errors import CREATE_ERRORS, DETAIL_ERRORS, LIST_ERRORS, UPDATE_ERRORS
from core.api.etags import expected_version, with_etag
from core.api.pagination import (
    ID_PARAMETER,
    PAGE_PARAMETERS,
    PageRequest,
    finish_page,
    keyset_queryset,
    page_response,
    page_serializer,
)
from core.errors import NotVisible
from sharing.permissions import get_visible_or_404

from .. import selectors, services
from ..models import Referral

ID_FIELD = {"min_value": 1, "max_value": 2**63 - 1}
WITHHELD = "Null when your agency does not see the referred record (e.g. its share was withdrawn)."


class ReferralRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField(allow_null=True, help_text="The case referred, or null.")
    case_number = serializers.CharField(allow_null=True)
    item_id = serializers.IntegerField(allow_null=True, help_text="The item referred, or null.")
    item_kind = serializers.ChoiceField(choices=IntelligenceItem.Kind.choices, allow_null=True)
    title = serializers.CharField(allow_null=True, help_text=f"The record's title. {WITHHELD}")
    direction = serializers.ChoiceField(
        choices=["incoming", "outgoing"],
        help_text="incoming: referred to your agency; outgoing: made by it.")
    from_agency_ori = serializers.CharField()
    from_agency = serializers.CharField()
    referring_center_id = serializers.IntegerField(allow_null=True)
    to_agency_ori = serializers.CharField()
    to_agency = serializers.CharField()
    due_date = serializers.DateField()
    overdue = serializers.BooleanField(help_text="Pending and past its due date.")
    instructions = serializers.CharField(allow_null=True, help_text=WITHHELD)
    status = serializers.ChoiceField(choices=Referral.Status.choices)
    outcome = serializers.ChoiceField(choices=Referral.Outcome.choices, allow_null=True)
    outcome_text = serializers.CharField(allow_null=True, help_text=WITHHELD)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(help_text="Name it in If-Match (the ETag) to act on it.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def referral_rows(user, selected):
    """The API rows of the referrals of `selected` (in its order): one query for the rows, two
    for what the caller sees of their records (selectors.mark_seen)."""
    referrals = selectors.mark_seen(user, list(selected.select_related(
        "case", "item", "from_agency", "to_agency")))
    today = timezone.localdate()
    rows = []
    for r in referrals:
        obj = r.referred
        rows.append({
            "id": r.pk, "case_id": r.case_id,
            "case_number": r.case.number if r.case_id else None,
            "item_id": r.item_id, "item_kind": r.item.kind if r.item_id else None,
            "title": obj.title if r.sees else None,
            "direction": "incoming" if r.to_agency_id == user.agency_id else "outgoing",
            "from_agency_ori": r.from_agency.ori, "from_agency": r.from_agency.name,
            "referring_center_id": r.referring_center_id,
            "to_agency_ori": r.to_agency.ori, "to_agency": r.to_agency.name,
            "due_date": r.due_date, "overdue": r.is_overdue(today),
            "instructions": r.instructions if r.sees else None,
            "status": r.status, "outcome": r.outcome or None,
            "outcome_text": (r.outcome_text if r.sees else None) if r.outcome else None,
            "acknowledged_at": r.acknowledged_at, "closed_at": r.closed_at,
            "withdrawn_at": r.withdrawn_at, "version": r.version,
            "created_at": r.created_at, "updated_at": r.updated_at,
        })
    return rows


class IdFilter(django_filters.Filter):
    """An id within the database's integers: another is a 400, never an overflow."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class ReferralFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(
        choices=[("incoming", "Referred to your agency"), ("outgoing", "Made by your agency")],
        method="filter_direction", label="incoming (to your agency) or outgoing (made by it)")
    status = django_filters.ChoiceFilter(choices=Referral.Status.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue",
                                           label="Pending and past the due date (true/false)")
    case = IdFilter(field_name="case_id", label="Referrals of this case")
    item = IdFilter(field_name="item_id", label="Referrals of this item")

    class Meta:
        model = Referral
        fields = ["direction", "status", "overdue", "case", "item"]

    def filter_direction(self, queryset, name, value):
        agency_id = self.request.user.agency_id
        return queryset.filter(to_agency_id=agency_id) if value == "incoming" \
            else queryset.filter(from_agency_id=agency_id)

    def filter_overdue(self, queryset, name, value):
        late = Q(status__in=Referral.PENDING_STATUSES, due_date__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class ReferralCreateInput(serializers.Serializer):
    case_id = serializers.IntegerField(required=False, allow_null=True, default=None, **ID_FIELD,
                                       help_text="A case your agency may share; or item_id.")
    item_id = serializers.IntegerField(required=False, allow_null=True, default=None, **ID_FIELD,
                                       help_text="An item (a tip, a lead, a SAR …) your agency "
                                                 "may share; or case_id.")
    agency_id = serializers.IntegerField(**ID_FIELD, help_text="The agency asked to act; it is "
                                         "given view on the record within its handling rules.")
    due_date = serializers.DateField()
    instructions = serializers.CharField(max_length=5000)
    center_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, **ID_FIELD,
        help_text="A fusion center the key's account administers, whose admins follow it.")


class ReferralActionInput(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read; or send If-Match instead.")


class ReferralCloseInput(ReferralActionInput):
    outcome = serializers.ChoiceField(choices=Referral.Outcome.choices)
    outcome_text = serializers.CharField(max_length=5000, help_text="What was done, or why not.")


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _field_error(name, message):
    return exceptions.ValidationError({name: [message]})


def _referred(request, data):
    """The case or item the body names, through the permission service: one the caller cannot
    see reads as a missing one."""
    if (data["case_id"] is None) == (data["item_id"] is None):
        raise _field_error("non_field_errors", "Name the case_id or the item_id to refer, one.")
    field, model = ("case_id", Case) if data["case_id"] is not None else ("item_id",
                                                                          IntelligenceItem)
    try:
        return get_visible_or_404(request.user, model, data[field], record_read=False)
    except NotVisible as missing:
        raise _field_error(field, str(missing)) from None


ACTION = dict(parameters=[ID_PARAMETER], responses={200: ReferralRowSerializer, **UPDATE_ERRORS})


@extend_schema_view(
    list=extend_schema(
        summary="Referrals to your agency and made by it",
        parameters=PAGE_PARAMETERS,
        responses={200: page_serializer("ReferralPage", ReferralRowSerializer), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One referral", parameters=[ID_PARAMETER],
        responses={200: ReferralRowSerializer, **DETAIL_ERRORS},
    ),
    create=extend_schema(
        summary="Refer a case or an item to an agency for action (write scope; your agency "
                "may share it)",
        request=ReferralCreateInput, responses={201: ReferralRowSerializer, **CREATE_ERRORS},
    ),
)
class ReferralViewSet(viewsets.GenericViewSet):
    """Referrals: a case or item referred to an agency for action, by a due date; the addressed
    agency acknowledges it and closes it with an outcome, the referrer may withdraw it. A
    referral exists for its two agencies only: for any other key it is missing (404)."""

    queryset = Referral.objects.none()
    filterset_class = ReferralFilter
    lookup_value_regex = r"[0-9]{1,18}"
    http_method_names = ["get", "post", "head", "options"]
    input_serializers = {"POST": ReferralCreateInput}

    def visible(self):
        agency_id = self.request.user.agency_id or -1
        return Referral.objects.filter(Q(to_agency_id=agency_id) | Q(from_agency_id=agency_id))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        return self.visible()

    def get_visible(self, pk):
        referral = self.visible().filter(pk=pk).first()
        if referral is None:
            raise NotVisible(Referral)
        return referral

    def detail_response(self, referral, status_code=status.HTTP_200_OK):
        row = referral_rows(self.request.user, Referral.objects.filter(pk=referral.pk))[0]
        return with_etag(Response(row, status=status_code), referral)

    def list(self, request):
        page = PageRequest.of(request)
        keys = keyset_queryset(self.filter_queryset(self.get_queryset()), page).values("id")
        selected = Referral.objects.filter(id__in=keys).order_by("updated_at", "id")
        rows, next_cursor, has_more = finish_page(
            referral_rows(request.user, selected), page,
            key=lambda row: (row["updated_at"], row["id"]))
        log_api_list(request, "referral", [row["id"] for row in rows])
        return page_response(rows, next_cursor, has_more)

    def retrieve(self, request, pk=None):
        referral = self.get_visible(pk)
        log_api_read(request, referral)
        return self.detail_response(referral)

    def create(self, request):
        data = _validated(ReferralCreateInput, request.data)
        obj = _referred(request, data)
        agency = Agency.objects.filter(pk=data["agency_id"]).first()
        if agency is None:
            raise _field_error("agency_id", "No agency found.")
        center = None
        if data["center_id"] is not None:
            center = FusionCenter.objects.filter(pk=data["center_id"]).first()
            if center is None:
                raise _field_error("center_id", "No fusion center found.")
        referral = services.refer(obj=obj, by=request.user, agency=agency,
                                  due_date=data["due_date"], instructions=data["instructions"],
                                  center=center)
        return self.detail_response(referral, status.HTTP_201_CREATED)

    @extend_schema(summary="Acknowledge a referral to your agency (write scope; If-Match or "
                           "version)", request=ReferralActionInput, **ACTION)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        referral = self.get_visible(pk)
        version = expected_version(request, referral)
        _validated(ReferralActionInput, request.data)
        done = services.referral_acknowledge(referral=referral, by=request.user, version=version)
        return self.detail_response(done)

    @extend_schema(summary="Close a referral to your agency with its outcome (write scope; "
                           "If-Match or version)", request=ReferralCloseInput, **ACTION)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        referral = self.get_visible(pk)
        version = expected_version(request, referral)
        data = _validated(ReferralCloseInput, request.data)
        done = services.referral_close(referral=referral, by=request.user, version=version,
                                       outcome=data["outcome"], outcome_text=data["outcome_text"])
        return self.detail_response(done)

    @extend_schema(summary="Withdraw a referral your agency made (write scope; If-Match or "
                           "version)", request=ReferralActionInput, **ACTION)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        referral = self.get_visible(pk)
        version = expected_version(request, referral)
        _validated(ReferralActionInput, request.data)
        done = services.referral_withdraw(referral=referral, by=request.user, version=version)
        return self.detail_response(done)
