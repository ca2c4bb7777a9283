"""The filters of the center's access log (django-filter)."""

from datetime import UTC, datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone

from agencies.models import Agency, Membership, User
from audit.models import AccessLog

# Without a From date the page shows this many days up to To (or today): a page bounded in time
# reads only the partitions of its months (audit.partitions), however long the log.
DEFAULT_WINDOW_DAYS = 30


def _start_of(day):
    # The log's dates are UTC days (so its labels say), whatever zone the reader's pages use.
    return datetime.combine(day, time.min, tzinfo=UTC)


class AccessLogFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date comes before the start date.")
        return cleaned


class AccessLogFilter(django_filters.FilterSet):
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.none(), label="Agency", empty_label="Every member agency",
    )
    user = django_filters.CharFilter(label="Username", method="filter_user")
    object_type = django_filters.ChoiceFilter(
        label="Object type", empty_label="Any",
        choices=[
            ("case", "Case"), ("intelligenceitem", "Intelligence item"),
            ("annotation", "Annotation"), ("attachment", "Attachment"), ("share", "Share"),
            ("agency", "Agency"), ("user", "User"), ("accesslog", "Access log (its exports)"),
        ],
    )
    object_id = django_filters.NumberFilter(label="Object id", min_value=1)
    action = django_filters.ChoiceFilter(choices=AccessLog.Action.choices, empty_label="Any action")
    date_from = django_filters.DateFilter(
        label="From (UTC date)", method="filter_from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label="To (UTC date, inclusive)", method="filter_to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AccessLog
        fields = []
        form = AccessLogFilterForm

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the center's own members can be chosen: any other id is an invalid choice.
        self.filters["agency"].queryset = Agency.objects.filter(
            id__in=Membership.objects.filter(center=center).values("agency_id")
        ).order_by("name")

    def page_window(self):
        """(start, end, days) of the page: the dates chosen, and when From is not chosen the
        last DEFAULT_WINDOW_DAYS days up to To (days is then that number, else None). Call
        after is_valid()."""
        chosen_from = self.form.cleaned_data.get("date_from")
        last_day = self.form.cleaned_data.get("date_to") or timezone.now().date()
        end = _start_of(last_day + timedelta(days=1))
        if chosen_from:
            return _start_of(chosen_from), end, None
        first_day = last_day - timedelta(days=DEFAULT_WINDOW_DAYS - 1)
        return _start_of(first_day), end, DEFAULT_WINDOW_DAYS

    def filter_user(self, queryset, name, value):
        # The user's id first (one query): `actor_id = <id>` lets PostgreSQL read each month's
        # (actor, at) index newest first and stop after a page, where a join on the username
        # would read every row of that user in the window before sorting them.
        ids = list(User.objects.filter(username__iexact=value).values_list("id", flat=True))
        if len(ids) == 1:
            return queryset.filter(actor_id=ids[0])
        return queryset.filter(actor_id__in=ids)

    # Ranges on `at` itself (not at__date) so that the (-at, -id) index serves them.
    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=_start_of(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(at__lt=_start_of(value + timedelta(days=1)))
