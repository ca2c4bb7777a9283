"""What reads cases and items. Every function starts from the permission service."""

import base64
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q

from sharing.permissions import cases_visible_to

from .models import Annotation, Jurisdiction, TimelineEvent

PAGE_SIZE = 50


def encode_cursor(updated_at, pk):
    raw = f"{updated_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        return datetime.fromisoformat(stamp), int(pk)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError("That page link is not valid; start again from the first page.") from error


def keyset_page(queryset, cursor=None, size=PAGE_SIZE):
    """One page of a queryset ordered newest change first, and the cursor of the next page.

    Keyset on (updated_at, id): the cost of a page does not grow with its depth, and no
    COUNT(*) is run.
    """
    queryset = queryset.order_by("-updated_at", "-id")
    if cursor:
        updated_at, pk = decode_cursor(cursor)
        queryset = queryset.filter(Q(updated_at__lt=updated_at) | Q(updated_at=updated_at, id__lt=pk))
    rows = list(queryset[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor(last.updated_at, last.pk)
    return rows, next_cursor


def case_list_page(user, cursor=None, size=PAGE_SIZE):
    """The cases the user's agency may see, a page at a time, with what a list row shows."""
    queryset = cases_visible_to(user).select_related("owner", "lead_center").prefetch_related(
        Prefetch("jurisdictions", queryset=Jurisdiction.objects.only("case_id", "state"))
    )
    return keyset_page(queryset, cursor, size)


def case_detail_parts(case):
    """What the case page shows besides the case itself (a fixed number of queries)."""
    return {
        "jurisdictions": list(case.jurisdictions.all()),
        "annotations": list(
            Annotation.objects.filter(case=case)
            .select_related("author", "agency")
            .order_by("created_at", "id")
        ),
        "timeline": list(
            TimelineEvent.objects.filter(case=case).select_related("agency").order_by("-occurred_at", "-id")[:100]
        ),
        "shares": list(case.shares.select_related("target_agency", "target_center").order_by("id")),
    }
