"""/api/v1/changes/: what stopped being visible to the caller's agency (tombstones), so that a
partner system purges its copies. Keyset on (removed_at, id), like every list.

An object that became visible again since (shared anew) is left out: its list row, with a
newer updated_at, is what the partner should keep.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from core.api.errors import LIST_ERRORS
from core.api.pagination import PAGE_PARAMETERS, keyset_keys, page_response, page_serializer
from sharing.permissions import (
    annotations_visible_to,
    cases_visible_to,
    entities_visible_to,
    items_visible_to,
)

from ..models import Tombstone
from .serializers import TombstoneRowSerializer

VISIBLE_AGAIN = {
    Tombstone.Type.CASE: cases_visible_to,
    Tombstone.Type.ITEM: items_visible_to,
    Tombstone.Type.ANNOTATION: annotations_visible_to,
    Tombstone.Type.ENTITY: entities_visible_to,
}


class ChangesView(APIView):
    @extend_schema(
        operation_id="v1_changes_list",
        summary="Objects that stopped being visible to your agency (tombstones)",
        description="Pull with the next_cursor of your last page to get only what was removed "
        "since. `updated_after` filters on removed_at. Purge each (type, id).",
        parameters=PAGE_PARAMETERS,
        responses={200: page_serializer("ChangesPage", TombstoneRowSerializer), **LIST_ERRORS},
    )
    def get(self, request):
        user = request.user
        mine = Tombstone.objects.filter(agency_id=user.agency_id)
        ids, next_cursor, has_more = keyset_keys(mine, request, sort_field="removed_at")
        rows = list(
            Tombstone.objects.filter(id__in_ids=ids)
            .order_by("removed_at", "id")
            .values("object_type", "object_id", "removed_at", "reason")
        )
        # At most one query per type on this page: drop what is visible again.
        back = {}
        for object_type in {row["object_type"] for row in rows}:
            pks = [row["object_id"] for row in rows if row["object_type"] == object_type]
            back[object_type] = set(
                VISIBLE_AGAIN[object_type](user).filter(id__in_ids=pks).values_list("id", flat=True)
            )
        results = [
            {
                "type": row["object_type"],
                "id": row["object_id"],
                "removed_at": row["removed_at"],
                "reason": row["reason"],
            }
            for row in rows
            if row["object_id"] not in back[row["object_type"]]
        ]
        return page_response(results, next_cursor, has_more)
