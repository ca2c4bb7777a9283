"""What the API says about cases, items, annotations and entities, and what it accepts.

Reading: flat rows built from `.values()` in a fixed number of queries per page (a ModelSerializer
costs ~10 ms per 500 rows, these ~1 ms). The Serializer classes beside them document the rows'
shape for the OpenAPI schema and are checked against the builders by the tests.
Writing: explicit input serializers; the services of cases.services do the rest.
"""

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, JSONObject
from rest_framework import serializers

from agencies.models import FusionCenter
from core.db import JSONArrayAgg
from core.handling import TLP, handling_label
from core.states import STATE_CHOICES
from sharing.permissions import cases_visible_to, items_visible_to

from .. import intelligence as cfr23
from .. import sar
from ..models import Case, CaseEntity, Entity, IntelligenceItem, ItemEntity, Jurisdiction
from ..selectors import sar_behaviour_codes

# Read: the rows -------------------------------------------------------------------------------


class EntityRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Entity.Kind.choices)
    key = serializers.CharField(help_text="The normalised match key.")
    label = serializers.CharField()
    role = serializers.CharField(help_text="e.g. suspect, victim, vehicle used")


class HandledRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tlp = serializers.ChoiceField(choices=TLP.choices)
    les = serializers.BooleanField(help_text="Law Enforcement Sensitive.")
    handling = serializers.CharField(help_text="The marking as shown, e.g. TLP:AMBER · LES.")
    owner_id = serializers.IntegerField(help_text="The owner (source) agency.")
    owner_ori = serializers.CharField()
    entities = EntityRefSerializer(many=True)
    version = serializers.IntegerField(help_text="Name it in If-Match (the ETag) to change it.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CaseRowSerializer(HandledRowSerializer):
    number = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    lead_center_id = serializers.IntegerField()
    states = serializers.ListField(child=serializers.CharField(), help_text="USPS codes.")


class ItemRowSerializer(HandledRowSerializer):
    kind = serializers.ChoiceField(choices=IntelligenceItem.Kind.choices)
    title = serializers.CharField()
    body = serializers.CharField()
    case_id = serializers.IntegerField(
        allow_null=True, help_text="The linked case, when your agency may see it."
    )
    in_response_to_id = serializers.IntegerField(
        allow_null=True, help_text="The RFI answered, when your agency may see it."
    )
    review_by = serializers.DateField(allow_null=True)
    behaviours = serializers.ListField(
        child=serializers.ChoiceField(choices=sar.Behaviour.choices),
        help_text=f"A SAR's behaviours of the {sar.STANDARD}, in the standard's order (at least "
                  "one); empty for every other kind.",
    )
    # 28 CFR Part 23 (cases/intelligence.py): empty strings and nulls for the kinds not under it.
    intelligence_status = serializers.ChoiceField(
        choices=cfr23.Status.choices,
        help_text="pending (information pending review, seen by its agency only), intelligence, "
                  "rejected, or empty for a kind not under 28 CFR Part 23.",
    )
    predicate = serializers.CharField(help_text="The criminal predicate (23.20(a)).")
    predicate_missing = serializers.BooleanField(
        help_text="Criminal intelligence kept before the rule was enforced, without a predicate."
    )
    criminal_activity = serializers.ChoiceField(choices=cfr23.CriminalActivity.choices, allow_blank=True)
    no_protected_activity = serializers.BooleanField(help_text=cfr23.ATTESTATION)
    submitted_by = serializers.CharField(allow_null=True, help_text="Who submitted it (23.20(c)).")
    control_official = serializers.CharField(
        allow_null=True, help_text="Who answers for it at the submitting agency (23.20(c))."
    )
    sensitivity = serializers.ChoiceField(choices=cfr23.Sensitivity.choices, allow_blank=True)
    source_reliability = serializers.ChoiceField(
        choices=cfr23.SourceReliability.choices, allow_blank=True, help_text="A to D."
    )
    content_validity = serializers.ChoiceField(
        choices=cfr23.ContentValidity.choices, allow_blank=True, help_text="1 to 4."
    )
    validated_at = serializers.DateTimeField(
        allow_null=True, help_text="When it became criminal intelligence or was last validated."
    )
    reviewed_at = serializers.DateTimeField(
        allow_null=True, help_text="When a reviewer accepted or rejected it."
    )


class AnnotationRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField(allow_null=True)
    item_id = serializers.IntegerField(allow_null=True)
    body = serializers.CharField()
    agency_id = serializers.IntegerField()
    agency_ori = serializers.CharField()
    author = serializers.CharField()
    edited = serializers.BooleanField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EntityRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Entity.Kind.choices)
    key = serializers.CharField()
    label = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(help_text="Entities do not change: their creation time.")


