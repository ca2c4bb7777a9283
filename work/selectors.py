"""What the RFI pages and the API read: a request by its RFI, and the requests of my agency (to
it, to its centers, asked by it), soonest due first, a page at a time."""

from django.core.exceptions import ValidationError
from django.db.models import Q

from agencies.models import Membership
from core.cursors import DATE, InvalidCursor, decode_cursor, encode_cursor
from sharing.permissions import items_visible_to

from .models import RfiRequest

PAGE_SIZE = 50
INVALID_PAGE_LINK = "This page link is not one the portal gave out; start from the first page."
SIDES = {"all": "Addressed to us or asked by us", "to_us": "Addressed to us",
         "mine": "Taken by me", "by_us": "Asked by my agency"}
STATUSES = {"pending": RfiRequest.PENDING_STATUSES, "answered": (RfiRequest.Status.ANSWERED,),
            "closed": (RfiRequest.Status.CLOSED,), "any": tuple(RfiRequest.Status.values)}


def _my_centers(user):
    return Membership.objects.filter(agency_id=user.agency_id,
                                     status=Membership.Status.ACTIVE).values("center_id")


def addressed_to(user):
    """The requests addressed to the user's agency, to a center it is an active member of, or
    taken by the user."""
    return Q(addressed_agency_id=user.agency_id) | Q(addressed_center_id__in=_my_centers(user)) \
        | Q(taken_by_id=user.pk)


def to_answer(user):
    """The pending requests that are the user's to answer: taken by the user, or taken by nobody
    yet and addressed to the user's agency or to a center it is an active member of (along the
    (addressee, status, due date) indexes)."""
    addressed = Q(addressed_agency_id=user.agency_id) | Q(addressed_center_id__in=_my_centers(user))
    return Q(status__in=RfiRequest.PENDING_STATUSES) & (
        Q(taken_by_id=user.pk) | (Q(taken_by__isnull=True) & addressed))


def requests_of(user):
    """The requests the user's agency sees the RFI of (the permission service decides)."""
    return RfiRequest.objects.filter(rfi__in=items_visible_to(user))


def request_of(user, rfi):
    """The request of an RFI the caller fetched through the permission service, or None."""
    return (RfiRequest.objects.select_related("addressed_agency", "addressed_center",
                                              "taken_by__agency")
            .filter(rfi=rfi).first())


def requests_page(user, *, today, side="all", status="pending", overdue=False, cursor=None,
                  size=PAGE_SIZE):
    """(a page of the user's requests, the next page's cursor): keyset on (due date, id), one
    query however deep. ValidationError for a filter or cursor the portal did not give out."""
    if side not in SIDES or status not in STATUSES:
        raise ValidationError("Choose what to show from the filters offered.")
    rows = requests_of(user).filter(status__in=STATUSES[status])
    if side == "to_us":
        rows = rows.filter(Q(addressed_agency_id=user.agency_id)
                           | Q(addressed_center_id__in=_my_centers(user)))
    elif side == "mine":
        rows = rows.filter(taken_by_id=user.pk)
    elif side == "by_us":
        rows = rows.filter(rfi__owner_id=user.agency_id)
    else:
        rows = rows.filter(addressed_to(user) | Q(rfi__owner_id=user.agency_id))
    if overdue:
        rows = rows.filter(status__in=RfiRequest.PENDING_STATUSES, due_date__lt=today)
    if cursor:
        try:
            due, pk = decode_cursor(cursor, kind=DATE)
        except InvalidCursor as error:
            raise ValidationError(INVALID_PAGE_LINK) from error
        rows = rows.filter(Q(due_date__gt=due) | Q(due_date=due, id__gt=pk))
    rows = list(rows.select_related("rfi__owner", "addressed_agency", "addressed_center",
                                    "taken_by").order_by("due_date", "id")[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(rows[-1].due_date, rows[-1].pk)
    for row in rows:
        row.overdue = row.is_overdue(today)
    return rows, next_cursor
