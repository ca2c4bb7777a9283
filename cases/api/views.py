"""API endpoints of cases, intelligence items, annotations and entities (thin: parse, call a
selector of the permission service or a service of cases.services, answer).

Lists: keyset pages ascending by (updated_at, id) for incremental sync. One query picks the
page's keys through the permission service (a subquery) and reads their rows, with each row's
entities and states (cases.api.serializers).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.selectors import control_officials
from audit.services import log_api_list, log_api_read
from core.api.errors import CREATE_ERRORS, DETAIL_ERRORS, LIST_ERRORS, UPDATE_ERRORS
from core.api.etags import expected_version, with_etag
from core.api.pagination import (
    ID_PARAMETER,
    PAGE_PARAMETERS,
    PageRequest,
    finish_page,
    is_unfiltered,
    keyset_queryset,
    page_response,
    page_serializer,
)
from core.errors import NotVisible
from sharing.permissions import (
    annotations_visible_to,
    cases_visible_to,
    entities_visible_to,
    get_visible_or_404,
    items_visible_to,
    visible_page_ids,
)

from .. import services
from ..entities import FIELD_OF_REFUSAL, typed_label, typed_values
from ..models import Annotation, Case, Entity, IntelligenceItem
from . import serializers as s
from .filters import AnnotationFilter, CaseFilter, EntityFilter, ItemFilter

ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    response=[200, 201],
    description='The object\'s version, e.g. "case-12-v3": send it as If-Match to change it.',
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description="The ETag of the version you read. A stale one gets 412 and nothing is "
    "written. Send it, or the body's `version`.",
)


class VisibleViewSet(viewsets.GenericViewSet):
    """A list and a detail of what the caller's agency may see.

    Subclasses name the model, the permission-service selector and the row builder."""

    model = None
    object_type = ""
    sort_field = "updated_at"
    # What each write takes, by HTTP method: OPTIONS describes it (core.api.metadata).
    input_serializers = {}
    lookup_value_regex = r"[0-9]{1,18}"

    def visible(self):
        raise NotImplementedError

    def rows(self, selected):
        """The API rows of the objects of `selected` (a queryset, in its order)."""
        raise NotImplementedError

    def released(self, rows):
        """What the answer's rows release, recorded (28 CFR 23.20(g) for items): nothing here."""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.visible()

    def list(self, request):
        page = PageRequest.of(request, sort_field=self.sort_field)
        if self.model in (Case, IntelligenceItem) and is_unfiltered(request):
            # An unfiltered page of cases or items is picked from the permission rows alone.
            keys = visible_page_ids(
                self.model, request.user,
                limit=page.limit + 1, after=page.after, cursor=page.position, until=page.until,
            )
        else:
            visible = self.filter_queryset(self.get_queryset())
            keys = keyset_queryset(visible, page, sort_field=self.sort_field).values("id")
        rows = []
        if keys is not None:  # None: the agency sees nothing
            # One query picks the page's keys and reads their rows.
            selected = self.model._default_manager.filter(id__in=keys)
            rows = self.rows(selected.order_by(self.sort_field, "id"))
        rows, next_cursor, has_more = finish_page(
            rows, page, key=lambda row: (row[self.sort_field], row["id"])
        )
        self.released(rows)
        log_api_list(request, self.object_type, [row["id"] for row in rows])
        return page_response(rows, next_cursor, has_more)

    def get_visible(self, pk):
        return get_visible_or_404(self.request.user, self.model, pk, record_read=False)

    def retrieve(self, request, pk=None):
        obj = self.get_visible(pk)
        log_api_read(request, obj)
        return self.detail_response(obj)

    def detail_response(self, obj, status_code=status.HTTP_200_OK):
        row = self.rows(self.model._default_manager.filter(pk=obj.pk))[0]
        self.released([row])
        response = Response(row, status=status_code)
        return with_etag(response, obj) if hasattr(obj, "version") else response


