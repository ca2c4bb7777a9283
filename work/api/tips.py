"""Tips over the API: my agency's triage queue (the filters and the order of the page's queue,
work.tip_selectors.queue_page), one tip's triage, taking a tip down, and its way through the
queue: assign, start review, accept on a case, close with a reason. Every change is
work.tip_services's, so the API refuses what the pages refuse, in the API's error shape with
the service's named rule.

A tip is named by its item's id (as on the pages, /tips/<id>/); an agency that does not see the
tip gets the 404 of a missing one.

Who acts: a key is of an agency, not of a person. It acts through its own service account (the
key's `user`, of the key's agency: agencies.api_keys), as every endpoint does, so that the
services, the access log and the triage row name the key. That account is on its agency's queue
side like any of its people: it takes tips down, assigns them, and reviews, accepts and closes
them. "Assignee" is an active account of the agency that took the tip down (a person, or a key's
account: work.tip_selectors.triagers_of, as the page's menu), named by `assignee_id` as the rows'
`assignee_id` and `decided_by_id` name them; `assignee=me` in the list's filter is the key's own
account. Starting a review makes the one who starts it
the tip's reviewer, so a key starts the review of a tip unassigned or assigned to its own
account only (tip_not_assignee otherwise): a tip assigned to a person is that person's to
review, on the page."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django_filters.utils import translate_validation
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.models import FusionCenter
from audit.services import log_api_list, log_api_read
from cases.api.views import ETAG, IF_MATCH, VisibleViewSet, _validated, _visible_target
from cases.models import Case, IntelligenceItem
from core.api.errors import CREATE_ERRORS, DETAIL_ERRORS, LIST_ERRORS, UPDATE_ERRORS
from core.api.etags import expected_version, with_etag
from core.api.pagination import ID_PARAMETER, LIMIT_PARAMETER, page_response, page_serializer, parse_limit
from core.errors import NotVisible
from core.handling import TLP
from core.states import STATE_CHOICES
from sharing.permissions import get_visible_or_404

from .. import tip_selectors as selectors
from .. import tip_services as services
from ..models import TipTriage
from .filters import TipFilter
from .rfis import CURSOR_PARAMETER, ID_FIELD

RELATED = ("tip", "agency", "assignee", "center")
# The kinds of subject a tip names (work.tip_forms.RECOGNISED_KINDS), as the API's enum.
SUBJECT_KINDS = [("phone", "Phone"), ("email", "E-mail"), ("vehicle", "Vehicle (plate)"),
                 ("vin", "VIN")]
HINT_TYPES = [("tip", "A tip"), ("case", "A case")]
BLIND = "Null for a record your agency does not see (a pointer: its agency, whom to call)."
THEIRS = "Null unless your agency triages the tip (it took it down)."


class TipHintSerializer(serializers.Serializer):
    visible = serializers.BooleanField(
        help_text="Your agency sees the record: it is named. False: a pointer only, within the "
                  "blind rules (never TLP:RED, information pending review or rejected).")
    type = serializers.ChoiceField(choices=HINT_TYPES)
    subject = serializers.CharField(help_text="The tip's subject, as it was typed.")
    id = serializers.IntegerField(allow_null=True, help_text=f"The tip's or case's id. {BLIND}")
    number = serializers.CharField(allow_null=True, help_text=BLIND)
    title = serializers.CharField(allow_null=True, help_text=BLIND)
    triaged = serializers.BooleanField(help_text="A tip with a triage page (/tips/<id>/).")
    agency = serializers.CharField(help_text="The agency that holds the record.")
    agency_ori = serializers.CharField(allow_null=True, help_text="Given with a pointer.")
    contact = serializers.CharField(allow_null=True, help_text="Whom to call, with a pointer.")


class TipRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The tip's id (an item of kind `tip`).")
    number = serializers.CharField(help_text="T-<id>, as the pages name it.")
    title = serializers.CharField(allow_null=True)
    what = serializers.CharField(allow_null=True, help_text="What the caller reported.")
    where = serializers.CharField(allow_null=True)
    when = serializers.DateTimeField(allow_null=True)
    caller_anonymous = serializers.BooleanField()
    caller_name = serializers.CharField(allow_null=True, help_text=THEIRS)
    caller_phone = serializers.CharField(allow_null=True, help_text=THEIRS)
    tlp = serializers.ChoiceField(choices=TLP.choices)
    agency = serializers.CharField(help_text="The agency that took it down (whose queue).")
    agency_ori = serializers.CharField()
    center_id = serializers.IntegerField(allow_null=True, help_text="The center it was filed to.")
    center = serializers.CharField(allow_null=True, help_text="Its short name.")
    status = serializers.ChoiceField(choices=TipTriage.Status.choices)
    assignee_id = serializers.IntegerField(allow_null=True, help_text="Null: nobody.")
    assignee = serializers.CharField(allow_null=True)
    due_at = serializers.DateTimeField(help_text="When it is to be decided (its center's "
                                                 "deadline after intake).")
    overdue = serializers.BooleanField(help_text="Still to decide and past its deadline.")
    accepted_case_id = serializers.IntegerField(allow_null=True)
    decided_by_id = serializers.IntegerField(allow_null=True)
    close_reason = serializers.CharField(allow_null=True)
    hints = TipHintSerializer(
        many=True, help_text="The records that shared a subject with it at intake, as your "
                             "agency may be told of them now.")
    version = serializers.IntegerField(help_text="Name it in If-Match (the ETag) to change it.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    assigned_at = serializers.DateTimeField(allow_null=True)
    review_started_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


def _name(user):
    if user is None:
        return None
    return f"{user.first_name} {user.last_name}".strip() or user.username


def _hint_row(hint):
    visible = hint["visible"]
    return {"visible": visible, "type": hint["type"], "subject": hint["subject"],
            "id": hint["id"] if visible else None,
            "number": hint["number"] if visible else None,
            "title": hint["title"] if visible else None,
            "triaged": bool(visible and hint["triaged"]), "agency": hint["agency"],
            "agency_ori": None if visible else hint["ori"],
            "contact": None if visible else hint["contact"]}


def tip_rows(user, triages, *, now):
    """The API rows of `triages` (loaded with RELATED, each with `seen`: whether the caller's
    agency sees the tip), their hints read for the whole page at once (at most four queries,
    tip_selectors.hint_records) and told of each tip as its triage page tells them. A tip the
    caller does not see is a pointer (number, status, dates): no title, text or hints."""
    refs = [ref for triage in triages if triage.seen for ref in triage.hints]
    records = selectors.hint_records(user, refs) if refs else None
    rows = []
    for t in triages:
        seen, ours = t.seen, services.on_queue_side(user, t)
        hints = selectors.hints_told(user, t.hints, records) if seen and t.hints else []
        rows.append({
            "id": t.tip_id, "number": t.number,
            "title": t.tip.title if seen else None, "what": t.tip.body if seen else None,
            "where": t.place if seen else None, "when": t.occurred_at,
            "caller_anonymous": t.caller_anonymous,
            "caller_name": t.caller_name if seen and ours else None,
            "caller_phone": t.caller_phone if seen and ours else None,
            "tlp": t.tip.tlp, "agency": t.agency.name, "agency_ori": t.agency.ori,
            "center_id": t.center_id, "center": t.center.short_name if t.center else None,
            "status": t.status, "assignee_id": t.assignee_id, "assignee": _name(t.assignee),
            "due_at": t.due_at, "overdue": t.is_overdue(now),
            "accepted_case_id": t.accepted_case_id, "decided_by_id": t.decided_by_id,
            "close_reason": (t.close_reason or None) if seen else None,
            "hints": [_hint_row(hint) for hint in hints], "version": t.version,
            "created_at": t.created_at, "updated_at": t.updated_at,
            "assigned_at": t.assigned_at, "review_started_at": t.review_started_at,
            "decided_at": t.decided_at,
        })
    return rows


class TipSubjectInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SUBJECT_KINDS)
    value = serializers.CharField(max_length=200, help_text="As the caller gave it.")
    state = serializers.ChoiceField(choices=STATE_CHOICES, required=False, default="",
                                    allow_blank=True, help_text="A plate's state.")


class TipTakeDownInput(serializers.Serializer):
    what = serializers.CharField(max_length=20000, allow_blank=True,
                                 help_text="What the caller reported; its first line is the "
                                           "tip's title.")
    where = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    when = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                     help_text="When it happened; left out, now.")
    caller_name = serializers.CharField(max_length=200, required=False, default="",
                                        allow_blank=True)
    caller_phone = serializers.CharField(max_length=40, required=False, default="",
                                         allow_blank=True)
    anonymous = serializers.BooleanField(required=False, default=False,
                                         help_text="An anonymous caller has no name or phone.")
    subjects = TipSubjectInput(many=True, required=False, default=list,
                               help_text="The subjects the tip names (at most 20): each is "
                                         "linked, and the records holding one are its hints.")
    tlp = serializers.ChoiceField(choices=TLP.choices, required=False, default=TLP.AMBER)
    center_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, **ID_FIELD,
        help_text="A fusion center your agency is an active member of; left out, the one of "
                  "its home state.")

    def validate_subjects(self, value):
        if len(value) > selectors.SUBJECTS_READ:
            raise serializers.ValidationError(
                f"Name at most {selectors.SUBJECTS_READ} subjects.")
        return value


class TipVersionInput(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read; or send If-Match instead.")


class TipAssignInput(TipVersionInput):
    assignee_id = serializers.IntegerField(
        **ID_FIELD, help_text="A person of the agency that took the tip down (or a key's "
                              "account of it).")


class TipNewCaseInput(serializers.Serializer):
    number = serializers.CharField(max_length=64, help_text="Your agency's case number.")
    title = serializers.CharField(max_length=200, required=False, default="", allow_blank=True,
                                  help_text="Left out: the tip's title.")


class TipAcceptInput(TipVersionInput):
    case_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, **ID_FIELD,
        help_text="An existing case your agency may edit…")
    new_case = TipNewCaseInput(
        required=False, allow_null=True, default=None,
        help_text="…or a case opened now (led by the tip's center, in its agency's home state).")


class TipCloseInput(TipVersionInput):
    reason = serializers.CharField(max_length=2000, allow_blank=True,
                                   help_text="Why: nothing to act on, a crank call, a duplicate "
                                             "of another tip…")


@contextmanager
def named_rules(fields=None):
    """A refusal of work.tip_services keeps its rule as the error's code, on a field (named as
    the API names it: `assignee_id` for `assignee`) as on the request as a whole."""
    try:
        yield
    except services.TipRefused as refusal:
        if not hasattr(refusal, "error_dict"):
            raise
        codes = {e.code for errors in refusal.error_dict.values() for e in errors}
        error = exceptions.ValidationError({
            (fields or {}).get(name, name): messages
            for name, messages in refusal.message_dict.items()})
        error.rule = codes.pop() if len(codes) == 1 else None
        raise error from None


ROUTE_INPUTS = {"api-tip-list": TipTakeDownInput, "api-tip-assign": TipAssignInput,
                "api-tip-review": TipVersionInput, "api-tip-accept": TipAcceptInput,
                "api-tip-close": TipCloseInput}
ACTION = dict(parameters=[ID_PARAMETER, IF_MATCH, ETAG],
              responses={200: TipRowSerializer, **UPDATE_ERRORS})


@extend_schema_view(
    list=extend_schema(
        summary="Your agency's triage queue: the tips it took down, newest first",
        description="Keyset pages ordered by (created_at, id), newest first, with the filters "
                    "of the portal's queue. `next_cursor` is null on the last page.",
        parameters=[CURSOR_PARAMETER, LIMIT_PARAMETER],
        responses={200: page_serializer("TipPage", TipRowSerializer), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One tip's triage, by its id", parameters=[ID_PARAMETER, ETAG],
        responses={200: TipRowSerializer, **DETAIL_ERRORS},
    ),
    create=extend_schema(
        summary="Take a tip down: what, where, when, the caller and the subjects (write "
                "scope)",
        description="The tip is an item of your agency, information pending review (28 CFR "
                    "Part 23) shared with nobody, new in your agency's queue and filed to one "
                    "of its centers, whose deadline sets when it is due. The answer is its "
                    "triage with the records that already held one of its subjects (`hints`), "
                    "as its page tells them: named if your agency sees them, else a pointer "
                    "within the blind rules, else nothing.",
        request=TipTakeDownInput, parameters=[ETAG],
        responses={201: TipRowSerializer, **CREATE_ERRORS},
    ),
)
class TipViewSet(VisibleViewSet):
    """Tips: new → assigned → in review → accepted (a lead on a case) / referred / closed (with a
    reason), by the agency that took the tip down. Referring one is /api/v1/referrals/'s."""

    model = TipTriage
    object_type = "intelligenceitem"
    filterset_class = TipFilter
    http_method_names = ["get", "post", "head", "options"]

    @property
    def input_serializers(self):
        match = getattr(getattr(self, "request", None), "resolver_match", None)
        return {"POST": ROUTE_INPUTS.get(getattr(match, "url_name", ""), TipTakeDownInput)}

    def visible(self):
        # The list is the agency's own queue (queue_page); this is the schema's queryset.
        return TipTriage.objects.filter(agency_id=self.request.user.agency_id)

    def get_visible(self, pk):
        """The tip through the permission service, and its triage row (a tip written on the
        item form has none: it is missing here, as its triage page is)."""
        tip = get_visible_or_404(self.request.user, IntelligenceItem, pk, record_read=False)
        found = TipTriage.objects.select_related(*RELATED).filter(tip=tip).first()
        if found is None:
            raise NotVisible(IntelligenceItem)
        found.seen = True
        return found

    def detail_response(self, found, status_code=status.HTTP_200_OK):
        row = tip_rows(self.request.user, [found], now=timezone.now())[0]
        return with_etag(Response(row, status=status_code), found)

    def list(self, request):
        if request.user.agency_id is None:
            return page_response([], None, False)
        filters = TipFilter(request.query_params, queryset=TipTriage.objects.none(),
                            request=request)
        if not filters.is_valid():
            raise translate_validation(filters.errors)
        size = parse_limit(request.query_params.get("limit"))
        now = timezone.now()
        try:
            found, next_cursor = selectors.queue_page(
                request.user, now=now, agency=request.user.agency,
                cursor=request.query_params.get("cursor") or None, size=size,
                **filters.choice(request.user))
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"cursor": error.messages}) from None
        rows = tip_rows(request.user, found, now=now)
        log_api_list(request, self.object_type, [row["id"] for row in rows
                                                 if row["title"] is not None])
        return page_response(rows, next_cursor, next_cursor is not None)

    def retrieve(self, request, pk=None):
        found = self.get_visible(pk)
        log_api_read(request, found.tip)
        return self.detail_response(found)

    def create(self, request):
        data = _validated(TipTakeDownInput, request.data)
        center = None
        if data["center_id"] is not None:
            center = FusionCenter.objects.filter(pk=data["center_id"]).first()
            if center is None:
                raise exceptions.ValidationError(
                    {"center_id": ["No fusion center has this id."]})
        with named_rules({"center": "center_id"}):
            triage = services.tip_take_down(
                by=request.user, what=data["what"], subjects=data["subjects"],
                caller_name=data["caller_name"], caller_phone=data["caller_phone"],
                anonymous=data["anonymous"], where=data["where"], when=data["when"],
                tlp=data["tlp"], center=center)
        return self.detail_response(self.get_visible(triage.tip_id), status.HTTP_201_CREATED)

    def _change(self, request, pk, input_serializer, change):
        found = self.get_visible(pk)
        version = expected_version(request, found)
        data = _validated(input_serializer, request.data)
        data.pop("version", None)
        with named_rules({"assignee": "assignee_id", "case": "case_id"}):
            change(found, version, data)
        return self.detail_response(self.get_visible(pk))

    @extend_schema(summary="Assign (or reassign) an open tip to a person of its agency (write "
                           "scope, its agency; If-Match or version)",
                   request=TipAssignInput, **ACTION)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        def change(found, version, data):
            assignee = selectors.triagers_of(found.agency).filter(pk=data["assignee_id"]).first()
            if assignee is None:
                # The service's rule, without its words: they name the person, and an id of
                # another agency's person must not tell a key who that is.
                error = exceptions.ValidationError({"assignee_id": [
                    "No active account of the tip's agency has this id."]})
                error.rule = "tip_assignee_not_on_queue"
                raise error
            services.tip_assign(triage=found, by=request.user, assignee=assignee, version=version)

        return self._change(request, pk, TipAssignInput, change)

    @extend_schema(summary="Start the review of a new or assigned tip: the key's account becomes "
                           "its reviewer (write scope, its agency; If-Match or version)",
                   request=TipVersionInput, **ACTION)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._change(request, pk, TipVersionInput, lambda found, version, data:
                            services.tip_start_review(triage=found, by=request.user,
                                                      version=version))

    @extend_schema(summary="Accept a tip in review as a lead, on an existing case your agency "
                           "may edit or on a new one (write scope, its agency; If-Match or "
                           "version)",
                   request=TipAcceptInput, **ACTION)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        def change(found, version, data):
            case = _visible_target(request, Case, data["case_id"], "case_id")
            new_case = None
            if data["new_case"] is not None:
                new_case = {"number": data["new_case"]["number"],
                            "title": data["new_case"]["title"] or found.tip.title,
                            "lead_center": found.center,
                            "jurisdictions": [{"state": found.agency.home_state}]}
            try:
                services.tip_accept(triage=found, by=request.user, case=case,
                                    new_case=new_case, version=version)
            except services.TipRefused:
                raise
            except DjangoValidationError as refusal:
                # The new case's own refusals (a number already used ...) name its fields.
                if not hasattr(refusal, "error_dict"):
                    raise
                raise exceptions.ValidationError({
                    f"new_case.{name}": messages
                    for name, messages in refusal.message_dict.items()}) from None

        return self._change(request, pk, TipAcceptInput, change)

    @extend_schema(summary="Close an open tip with the reason (write scope, its agency; "
                           "If-Match or version)",
                   request=TipCloseInput, **ACTION)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._change(request, pk, TipCloseInput, lambda found, version, data:
                            services.tip_close(triage=found, by=request.user,
                                               reason=data["reason"], version=version))
