"""The filters of the case and item lists (django-filter), over what the user may already see.

Each filterset is given a queryset that starts from the permission service; a filter can
only narrow it. Bad values (an unknown state, a date that is not a date, an agency the directory
does not hold) are form errors shown next to the filter, never a 500.

The agency menus ("Owner agency", "Source agency") come from the directory, never from what is
visible: they offer the user's agency and the members of its centers, and a type-to-search over
the directory (by name or ORI) adds any other agency. Any agency of the directory is accepted;
picking one whose cases the reader does not see lists nothing, exactly as picking one that owns
nothing would.
"""

from datetime import datetime, time

import django_filters
from django import forms
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.urls import reverse_lazy
from django.utils import timezone

from agencies.models import Agency
from agencies.selectors import agency_menu
from core.handling import TLP
from core.states import STATE_CHOICES

from . import intelligence as cfr23
from . import sar
from .models import Case, IntelligenceItem, Jurisdiction, SARBehaviour

SCOPE_CHOICES = [("ours", "Owned by my agency"), ("shared", "Shared with my agency")]


class AgencyMenuIterator(ModelChoiceIterator):
    """The options of an agency menu: the field's `menu` groups, not every agency it accepts."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for label, agencies in self.field.menu():
            yield (label, [self.choice(agency) for agency in agencies])

    def __len__(self):
        return sum(len(agencies) for _, agencies in self.field.menu()) + 1

    def __bool__(self):
        return True


class DirectoryAgencyField(forms.ModelChoiceField):
    """Any agency of the directory, offered from a short menu (set by the filterset)."""

    iterator = AgencyMenuIterator
    default_error_messages = {
        "invalid_choice": "The directory holds no such agency; pick one from the menu, or find "
        "it by name or ORI.",
    }

    def menu(self):
        return []


class DirectoryAgencyFilter(django_filters.ModelChoiceFilter):
    field_class = DirectoryAgencyField


class AgencySearchInput(forms.TextInput):
    """Type-to-search for an agency outside the menu: with htmx, the menu's options are fetched
    as one types; without it, the next Apply adds what was found to the menu."""

    input_type = "search"

    def __init__(self):
        super().__init__(attrs={
            "autocomplete": "off",
            "placeholder": "Name or ORI",
            "hx-get": reverse_lazy("agency-lookup"),
            "hx-trigger": "input changed delay:300ms, search",
            "hx-target": "#id_owner",
            "hx-swap": "innerHTML",
            "hx-include": "#id_owner",
            "hx-sync": "this:replace",
            "aria-controls": "id_owner",
        })


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
    # The type-to-search of the agency menu (`owner`, declared by each list): it only adds to
    # the menu and narrows no list.
    owner_search = django_filters.CharFilter(
        method="filter_nothing", label="Find another agency", max_length=100,
        widget=AgencySearchInput(),
    )
    updated_since = django_filters.DateFilter(
        method="filter_updated_since", label="Changed since",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["owner"].menu = self._agency_menu
        # The search goes right after the menu it adds to.
        names = [name for name in self.form.fields if name != "owner_search"]
        names.insert(names.index("owner") + 1, "owner_search")
        self.form.order_fields(names)

    def _agency_menu(self):
        # Built when the menu is drawn, after validation: the chosen agency is then known
        # (one query, made by the validation itself) and is offered even from outside the menu.
        if not hasattr(self, "_menu"):
            cleaned = getattr(self.form, "cleaned_data", {})
            user = self.request.user if self.request is not None else None
            self._menu = agency_menu(
                user, chosen=cleaned.get("owner"), text=cleaned.get("owner_search", "")
            )
        return self._menu

    def filter_nothing(self, queryset, name, value):
        return queryset

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
    owner = DirectoryAgencyFilter(
        queryset=Agency.objects.all(), label="Owner agency", empty_label="Any agency"
    )

    class Meta:
        model = Case
        form = FilterForm
        fields = ["q", "status", "state", "handling", "les", "owner", "scope", "updated_since"]

    def filter_state(self, queryset, name, value):
        # A semi-join, so a case with three places in the state is listed once.
        return queryset.filter(id__in=Jurisdiction.objects.filter(state=value).values("case_id"))


# The statuses a filter picks (the kinds not under the rule have none).
CFR23_STATUSES = [(value, label) for value, label in cfr23.Status.choices if value]


class ItemFilter(HandledFilterSet):
    q = TextQuery(fields=("title", "body"), label="Text")
    kind = django_filters.ChoiceFilter(
        choices=IntelligenceItem.Kind.choices, label="Kind", empty_label="Every kind"
    )
    # The ISE-SAR behaviour a suspicious-activity report names (cases/sar.py).
    behaviour = django_filters.ChoiceFilter(
        choices=sar.GROUPED_CHOICES, method="filter_behaviour", label="ISE-SAR behaviour",
        empty_label="Any behaviour",
    )
    owner = DirectoryAgencyFilter(
        queryset=Agency.objects.all(), label="Source agency", empty_label="Any agency"
    )
    # 28 CFR Part 23: the status and the labels of 23.20(c).
    intelligence_status = django_filters.ChoiceFilter(
        choices=CFR23_STATUSES, label="28 CFR 23", empty_label="Any status"
    )
    criminal_activity = django_filters.ChoiceFilter(
        choices=cfr23.CriminalActivity.choices, label="Criminal activity", empty_label="Any activity"
    )
    source_reliability = django_filters.ChoiceFilter(
        choices=cfr23.SourceReliability.choices, label="Source", empty_label="Any source"
    )
    content_validity = django_filters.ChoiceFilter(
        choices=cfr23.ContentValidity.choices, label="Content", empty_label="Any content"
    )
    sensitivity = django_filters.ChoiceFilter(
        choices=cfr23.Sensitivity.choices, label="Sensitivity", empty_label="Any sensitivity"
    )

    class Meta:
        model = IntelligenceItem
        form = FilterForm
        fields = ["q", "kind", "behaviour", "handling", "les", "owner", "scope", "updated_since",
                  "intelligence_status", "criminal_activity", "source_reliability",
                  "content_validity", "sensitivity"]

    def filter_behaviour(self, queryset, name, value):
        return queryset.filter(id__in=behaviour_reports(value))


def behaviour_reports(value):
    """The ids of the reports naming this ISE-SAR behaviour, as a subquery: a semi-join on the
    (behaviour, item) index, so a row is never repeated and the list's plan stays its own."""
    return SARBehaviour.objects.filter(behaviour=value).values("item_id")
