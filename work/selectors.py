"""What the RFI and referral pages and the API read: a request by its RFI, and the requests of my
agency (to it, to its centers, asked by it); the referrals to my agency, made by it or by my
center; soonest due first, a page at a time."""

from django.core.exceptions import ValidationError
from django.db.models import Q

from agencies.models import CenterAdmin, Membership
from core.cursors import DATE, InvalidCursor, decode_cursor, encode_cursor
from core.errors import NotVisible
from sharing.permissions import cases_visible_to, items_visible_to

from .models import Referral, RfiRequest

PAGE_SIZE = 50
INVALID_PAGE_LINK = "This page link is not one the portal gave out; start from the first page."
SIDES = {"all": "Addressed to us or asked by us", "to_us": "Addressed to us",
         "mine": "Taken by me", "by_us": "Asked by my agency"}
STATUSES = {"pending": RfiRequest.PENDING_STATUSES, "answered": (RfiRequest.Status.ANSWERED,),
            "closed": (RfiRequest.Status.CLOSED,), "any": tuple(RfiRequest.Status.values)}


def _my_centers(user):
    return Membership.objects.filter(agency_id=user.agency_id,
                                     status=Membership.Status.ACTIVE).values("center_id")


def _soonest_due_page(rows, cursor, size):
    """(a page of `rows`, soonest due first, the next page's cursor): keyset on (due date, id),
    one query however deep. ValidationError for a cursor the portal did not give out."""
    if cursor:
        try:
            due, pk = decode_cursor(cursor, kind=DATE)
        except InvalidCursor as error:
            raise ValidationError(INVALID_PAGE_LINK) from error
        rows = rows.filter(Q(due_date__gt=due) | Q(due_date=due, id__gt=pk))
    rows = list(rows.order_by("due_date", "id")[: size + 1])
    if len(rows) > size:
        rows = rows[:size]
        return rows, encode_cursor(rows[-1].due_date, rows[-1].pk)
    return rows, None


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
    rows, next_cursor = _soonest_due_page(
        rows.select_related("rfi__owner", "addressed_agency", "addressed_center", "taken_by"),
        cursor, size)
    for row in rows:
        row.overdue = row.is_overdue(today)
    return rows, next_cursor


# Referrals ------------------------------------------------------------------------------------
#
# A referral exists for the people of its two agencies and for the admins of the center it was
# referred for. Its referred object is another matter: its title (and the referral's
# instructions and outcome text, which speak of it) reach only a reader whose agency sees the
# object now, through the permission service; anyone else reads the pointer (case number, or
# item number and kind, and the agencies).

REFERRAL_SIDES = {"all": "To us, by us or by my center", "to_us": "Referred to my agency",
                  "by_us": "Made by my agency", "center": "Made for my center"}
REFERRAL_STATUSES = {"pending": Referral.PENDING_STATUSES,
                     "closed": (Referral.Status.CLOSED,),
                     "withdrawn": (Referral.Status.WITHDRAWN,),
                     "any": tuple(Referral.Status.values)}
REFERRAL_RELATED = ("case", "item", "from_agency", "to_agency", "referring_center",
                    "referred_by", "acknowledged_by", "closed_by")


def _my_admin_centers(user):
    return CenterAdmin.objects.filter(user_id=user.pk).values("center_id")


def referrals_of(user):
    """The referrals that exist for the user: to or from its agency, or for a center it
    administers."""
    if user.agency_id is None:
        return Referral.objects.none()
    return Referral.objects.filter(
        Q(to_agency_id=user.agency_id) | Q(from_agency_id=user.agency_id)
        | Q(referring_center_id__in=_my_admin_centers(user)))


def referral_of(user, pk):
    """One referral of the user's, with what its page names; NotVisible (404) otherwise."""
    referral = referrals_of(user).select_related(*REFERRAL_RELATED).filter(pk=pk).first()
    if referral is None:
        raise NotVisible(Referral)
    return referral


def mark_seen(user, referrals):
    """Set `sees` on each referral: whether the user's agency sees its object now. Two queries
    (the cases', the items'), whatever the number of referrals."""
    case_ids = [r.case_id for r in referrals if r.case_id]
    item_ids = [r.item_id for r in referrals if r.item_id]
    seen_cases = set(cases_visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True)) \
        if case_ids else set()
    seen_items = set(items_visible_to(user).filter(pk__in=item_ids).values_list("pk", flat=True)) \
        if item_ids else set()
    for referral in referrals:
        referral.sees = (referral.case_id in seen_cases if referral.case_id
                         else referral.item_id in seen_items)
    return referrals


def referrals_page(user, *, today, side="all", status="pending", overdue=False, cursor=None,
                   size=PAGE_SIZE):
    """(a page of the user's referrals, the next page's cursor): keyset on (due date, id), one
    query however deep, and two more for what the user sees of their objects. ValidationError
    for a filter or cursor the portal did not give out."""
    if side not in REFERRAL_SIDES or status not in REFERRAL_STATUSES:
        raise ValidationError("Choose what to show from the filters offered.")
    rows = referrals_of(user).filter(status__in=REFERRAL_STATUSES[status])
    if side == "to_us":
        rows = rows.filter(to_agency_id=user.agency_id)
    elif side == "by_us":
        rows = rows.filter(from_agency_id=user.agency_id)
    elif side == "center":
        rows = rows.filter(referring_center_id__in=_my_admin_centers(user))
    if overdue:
        rows = rows.filter(status__in=Referral.PENDING_STATUSES, due_date__lt=today)
    rows, next_cursor = _soonest_due_page(
        rows.select_related("case", "item", "from_agency", "to_agency", "referring_center"),
        cursor, size)
    for row in rows:
        row.overdue = row.is_overdue(today)
    return mark_seen(user, rows), next_cursor
