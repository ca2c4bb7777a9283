"""What the TAXII server reads: the collections a key's agency may read, and the objects of one,
as a feed in a fixed order, read through the permission service.

A collection's feed is, in order: the portal's reference objects (taxii.stix.REFERENCE_OBJECTS:
the TLP 2.0 markings, the LES marking and its extension, the states), the agencies as identities
(the directory every key reads), then the items the agency sees, by (updated_at, id), each item
giving its report (or note) and then its subjects' indicators. A position in the feed is
(section, sort value, id, place within the item): `next` names the last position served, so a
page starts after it with the permission rows' range scan (visible_page_ids), however deep.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from agencies.models import Agency
from cases.models import Entity, IntelligenceItem, ItemEntity, Jurisdiction
from core.cursors import TEXT, InvalidCursor, decode_cursor, encode_cursor
from core.errors import NotVisible
from products.models import Product
from products.tearline import tearlines_for_agency
from sharing.permissions import cases_visible_to, visible_ids, visible_page_ids

from . import stix
from .models import ImportStatus

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100

REFERENCES, AGENCIES, ITEMS = 0, 1, 2
# The place after an item's last object: its every object was served.
PAST_ITEM = 10**6


class BadRequest(ValueError):
    """A parameter the server cannot read; the message says what is expected."""


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    case_id: int | None = None
    products_only: bool = False

    @property
    def can_write(self):
        return not self.products_only

    def resource(self, key):
        return {
            "id": self.id, "title": self.title, "description": self.description,
            "can_read": True, "can_write": bool(self.can_write and key.can_write),
            "media_types": [stix.STIX_MEDIA_TYPE],
        }


EVERYTHING = Collection(
    id=str(uuid.uuid5(stix.NAMESPACE, "collection:everything")),
    title="Everything your agency may see",
    description="Every intelligence item and finished product your agency may read, as STIX "
    "2.1 reports and notes, with the markings, agencies and states they name.",
)
PRODUCTS = Collection(
    id=str(uuid.uuid5(stix.NAMESPACE, "collection:products")),
    title="Finished products",
    description="Bulletins, assessments, target packages and reports, each as the version your "
    "agency is entitled to (withheld portions are notices).",
    products_only=True,
)


def case_collection_id(case_id):
    return str(stix.record_uuid(stix.CASE_COLLECTION, case_id))


def _case_collection(case):
    return Collection(
        id=case_collection_id(case["id"]), title=f"Case {case['number']}: {case['title']}",
        description="The intelligence items of this case that your agency may read.",
        case_id=case["id"],
    )


def collections_for(principal):
    """Every collection the principal's agency may read: everything, the products, and one per
    case it sees (one query)."""
    cases = cases_visible_to(principal).order_by("id").values("id", "number", "title")
    return [EVERYTHING, PRODUCTS, *(_case_collection(case) for case in cases)]


def collection_or_404(principal, collection_id):
    """The collection, or NotVisible: an unknown collection and a case the agency does not see
    answer alike."""
    for fixed in (EVERYTHING, PRODUCTS):
        if collection_id == fixed.id:
            return fixed
    # A case's collection id carries the case's id: one lookup through the permission service.
    case_id = stix.record_pk(collection_id, stix.CASE_COLLECTION)
    case = None if case_id is None else (
        cases_visible_to(principal).filter(pk=case_id).values("id", "number", "title").first())
    if case is None:
        raise NotVisible(IntelligenceItem)
    return _case_collection(case)


# Parameters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    added_after: datetime | None = None
    ids: frozenset = frozenset()
    types: frozenset = frozenset()
    versions: tuple = ("last",)


def parse_timestamp(raw, name):
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise BadRequest(f"{name}: a STIX timestamp is expected, e.g. 2026-01-31T12:00:00.000Z.")
    return value


def filters_of(params):
    added_after = params.get("added_after")
    versions = tuple(
        v.strip() for v in params.get("match[version]", "last").split(",") if v.strip()
    ) or ("last",)
    for version in versions:
        if version not in ("last", "first", "all"):
            parse_timestamp(version, "match[version]")
    split = lambda name: frozenset(v.strip() for v in params.get(name, "").split(",") if v.strip())  # noqa: E731
    return Filters(
        added_after=parse_timestamp(added_after, "added_after") if added_after else None,
        ids=split("match[id]"), types=split("match[type]"), versions=versions,
    )


def limit_of(params):
    raw = params.get("limit")
    if raw in (None, ""):
        return DEFAULT_PAGE_SIZE
    try:
        limit = int(raw)
    except ValueError:
        raise BadRequest(f"limit: a whole number from 1 to {MAX_PAGE_SIZE} is expected.") from None
    if limit < 1:
        raise BadRequest(f"limit: a whole number from 1 to {MAX_PAGE_SIZE} is expected.")
    return min(limit, MAX_PAGE_SIZE)


def _encode_position(section, stamp, pk, place):
    return encode_cursor(f"{section}/{stamp.isoformat()}/{place}", pk, sort="taxii")


def _decode_position(cursor):
    try:
        text, pk = decode_cursor(cursor, kind=TEXT, sort="taxii")
        section, stamp, place = text.split("/")
        stamp = datetime.fromisoformat(stamp)
        if stamp.tzinfo is None:
            raise ValueError("a position's time names its zone")
        return int(section), stamp, pk, int(place)
    except (InvalidCursor, ValueError):
        raise BadRequest("next: not a value this server gave out; send `next` as it came.") from None


# The feed -----------------------------------------------------------------------------------


@dataclass
class Entry:
    object: dict
    added: datetime
    position: tuple  # (section, stamp, pk, place)
    item: IntelligenceItem | None = None

    @property
    def date_added(self):
        return stix.timestamp(self.added)

    @property
    def version(self):
        return self.object.get("modified") or self.object["created"]


def _version_matches(obj, versions):
    if any(v in ("last", "first", "all") for v in versions):
        return True  # one version of each object is kept: it is the first, the last and all
    modified = parse_timestamp(obj.get("modified") or obj["created"], "modified")
    return any(parse_timestamp(v, "match[version]") == modified for v in versions)


def _kept(obj, filters):
    return (
        (not filters.types or obj["type"] in filters.types)
        and (not filters.ids or obj["id"] in filters.ids)
        and _version_matches(obj, filters.versions)
    )


def _references_from(start, filters, want):
    """The reference objects after position `start` (those of sections 0 and 1)."""
    entries = []
    if filters.added_after is not None and filters.added_after >= stix.REFERENCE_ADDED:
        return entries
    section, _, pk, _ = start
    if section <= REFERENCES:
        for index, obj in enumerate(stix.REFERENCE_OBJECTS):
            if (section, pk) < (REFERENCES, index) and _kept(obj, filters):
                entries.append(Entry(obj, stix.REFERENCE_ADDED, (REFERENCES, stix.REFERENCE_ADDED, index, 0)))
    if len(entries) >= want or (filters.types and "identity" not in filters.types):
        return entries
    agencies = Agency.objects.order_by("id")
    if section == AGENCIES:
        agencies = agencies.filter(id__gt=pk)
    elif section > AGENCIES:
        return entries
    # One query: the agencies of the directory that the page can still hold.
    for agency in agencies.values("id", "name", "ori")[: want - len(entries)]:
        obj = stix.agency_identity(agency)
        if _kept(obj, filters):
            position = (AGENCIES, stix.REFERENCE_ADDED, agency["id"], 0)
            entries.append(Entry(obj, stix.REFERENCE_ADDED, position))
    return entries


def _narrowing(collection, item_ids):
    def narrow(queryset):
        if collection.case_id is not None:
            queryset = queryset.filter(case_id=collection.case_id)
        if collection.products_only:
            queryset = queryset.filter(product__isnull=False)
        if item_ids is not None:
            queryset = queryset.filter(id__in=item_ids)
        return queryset

    return narrow if (collection.case_id or collection.products_only or item_ids is not None) else None


def items_by_stix_id(principal, collection, ids):
    """The ids of the items (of the collection, that the agency sees) whose objects bear these
    STIX ids: each id read back to its item or subject link (stix.record_pk), then looked up by
    primary key through the permission service, at most two queries whatever the agency sees."""
    item_pks = {pk for pk in map(stix.item_pk_of, ids) if pk is not None}
    link_pks = {pk for pk in map(stix.subject_link_pk_of, ids) if pk is not None}
    if not item_pks and not link_pks:
        return set()
    visible = IntelligenceItem.objects.filter(id__in=visible_ids(IntelligenceItem, principal))
    narrow = _narrowing(collection, None)
    if narrow is not None:
        visible = narrow(visible)
    found = set()
    if item_pks:
        found |= set(visible.filter(pk__in=item_pks).values_list("id", flat=True))
    if link_pks:
        found |= set(ItemEntity.objects.filter(
            pk__in=link_pks, item_id__in=visible.values("id"), entity__kind=Entity.Kind.EMAIL,
        ).values_list("item_id", flat=True))
    return found


def _item_entries(principal, collection, start, filters, want):
    """The items' objects after position `start`: `want` items at most, read in a fixed number
    of queries (their rows, their subjects, their cases' states, the products' tearlines)."""
    if filters.types and not filters.types & {"report", "note", "indicator"}:
        return [], False
    item_ids = None
    if filters.ids:
        item_ids = items_by_stix_id(principal, collection, filters.ids)
        if not item_ids:
            return [], False
    section, stamp, pk, place = start
    cursor = (stamp, pk - 1) if section == ITEMS else None  # from the cursor's item, included
    keys = visible_page_ids(
        IntelligenceItem, principal, limit=want, after=filters.added_after, cursor=cursor,
        until=timezone.now() - settings.API_SYNC_SETTLE, narrow=_narrowing(collection, item_ids),
    )
    if keys is None:
        return [], False
    items = list(
        IntelligenceItem.objects.filter(id__in=keys).select_related("product")
        .order_by("updated_at", "id")
    )
    page_full = len(items) >= want
    ids = [item.pk for item in items]
    subjects = {}
    for link in ItemEntity.objects.filter(item_id__in=ids, entity__kind=Entity.Kind.EMAIL).order_by(
        "id"
    ).values("id", "item_id", "role", "linked_at", key=F("entity__key")):
        subjects.setdefault(link["item_id"], []).append(link)
    states = {}
    case_ids = {item.case_id for item in items if item.case_id}
    for case_id, state in Jurisdiction.objects.filter(case_id__in=case_ids).values_list(
        "case_id", "state"
    ).order_by("state").distinct():
        states.setdefault(case_id, []).append(state)
    agency = principal.agency
    products = [item for item in items if _product_of(item) is not None]
    versions = tearlines_for_agency(products, agency, principal=principal) if products else {}
    entries = []
    for item in items:
        product = _product_of(item)
        objects = stix.item_objects(
            item, states=states.get(item.case_id, ()), subjects=subjects.get(item.pk, ()),
            version=versions.get(item.pk) if product else None,
            product_type=product.type if product else None,
        )
        for index, obj in enumerate(objects):
            position = (ITEMS, item.updated_at, item.pk, index)
            if section == ITEMS and (item.updated_at, item.pk) == (stamp, pk) and index <= place:
                continue
            if _kept(obj, filters):
                entries.append(Entry(obj, item.updated_at, position, item))
        # A marker (no object): the item's objects end here, the next page starts after it.
        entries.append(Entry({}, item.updated_at, (ITEMS, item.updated_at, item.pk, PAST_ITEM)))
    return entries, page_full


def _product_of(item):
    try:
        return item.product
    except Product.DoesNotExist:
        return None


@dataclass
class Page:
    entries: list
    more: bool
    next: str | None
    items: list  # the ids of the items whose objects the page holds: for the access log
    released: list  # their rows for the dissemination record (cases.services)


def feed_page(principal, collection, *, filters, limit, cursor=None):
    """One page of the collection's feed: at most `limit` objects after `cursor`."""
    start = _decode_position(cursor) if cursor else (REFERENCES, stix.REFERENCE_ADDED, -1, 0)
    entries = _references_from(start, filters, limit + 1)
    page_full = False
    if len(entries) <= limit:
        # The items come after the references: from the first one, or from the cursor's.
        item_start = start if start[0] == ITEMS else (AGENCIES, stix.REFERENCE_ADDED, 0, 0)
        more_items, page_full = _item_entries(
            principal, collection, item_start, filters, limit + 1 - len(entries)
        )
        entries += more_items
    # Markers (entries without an object) end each item; a page counts objects only.
    served, last = [], None
    for entry in entries:
        if entry.object:
            if len(served) == limit:
                return _page(served, True, last)
            served.append(entry)
        last = entry.position
    more = page_full
    return _page(served, more, last if more else None)


def _page(served, more, last):
    next_cursor = _encode_position(*last) if more and last is not None else None
    items = {entry.item.pk: entry.item for entry in served if entry.item is not None}
    released = [
        {"id": item.pk, "intelligence_status": item.intelligence_status, "owner_id": item.owner_id}
        for item in items.values()
    ]
    return Page(entries=served, more=more, next=next_cursor, items=sorted(items), released=released)


def status_or_404(principal, status_id):
    """A POST's status, for the keys of the agency that posted; anything else is a 404."""
    try:
        return ImportStatus.objects.get(pk=uuid.UUID(str(status_id)), agency_id=principal.agency_id)
    except (ImportStatus.DoesNotExist, ValueError):
        raise NotVisible() from None
