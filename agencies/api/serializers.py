"""What the API says about fusion centers and agencies: the network's directory, which every
member agency may read (it names whom a share can reach; it holds no case data)."""

from rest_framework import serializers

from ..models import Agency, FusionCenter, Membership


class CenterRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    state = serializers.CharField(help_text="USPS code of the state it serves.")
    kind = serializers.ChoiceField(choices=FusionCenter.Kind.choices)


class AgencyRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    ori = serializers.CharField(help_text="NCIC Originating Agency Identifier.")
    level = serializers.ChoiceField(choices=Agency.Level.choices)
    home_state = serializers.CharField()
    center_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="Centers where its membership is active."
    )


def _in_order(rows, ids):
    by_id = {row["id"]: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def center_rows(queryset, ids):
    if not ids:
        return []
    return _in_order(
        list(queryset.filter(id__in_ids=ids).values("id", "name", "short_name", "state", "kind")), ids
    )


def agency_rows(queryset, ids):
    """2 queries whatever the number of ids."""
    if not ids:
        return []
    rows = _in_order(
        list(queryset.filter(id__in_ids=ids).values("id", "name", "ori", "level", "home_state")), ids
    )
    centers = {}
    memberships = Membership.objects.filter(
        agency_id__in_ids=ids, status=Membership.Status.ACTIVE
    ).order_by("center_id")
    for agency_id, center_id in memberships.values_list("agency_id", "center_id"):
        centers.setdefault(agency_id, []).append(center_id)
    for row in rows:
        row["center_ids"] = centers.get(row["id"], [])
    return rows
