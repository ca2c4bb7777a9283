"""Filters of the API lists (django-filter). They narrow a queryset that the permission service
already restricted to what the caller's agency may see; none of them widens it.

A filter answers as if what the agency may not see did not exist: a condition on a related
case (an item's `case`, its `state`) holds only through the cases the permission service lets
the caller see, so naming an invisible case answers as naming a missing one.

Related conditions are semi-joins (`id IN (...)`), never joins, so that a row never repeats.
"""

import django_filters
from django import forms

from core.handling import TLP
from core.states import STATE_CHOICES
from sharing.permissions import cases_visible_to

from .. import intelligence as cfr23
from .. import sar
from ..filters import CFR23_STATUSES, behaviour_reports
from ..models import (
    Annotation,
    Case,
    CaseEntity,
    CaseTask,
    Entity,
    IntelligenceItem,
    ItemEntity,
    Jurisdiction,
)


class IdFilter(django_filters.Filter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class HandledFilter(django_filters.FilterSet):
    handling = django_filters.ChoiceFilter(
        field_name="tlp", choices=TLP.choices, label="TLP marking, e.g. AMBER or AMBER+STRICT"
    )
    les = django_filters.BooleanFilter(label="Law Enforcement Sensitive (true/false)")
    owner = IdFilter(field_name="owner_id", label="Owner agency id")
    owner_ori = django_filters.CharFilter(method="filter_owner_ori", label="Owner agency ORI")
    entity_key = django_filters.CharFilter(
        method="filter_entity_key", label="Linked to the entity with this normalised key"
    )
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES, method="filter_state", label="A jurisdiction in this state (USPS)"
    )

    def filter_owner_ori(self, queryset, name, value):
        return queryset.filter(owner__ori=value.strip().upper())


class CaseFilter(HandledFilter):
    status = django_filters.ChoiceFilter(choices=Case.Status.choices)

    class Meta:
        model = Case
        fields = ["status", "handling", "les", "owner", "owner_ori", "state", "entity_key"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(id__in=Jurisdiction.objects.filter(state=value).values("case_id"))

    def filter_entity_key(self, queryset, name, value):
        return queryset.filter(
            id__in=CaseEntity.objects.filter(entity__key=value.strip()).values("case_id")
        )


class ItemFilter(HandledFilter):
    kind = django_filters.ChoiceFilter(choices=IntelligenceItem.Kind.choices)
    behaviour = django_filters.ChoiceFilter(
        choices=sar.Behaviour.choices, method="filter_behaviour",
        label="SARs naming this behaviour of the ISE-SAR Functional Standard 1.5.5",
    )
    case = IdFilter(method="filter_case", label="Linked case id")
    # 28 CFR Part 23: the status and the labels of 23.20(c).
    intelligence_status = django_filters.ChoiceFilter(choices=CFR23_STATUSES)
    criminal_activity = django_filters.ChoiceFilter(choices=cfr23.CriminalActivity.choices)
    source_reliability = django_filters.ChoiceFilter(choices=cfr23.SourceReliability.choices)
    content_validity = django_filters.ChoiceFilter(choices=cfr23.ContentValidity.choices)
    sensitivity = django_filters.ChoiceFilter(choices=cfr23.Sensitivity.choices)

    class Meta:
        model = IntelligenceItem
        fields = ["kind", "behaviour", "handling", "les", "owner", "owner_ori", "state",
                  "entity_key", "case", "intelligence_status", "criminal_activity",
                  "source_reliability", "content_validity", "sensitivity"]

    def visible_cases(self):
        return cases_visible_to(self.request.user)

    def filter_case(self, queryset, name, value):
        """Items linked to this case, if the caller may see it (else none, as for a missing
        one)."""
        return queryset.filter(case_id__in=self.visible_cases().filter(id=value).values("id"))

    def filter_state(self, queryset, name, value):
        """Items whose linked case, one the caller may see, has a jurisdiction in this state."""
        in_state = Jurisdiction.objects.filter(state=value).values("case_id")
        return queryset.filter(
            case_id__in=self.visible_cases().filter(id__in=in_state).values("id")
        )

    def filter_entity_key(self, queryset, name, value):
        return queryset.filter(
            id__in=ItemEntity.objects.filter(entity__key=value.strip()).values("item_id")
        )

    def filter_behaviour(self, queryset, name, value):
        return queryset.filter(id__in=behaviour_reports(value))


class AnnotationFilter(django_filters.FilterSet):
    case = IdFilter(field_name="case_id", label="Annotations of this case")
    item = IdFilter(field_name="item_id", label="Annotations of this item")

    class Meta:
        model = Annotation
        fields = ["case", "item"]


class TaskFilter(django_filters.FilterSet):
    case = IdFilter(field_name="case_id", label="Tasks of this case")
    status = django_filters.ChoiceFilter(choices=CaseTask.Status.choices)
    assignee = IdFilter(field_name="assignee_id", label="Tasks assigned to this person")

    class Meta:
        model = CaseTask
        fields = ["case", "status", "assignee"]


class EntityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Entity.Kind.choices)
    key = django_filters.CharFilter(field_name="key", label="Normalised match key")

    class Meta:
        model = Entity
        fields = ["kind", "key"]
