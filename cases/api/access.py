"""Request access over the API (cases.access): a partner system asks, lists and answers
requests for its agency, with the refusals of the pages."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.errors import CREATE_ERRORS, LIST_ERRORS, UPDATE_ERRORS
from core.errors import NotVisible
from core.handling import Level
from sharing.models import AccessRequest

from .. import access

ID_FIELD = {"min_value": 1, "max_value": 2**63 - 1}


class AccessRequestInput(serializers.Serializer):
    match_id = serializers.IntegerField(required=False, allow_null=True, default=None, **ID_FIELD,
                                        help_text="The deconfliction match the notice named.")
    alert_id = serializers.IntegerField(required=False, allow_null=True, default=None, **ID_FIELD,
                                        help_text="The in-app notification of a withheld alert.")
    reason = serializers.CharField(max_length=5000)


class AccessDecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["grant", "decline"])
    level = serializers.ChoiceField(choices=["view", "annotate", "edit"], default="view")
    answer = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class AccessRequestRow(serializers.Serializer):
    id = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=["incoming", "outgoing"])
    status = serializers.CharField()
    source = serializers.CharField()
    owner = serializers.DictField()
    requester = serializers.DictField()
    reason = serializers.CharField()
    record = serializers.DictField(allow_null=True, help_text=(
        "The record: to its owner always, to the agency that asked once access is granted."))
    level = serializers.CharField(allow_null=True)
    answer = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


LEVELS = {"view": Level.VIEW, "annotate": Level.ANNOTATE, "edit": Level.EDIT}


def row(request, agency_id):
    incoming = request.owner_id == agency_id
    record = request.subject
    shown = incoming or request.status == AccessRequest.Status.GRANTED
    return {
        "id": request.pk, "direction": "incoming" if incoming else "outgoing",
        "status": request.status, "source": request.source,
        "owner": {"name": request.owner.name, "ori": request.owner.ori},
        "requester": {"name": request.requester.name, "ori": request.requester.ori},
        "reason": request.reason,
        "record": ({"type": record._meta.model_name.replace("intelligenceitem", "item"),
                    "id": record.pk, "title": record.title} if shown else None),
        "level": Level(request.level).label.lower() if request.level else None,
        "answer": request.answer, "created_at": request.created_at,
        "decided_at": request.decided_at,
    }


class AccessRequestViewSet(viewsets.GenericViewSet):
    """Requests for access to a record the agency may not see, and their answers."""

    queryset = AccessRequest.objects.none()
    lookup_value_regex = r"[0-9]{1,18}"

    @extend_schema(summary="Access requests to and from your agency (the newest 50 of each)",
                   responses={200: AccessRequestRow(many=True), **LIST_ERRORS})
    def list(self, request):
        incoming, outgoing = access.requests_of(request.user)
        agency_id = request.user.agency_id
        return Response([row(r, agency_id) for r in sorted(
            [*incoming, *outgoing], key=lambda r: r.created_at, reverse=True)])

    @extend_schema(summary="Ask for access, from a deconfliction match or a withheld alert "
                           "(write scope)",
                   request=AccessRequestInput, responses={201: AccessRequestRow, **CREATE_ERRORS})
    def create(self, request):
        data = AccessRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        made = access.access_request(by=request.user, **data.validated_data)
        made = AccessRequest.objects.select_related("owner", "requester").get(pk=made.pk)
        return Response(row(made, request.user.agency_id), status=status.HTTP_201_CREATED)

    @extend_schema(summary="Grant or decline a request made to your agency (write scope)",
                   request=AccessDecisionInput, responses={200: AccessRequestRow, **UPDATE_ERRORS})
    @action(detail=True, methods=["post"], url_path="decide")
    def decide(self, request, pk=None):
        made = AccessRequest.objects.filter(pk=pk, owner_id=request.user.agency_id or -1).first()
        if made is None:
            raise NotVisible(AccessRequest)
        data = AccessDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        decided = access.access_decide(request=made, by=request.user,
                                       decision=values["decision"],
                                       level=LEVELS[values["level"]], answer=values["answer"])
        decided = AccessRequest.objects.select_related("owner", "requester", "case", "item").get(
            pk=decided.pk)
        return Response(row(decided, request.user.agency_id))