class SubjectLinks:
    """POST <record>/subjects/: link one subject to a case or item the key's agency may edit."""

    def link_subject(self, request, pk):
        obj = self.get_visible(pk)
        data = _validated(s.SubjectLinkInput, request.data)
        kind, value = data["kind"], data["value"]
        try:
            entity = services.entity_link(
                by=request.user, kind=kind, role=data["role"],
                label=data["label"] or typed_label(kind, value, state=data["state"],
                                                   platform=data["platform"]),
                **{"case" if self.model is Case else "item": obj},
                **typed_values(kind, value, state=data["state"], dob=data["dob"],
                               platform=data["platform"]),
            )
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                raise
            field = FIELD_OF_REFUSAL.get(getattr(error, "code", None), "value")
            raise exceptions.ValidationError({field: error.messages}) from None
        obj.refresh_from_db()
        return self.detail_response(
            obj, status.HTTP_201_CREATED if entity.linked_now else status.HTTP_200_OK)


def _field_error(name, message):
    return exceptions.ValidationError({name: [message]})


def _visible_target(request, model, pk, field):
    """A case or item named in the body; one the caller cannot see is a field error that reads
    the same as a missing one."""
    if pk is None:
        return None
    try:
        return get_visible_or_404(request.user, model, pk, record_read=False)
    except NotVisible as missing:
        raise _field_error(field, str(missing)) from None


