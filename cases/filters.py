"""The filters of the case and item lists (django-filter), over what the user may already see.

Each filterset is given a queryset that starts from the permission service; a filter can
only narrow it. Bad values (an unknown state, a date that is not a date) are form errors
shown next to the filter, never a 500.
"""

from datetime import datetime, time

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency
from core.handling import TLP
from core.states import STATE_CHOICES
from sharing.permissions import cases_visible_to, items_visible_to

from .models import Case, IntelligenceItem, Jurisdiction

SCOPE_CHOICES = [("ours", "Owned by my agency"), ("shared", "Shared with my agency")]


def _case_owners(request):
    # Only the owners of cases this agency may see: the filter reveals no other agency.
    if request is None:
        return Agency.objects.none()
    return Agency.objects.filter(
        pk__in=cases_visible_to(request.user).values("owner_id")
    ).order_by("name")


def _item_sources(request):
    if request is None:
        return Agency.objects.none()
    return Agency.objects.filter(
        pk__in=items_visible_to(request.user).values("owner_id")
    ).order_by("name")


class TextQuery(django_filters.CharFilter):
    """Every word must appear in one of `fields` (a quick filter; the search page ranks)."""

    def __init__(self, *args, fields=(), **kwargs):
        self.fields = fields
        kwargs.setdefault("label", "Text")
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        for word in (value or "").split():
            any_field = Q()
            for name in self.fields:
                any_field |= Q(**{f"{name}__icontains": word})
            qs = qs.filter(any_field)
        return qs


class FilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class HandledFilterSet(django_filters.FilterSet):
    handling = django_filters.ChoiceFilter(
        field_name="tlp", choices=TLP.choices, label="Handling", empty_label="Any marking"
    )
    les = django_filters.BooleanFilter(
        label="LES",
        widget=forms.Select(
            choices=[("", "LES or not"), ("true", "LES only"), ("false", "Not LES")]
        ),
    )
    scope = django_filters.ChoiceFilter(
        choices=SCOPE_CHOICES, method="filter_scope", label="Whose", empty_label="Ours and shared"
    )
    updated_since = django_filters.DateFilter(
        method="filter_updated_since", label="Changed since",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def filter_scope(self, queryset, name, value):
        agency_id = self.request.user.agency_id
        if value == "ours":
            return queryset.filter(owner_id=agency_id)
        if value == "shared":
            return queryset.exclude(owner_id=agency_id)
        return queryset

    def filter_updated_since(self, queryset, name, value):
        start = timezone.make_aware(
            datetime.combine(value, time.min), timezone.get_current_timezone()
        )
        return queryset.filter(updated_at__gte=start)


class CaseFilter(HandledFilterSet):
    q = TextQuery(fields=("number", "title", "summary"), label="Text")
    status = django_filters.ChoiceFilter(choices=Case.Status.choices, empty_label="Any status")
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES, method="filter_state", label="State", empty_label="Any state"
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=_case_owners, label="Owner agency", empty_label="Any agency"
    )

    class Meta:
        model = Case
        form = FilterForm
        fields = ["q", "status", "state", "handling", "les", "owner", "scope", "updated_since"]

    def filter_state(self, queryset, name, value):
        # A semi-join, so a case with three places in the state is listed once.
        return queryset.filter(id__in=Jurisdiction.objects.filter(state=value).values("case_id"))


class ItemFilter(HandledFilterSet):
    q = TextQuery(fields=("title", "body"), label="Text")
    kind = django_filters.ChoiceFilter(
        choices=IntelligenceItem.Kind.choices, label="Kind", empty_label="Every kind"
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=_item_sources, label="Source agency", empty_label="Any agency"
    )

    class Meta:
        model = IntelligenceItem
        form = FilterForm
        fields = ["q", "kind", "handling", "les", "owner", "scope", "updated_since"]