def _entity_refs(link_model, field):
    """The entities of the row's case or item as one JSON array (null without any): a subquery
    of the rows query, one index lookup per row, so a page costs no query for its subjects."""
    links = link_model.objects.filter(**{field: OuterRef("pk")}).values(field)
    refs = JSONObject(
        id="entity_id", kind="entity__kind", key="entity__key", label="label", role="role"
    )
    return Subquery(links.annotate(refs=JSONArrayAgg(refs)).values("refs"))


def _entities(refs):
    return sorted(refs or [], key=lambda ref: ref["id"])


def _handled(row):
    row["owner_ori"] = row.pop("owner__ori")
    row["handling"] = handling_label(row["tlp"], row["les"])
    return row


CASE_FIELDS = (
    "id",
    "number",
    "title",
    "summary",
    "status",
    "tlp",
    "les",
    "owner_id",
    "owner__ori",
    "lead_center_id",
    "version",
    "created_at",
    "updated_at",
)


def case_rows(selected):
    """The rows of the cases of `selected` (a queryset, in its order), in one query."""
    states = Jurisdiction.objects.filter(case=OuterRef("pk")).values("case")
    rows = list(
        selected.values(
            *CASE_FIELDS,
            entity_refs=_entity_refs(CaseEntity, "case"),
            state_list=Subquery(states.annotate(codes=JSONArrayAgg("state")).values("codes")),
        )
    )
    for row in rows:
        _handled(row)
        row["states"] = sorted(set(row.pop("state_list") or []))
        row["entities"] = _entities(row.pop("entity_refs"))
    return rows


ITEM_FIELDS = (
    "id",
    "kind",
    "title",
    "body",
    "tlp",
    "les",
    "owner_id",
    "owner__ori",
    "case_id",
    "in_response_to_id",
    "review_by",
    "version",
    "created_at",
    "updated_at",
    "intelligence_status",
    "predicate",
    "criminal_activity",
    "no_protected_activity",
    "sensitivity",
    "source_reliability",
    "content_validity",
    "validated_at",
    "reviewed_at",
)
PEOPLE = {
    "submitted_by": ("created_by__first_name", "created_by__last_name", "created_by__username"),
    "control_official": (
        "control_official__first_name", "control_official__last_name",
        "control_official__username",
    ),
}


def _person(row, label):
    first, last, username = (row.pop(name) for name in PEOPLE[label])
    if username is None:
        return None
    return " ".join(part for part in (first, last) if part) or username


def item_rows(selected, *, principal):
    """The rows of the items of `selected` (a queryset, in its order): one query, and one more
    each for the linked cases and the answered RFIs when the page names any.

    A linked case or answered RFI that the caller may not see is given as null: its id would
    confirm that it exists."""
    people = [name for names in PEOPLE.values() for name in names]
    rows = list(
        selected.values(*ITEM_FIELDS, *people, entity_refs=_entity_refs(ItemEntity, "item"),
                        behaviour_codes=sar_behaviour_codes())
    )
    case_ids = {row["case_id"] for row in rows if row["case_id"]}
    rfi_ids = {row["in_response_to_id"] for row in rows if row["in_response_to_id"]}
    seen_cases = (
        set(cases_visible_to(principal).filter(id__in_ids=case_ids).values_list("id", flat=True))
        if case_ids
        else set()
    )
    seen_rfis = (
        set(items_visible_to(principal).filter(id__in_ids=rfi_ids).values_list("id", flat=True))
        if rfi_ids
        else set()
    )
    for row in rows:
        _handled(row)
        if row["case_id"] not in seen_cases:
            row["case_id"] = None
        if row["in_response_to_id"] not in seen_rfis:
            row["in_response_to_id"] = None
        for label in PEOPLE:
            row[label] = _person(row, label)
        row["predicate_missing"] = (
            row["intelligence_status"] == cfr23.Status.INTELLIGENCE and not row["predicate"]
        )
        row["entities"] = _entities(row.pop("entity_refs"))
        row["behaviours"] = sar.in_order(row.pop("behaviour_codes"))
    return rows


