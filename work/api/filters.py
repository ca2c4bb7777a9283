"""The filters of /api/v1/rfis/ and /api/v1/tips/: the pages' own (work.selectors.requests_page,
work.tip_selectors.queue_page), checked and documented by django-filter, applied by the selector
so that the page and the API list the same requests and tips."""

import django_filters
from django import forms

from .. import selectors, tip_selectors
from ..models import RfiRequest, TipTriage

STATUS_CHOICES = [("pending", "Pending: open or acknowledged"), ("answered", "Answered"),
                  ("closed", "Closed"), ("any", "Any status")]


class TrueOrFalseField(forms.NullBooleanField):
    """true or false (or left out); anything else is an error, not a silent "left out"."""

    widget = forms.TextInput
    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if str(value).lower() not in self.VALUES:
            raise forms.ValidationError("Say true or false.", code="invalid")
        return self.VALUES[str(value).lower()]

    def validate(self, value):
        pass


class TrueOrFalseFilter(django_filters.BooleanFilter):
    field_class = TrueOrFalseField


class RfiFilter(django_filters.FilterSet):
    side = django_filters.ChoiceFilter(
        choices=list(selectors.SIDES.items()), method="by_selector",
        label="Whose requests: all (addressed to us or asked by us, the default), to_us "
              "(addressed to my agency or to one of its centers), mine (taken by the key's "
              "account), by_us (asked by my agency)")
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="by_selector",
        label="pending (the default), answered, closed or any")
    overdue = TrueOrFalseFilter(
        method="by_selector", label="Only pending requests past their due date (true)")

    class Meta:
        model = RfiRequest
        fields = ["side", "status", "overdue"]

    def by_selector(self, queryset, name, value):
        # requests_page applies every filter at once (RfiViewSet.list reads choice()).
        return queryset

    def choice(self):
        data = self.form.cleaned_data
        return {"side": data.get("side") or "all", "status": data.get("status") or "pending",
                "overdue": bool(data.get("overdue"))}


class AssigneeField(forms.CharField):
    """me (the key's account), nobody, or a person's id; anything else is an error."""

    def to_python(self, value):
        value = super().to_python(value).strip()
        if value in ("", "me", "nobody"):
            return value
        if not value.isdigit() or not 1 <= int(value) <= 2**63 - 1:
            raise forms.ValidationError("Say me, nobody or a person's id.", code="invalid")
        return value


class AssigneeFilter(django_filters.CharFilter):
    field_class = AssigneeField


class TipFilter(django_filters.FilterSet):
    """The filters of /api/v1/tips/: the agency queue's own (work.tip_selectors.queue_page)."""

    status = django_filters.ChoiceFilter(
        choices=tip_selectors.STATUS_CHOICES, method="by_selector",
        label="open (still to decide: new, assigned or in review; the default), one status, "
              "or any")
    assignee = AssigneeFilter(
        method="by_selector",
        label="me (the key's account), nobody (unassigned) or a person's id")
    overdue = TrueOrFalseFilter(
        method="by_selector", label="Only tips still to decide past their deadline (true)")

    class Meta:
        model = TipTriage
        fields = ["status", "assignee", "overdue"]

    def by_selector(self, queryset, name, value):
        # queue_page applies every filter at once (TipViewSet.list reads choice()).
        return queryset

    def choice(self, user):
        data = self.form.cleaned_data
        return {"status": data.get("status") or "open", "assignee": data.get("assignee") or "",
                "overdue": bool(data.get("overdue"))}