@extend_schema_view(
    list=extend_schema(
        summary="Cases your agency may see",
        parameters=PAGE_PARAMETERS,
        responses={200: page_serializer("CasePage", s.CaseRowSerializer), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One case",
        parameters=[ID_PARAMETER, ETAG],
        responses={200: s.CaseRowSerializer, **DETAIL_ERRORS},
    ),
    create=extend_schema(
        summary="Open a case owned by your agency (write scope)",
        request=s.CaseCreateInput,
        parameters=[ETAG],
        responses={201: s.CaseRowSerializer, **CREATE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a case (write scope, edit level; If-Match or version)",
        request=s.CaseUpdateInput,
        parameters=[ID_PARAMETER, IF_MATCH, ETAG],
        responses={200: s.CaseRowSerializer, **UPDATE_ERRORS},
    ),
)
class CaseViewSet(SubjectLinks, VisibleViewSet):
    """Cases: owned by one agency, seen by those it is shared with."""

    model = Case
    object_type = "case"
    filterset_class = CaseFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    input_serializers = {"POST": s.CaseCreateInput, "PATCH": s.CaseUpdateInput}

    def visible(self):
        return cases_visible_to(self.request.user)

    def rows(self, selected):
        return s.case_rows(selected)

    def create(self, request):
        data = s.resolve_lead_center(_validated(s.CaseCreateInput, request.data))
        subjects = data.pop("subjects")
        with transaction.atomic():  # the case and its subjects, or nothing
            case = services.case_create(by=request.user, **data)
            services.subjects_link(by=request.user, target=case, subjects=subjects)
        return self.detail_response(case, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Link a subject to the case (write scope, edit level)",
        description="Linked already: 200 and nothing changes. The link is checked against the "
        "records of other agencies (blind deconfliction: `deconfliction.match`) and the "
        "subjects people watch.",
        request=s.SubjectLinkInput,
        responses={201: s.CaseRowSerializer, 200: s.CaseRowSerializer, **CREATE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="subjects")
    def subjects(self, request, pk=None):
        return self.link_subject(request, pk)

    def partial_update(self, request, pk=None):
        case = self.get_visible(pk)
        version = expected_version(request, case)
        changes = s.resolve_lead_center(_validated(s.CaseUpdateInput, request.data))
        changes.pop("version", None)
        if not changes:
            raise exceptions.ValidationError(
                {"non_field_errors": ["Nothing to change: send at least one field."]}
            )
        case = services.case_update(case=case, by=request.user, version=version, **changes)
        return self.detail_response(case)


@extend_schema_view(
    list=extend_schema(
        summary="Intelligence items your agency may see",
        parameters=PAGE_PARAMETERS,
        responses={200: page_serializer("ItemPage", s.ItemRowSerializer), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One item",
        parameters=[ID_PARAMETER, ETAG],
        responses={200: s.ItemRowSerializer, **DETAIL_ERRORS},
    ),
    create=extend_schema(
        summary="Submit an item sourced by your agency (write scope)",
        request=s.ItemCreateInput,
        parameters=[ETAG],
        responses={201: s.ItemRowSerializer, **CREATE_ERRORS},
    ),
)
class ItemViewSet(SubjectLinks, VisibleViewSet):
    """Intelligence items: tips, SARs, RFIs and their responses, bulletins, reports."""

    model = IntelligenceItem
    object_type = "intelligenceitem"
    filterset_class = ItemFilter
    http_method_names = ["get", "post", "head", "options"]
    input_serializers = {"POST": s.ItemCreateInput}

    def visible(self):
        return items_visible_to(self.request.user)

    def rows(self, selected):
        return s.item_rows(selected, principal=self.request.user)

    def released(self, rows):
        key = self.request.auth
        services.disseminations_record_pull(
            by=self.request.user, rows=rows, key_name=getattr(key, "name", "(no key)"),
        )

    def create(self, request):
        data = _validated(s.ItemCreateInput, request.data)
        data["case"] = _visible_target(request, Case, data.pop("case_id"), "case_id")
        data["in_response_to"] = _visible_target(
            request, IntelligenceItem, data.pop("in_response_to_id"), "in_response_to_id"
        )
        data["control_official"] = _person_of_own_agency(request, data.pop("control_official_id"))
        subjects = data.pop("subjects")
        with transaction.atomic():  # the item and its subjects, or nothing
            item = services.item_create(by=request.user, **data)
            services.subjects_link(by=request.user, target=item, subjects=subjects)
        return self.detail_response(item, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Link a subject to the item (write scope, edit level)",
        description="Linked already: 200 and nothing changes. The link is checked against the "
        "records of other agencies (blind deconfliction: `deconfliction.match`) and the "
        "subjects people watch.",
        request=s.SubjectLinkInput,
        responses={201: s.ItemRowSerializer, 200: s.ItemRowSerializer, **CREATE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="subjects")
    def subjects(self, request, pk=None):
        return self.link_subject(request, pk)

    @extend_schema(
        summary="Accept or reject information pending review (write scope, a reviewer's key)",
        request=s.ItemReviewInput,
        responses={200: s.ItemRowSerializer, **CREATE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="review")
    def review(self, request, pk=None):
        """28 CFR Part 23: the decision of a reviewer of the submitting agency. The key's
        account must hold the reviewer role; the refusals are those of the browser."""
        item = self.get_visible(pk)
        data = _validated(s.ItemReviewInput, request.data)
        if "control_official_id" in data:
            data["control_official"] = _person_of_own_agency(
                request, data.pop("control_official_id")
            )
        reviewed = services.item_review(item=item, by=request.user, **data)
        return self.detail_response(reviewed)

    @extend_schema(
        summary="Purge criminal intelligence (write scope, a reviewer's key; 28 CFR 23.20(h))",
        request=s.ItemPurgeInput,
        responses={200: s.ItemPurgedSerializer, **CREATE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="purge")
    def purge(self, request, pk=None):
        """Destroys the record's content, files and subject links; what stays is its
        tombstone, here returned. Every agency it reached is told, and partner systems get a
        `purged` tombstone on /api/v1/changes/. The refusals are those of the browser."""
        item = self.get_visible(pk)
        data = _validated(s.ItemPurgeInput, request.data)
        purged = services.item_purge(item=item, by=request.user, reason=data["reason"])
        return Response(s.ItemPurgedSerializer({
            "id": purged.pk, "intelligence_status": purged.intelligence_status,
            "purged_at": purged.purged_at, "purge_reason": purged.purge_reason,
            "agencies_told": purged.agencies_told,
        }).data)


@extend_schema_view(
    list=extend_schema(
        summary="Annotations on the cases and items your agency may see",
        parameters=PAGE_PARAMETERS,
        responses={
            200: page_serializer("AnnotationPage", s.AnnotationRowSerializer),
            **LIST_ERRORS,
        },
    ),
    retrieve=extend_schema(
        summary="One annotation",
        parameters=[ID_PARAMETER, ETAG],
        responses={200: s.AnnotationRowSerializer, **DETAIL_ERRORS},
    ),
    create=extend_schema(
        summary="Annotate a case or an item (write scope, annotate level)",
        request=s.AnnotationCreateInput,
        parameters=[ETAG],
        responses={201: s.AnnotationRowSerializer, **CREATE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Edit your key's own annotation (write scope; If-Match or version)",
        request=s.AnnotationUpdateInput,
        parameters=[ID_PARAMETER, IF_MATCH, ETAG],
        responses={200: s.AnnotationRowSerializer, **UPDATE_ERRORS},
    ),
)
class AnnotationViewSet(VisibleViewSet):
    """Analysts' notes on a case or an item; edited with history."""

    model = Annotation
    object_type = "annotation"
    filterset_class = AnnotationFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    input_serializers = {"POST": s.AnnotationCreateInput, "PATCH": s.AnnotationUpdateInput}

    def visible(self):
        return annotations_visible_to(self.request.user)

    def rows(self, selected):
        return s.annotation_rows(selected)

    def get_visible(self, pk):
        annotation = self.visible().select_related("case", "item").filter(pk=pk).first()
        if annotation is None:
            raise NotVisible(Annotation)
        return annotation

    def create(self, request):
        data = _validated(s.AnnotationCreateInput, request.data)
        case = _visible_target(request, Case, data["case_id"], "case_id")
        item = _visible_target(request, IntelligenceItem, data["item_id"], "item_id")
        annotation = services.annotation_add(
            by=request.user, body=data["body"], case=case, item=item
        )
        return self.detail_response(annotation, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        annotation = self.get_visible(pk)
        version = expected_version(request, annotation)
        data = _validated(s.AnnotationUpdateInput, request.data)
        try:
            annotation = services.annotation_edit(
                annotation=annotation, by=request.user, version=version, body=data["body"]
            )
        except DjangoValidationError as error:
            if getattr(error, "code", None) == "not_author":
                raise exceptions.PermissionDenied(
                    "Only the author of an annotation can edit it.", code="not_author"
                ) from None
            raise
        return self.detail_response(annotation)


@extend_schema_view(
    list=extend_schema(
        summary="Entities linked to the cases and items your agency may see",
        description="Entities do not change once created; `updated_after` and the cursor run on "
        "their creation time. Each case and item row also lists its entities.",
        parameters=PAGE_PARAMETERS,
        responses={200: page_serializer("EntityPage", s.EntityRowSerializer), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One entity",
        parameters=[ID_PARAMETER],
        responses={200: s.EntityRowSerializer, **DETAIL_ERRORS},
    ),
)
class EntityViewSet(VisibleViewSet):
    """Subjects (people, vehicles, phones ...) by their normalised match keys."""

    model = Entity
    object_type = "entity"
    sort_field = "created_at"
    filterset_class = EntityFilter
    http_method_names = ["get", "head", "options"]

    def visible(self):
        return entities_visible_to(self.request.user)

    def rows(self, selected):
        return s.entity_rows(selected, self.request.user)

    def get_visible(self, pk):
        entity = self.visible().filter(pk=pk).first()
        if entity is None:
            raise NotVisible(Entity)
        return entity


def _person_of_own_agency(request, pk):
    """The control official named by id: a person of the caller's agency, or a field error
    (a person of another agency is not told apart from a missing one)."""
    if pk is None:
        return None
    person = control_officials(request.user.agency).filter(pk=pk).first()
    if person is None:
        raise _field_error(
            "control_official_id", "No active person of your agency has this id (28 CFR 23.20(c))."
        )
    return person


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