ANNOTATION_FIELDS = (
    "id",
    "case_id",
    "item_id",
    "body",
    "agency_id",
    "agency__ori",
    "author__first_name",
    "author__last_name",
    "author__username",
    "version",
    "created_at",
    "updated_at",
)


def annotation_rows(selected):
    rows = list(selected.values(*ANNOTATION_FIELDS))
    for row in rows:
        row["agency_ori"] = row.pop("agency__ori")
        first, last = row.pop("author__first_name"), row.pop("author__last_name")
        username = row.pop("author__username")
        row["author"] = f"{first} {last}".strip() or username
        row["edited"] = row["version"] > 1
    return rows


def entity_rows(selected, reader):
    """The rows of these entities for `reader`. The label is the one entered on the earliest link
    to a case or item the reader's agency sees, never what another agency typed (two agencies
    holding one subject share its key, not their words); subqueries of the one rows query."""
    on_cases = CaseEntity.objects.filter(entity=OuterRef("pk"), case__in=cases_visible_to(reader))
    on_items = ItemEntity.objects.filter(entity=OuterRef("pk"), item__in=items_visible_to(reader))
    shown = Coalesce(
        Subquery(on_cases.order_by("linked_at", "id").values("label")[:1]),
        Subquery(on_items.order_by("linked_at", "id").values("label")[:1]),
        F("key"),
    )
    rows = list(selected.annotate(shown=shown).values("id", "kind", "key", "shown", "created_at"))
    for row in rows:
        row["label"] = row.pop("shown")
        row["updated_at"] = row["created_at"]
    return rows


# Write: the inputs ----------------------------------------------------------------------------


class JurisdictionInput(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATE_CHOICES, help_text="USPS code, e.g. LA.")
    county = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


# At most this many subjects are linked by one request that opens a case or submits an item.
SUBJECTS_PER_REQUEST = 50


class SubjectLinkInput(serializers.Serializer):
    """A subject as an analyst types it; its match key is normalised by the portal."""

    kind = serializers.ChoiceField(choices=Entity.Kind.choices)
    value = serializers.CharField(
        max_length=300,
        help_text="Name, plate, VIN, phone number, e-mail, address, organisation or handle.",
    )
    state = serializers.ChoiceField(choices=STATE_CHOICES, required=False, allow_blank=True,
                                    default="", help_text="For a plate: the state that issued it.")
    dob = serializers.DateField(required=False, allow_null=True, default=None,
                                help_text="For a person: the date of birth.")
    platform = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                     help_text="For an online account.")
    role = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                 help_text="e.g. suspect, victim")
    label = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="",
        help_text="As your agency writes it (by default the value); no other agency reads it.",
    )


def _subjects_field():
    return SubjectLinkInput(
        many=True, required=False, default=list, max_length=SUBJECTS_PER_REQUEST,
        help_text="Subjects to link at once (at most 50), each checked against the records of "
                  "other agencies (blind deconfliction) and the subjects people watch.",
    )


class CaseCreateInput(serializers.Serializer):
    number = serializers.CharField(max_length=40, help_text="Unique within your agency.")
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    lead_center_id = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The fusion center that leads the case."
    )
    status = serializers.ChoiceField(choices=Case.Status.choices, default=Case.Status.OPEN)
    tlp = serializers.ChoiceField(choices=TLP.choices, default=TLP.AMBER)
    les = serializers.BooleanField(default=False)
    jurisdictions = JurisdictionInput(many=True, required=False, default=list)
    subjects = _subjects_field()


class CaseUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
    lead_center_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    tlp = serializers.ChoiceField(choices=TLP.choices, required=False, help_text="Owner only.")
    les = serializers.BooleanField(required=False, help_text="Owner only.")
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read; or send If-Match instead."
    )


ID_FIELD = {"min_value": 1, "max_value": 2**63 - 1}


class ItemCreateInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IntelligenceItem.Kind.choices)
    subjects = _subjects_field()
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    tlp = serializers.ChoiceField(choices=TLP.choices, default=TLP.AMBER)
    les = serializers.BooleanField(default=False)
    case_id = serializers.IntegerField(required=False, allow_null=True, default=None, **ID_FIELD)
    in_response_to_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, **ID_FIELD
    )
    review_by = serializers.DateField(required=False, allow_null=True, default=None)
    behaviours = serializers.ListField(
        child=serializers.ChoiceField(choices=sar.Behaviour.choices), required=False,
        default=list, max_length=len(sar.Behaviour),
        help_text=f"For a SAR (kind `sar`): at least one behaviour of the {sar.STANDARD}; every "
                  "other kind takes none.",
    )
    # 28 CFR Part 23: given for a tip, SAR, report or RFI response, the item is criminal
    # intelligence (every one is then required); left out, it is information pending review.
    predicate = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=20000,
        help_text="The criminal predicate: the reasonable suspicion of definable criminal conduct.",
    )
    criminal_activity = serializers.ChoiceField(
        choices=cfr23.CriminalActivity.choices, required=False, allow_blank=True, default=""
    )
    no_protected_activity = serializers.BooleanField(
        required=False, default=False, help_text=cfr23.ATTESTATION
    )
    control_official_id = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="A person of your agency who answers for the record.", **ID_FIELD,
    )
    sensitivity = serializers.ChoiceField(
        choices=cfr23.Sensitivity.choices, required=False, allow_blank=True, default=""
    )
    source_reliability = serializers.ChoiceField(
        choices=cfr23.SourceReliability.choices, required=False, allow_blank=True, default=""
    )
    content_validity = serializers.ChoiceField(
        choices=cfr23.ContentValidity.choices, required=False, allow_blank=True, default=""
    )


class ItemReviewInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    reason = serializers.CharField(max_length=20000)
    review_by = serializers.DateField(required=False, allow_null=True, default=None)
    predicate = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    criminal_activity = serializers.ChoiceField(
        choices=cfr23.CriminalActivity.choices, required=False, allow_blank=True
    )
    no_protected_activity = serializers.BooleanField(required=False)
    control_official_id = serializers.IntegerField(required=False, allow_null=True, **ID_FIELD)
    sensitivity = serializers.ChoiceField(
        choices=cfr23.Sensitivity.choices, required=False, allow_blank=True
    )
    source_reliability = serializers.ChoiceField(
        choices=cfr23.SourceReliability.choices, required=False, allow_blank=True
    )
    content_validity = serializers.ChoiceField(
        choices=cfr23.ContentValidity.choices, required=False, allow_blank=True
    )


class ItemPurgeInput(serializers.Serializer):
    reason = serializers.CharField(max_length=20000)


class ItemPurgedSerializer(serializers.Serializer):
    """What is left of a purged record: its tombstone."""

    id = serializers.IntegerField()
    intelligence_status = serializers.CharField()
    purged_at = serializers.DateTimeField()
    purge_reason = serializers.CharField()
    agencies_told = serializers.IntegerField(
        help_text="The agencies it reached, told to destroy their copies."
    )


class AnnotationCreateInput(serializers.Serializer):
    case_id = serializers.IntegerField(required=False, allow_null=True, default=None, **ID_FIELD)
    item_id = serializers.IntegerField(required=False, allow_null=True, default=None, **ID_FIELD)
    body = serializers.CharField(max_length=20000)

    def validate(self, data):
        if (data["case_id"] is None) == (data["item_id"] is None):
            raise serializers.ValidationError(
                {
                    "case_id": ["Name exactly one of case_id and item_id."],
                    "item_id": ["Name exactly one of case_id and item_id."],
                }
            )
        return data


class AnnotationUpdateInput(serializers.Serializer):
    body = serializers.CharField(max_length=20000)
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read; or send If-Match instead."
    )


def resolve_lead_center(data):
    """Replace lead_center_id by the center it names; a field error when there is none."""
    if "lead_center_id" in data:
        center = FusionCenter.objects.filter(pk=data.pop("lead_center_id")).first()
        if center is None:
            raise serializers.ValidationError({"lead_center_id": ["No fusion center has this id."]})
        data["lead_center"] = center
    return data
