"""One search box over everything a user may see: cases, items, annotations and subjects.

Every query starts from the permission service (cases_visible_to / items_visible_to), so a
result can only be something the user's agency may read. On PostgreSQL it is full-text
search: a weighted vector per model, stored in a generated column with a GIN index (migration
cases 0004), so that a match never parses a row's text again and the planner starts from
whichever side is rarer, the visible rows or the rows holding the words; ranked with
SearchRank, with SearchHeadline snippets for the rows shown only.
On SQLite (the embedded demo) every word must appear somewhere, newest change first, and
the snippet is cut in Python. Subjects are found by their normalised keys (cases.entities):
a plate or a phone number typed in any format finds the same entity.
"""

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.states import STATE_CODES
from sharing.permissions import annotations_visible_to, cases_visible_to, items_visible_to

from . import entities as keys
from .models import CaseEntity, Entity, ItemEntity

CONFIG = "english"
MIN_LENGTH = 2
MAX_LENGTH = 200
LIMIT = 20

# Snippet markers that cannot come from user text after escaping; turned into <mark> at the end.
_START, _STOP = "\x02", "\x03"
_PLATE_JUNK = re.compile(r"[^A-Z0-9]")


# The vectors, as Django expressions. Stored by PostgreSQL in each table's search_vector column
# (the same vectors written out in SQL in migration 0004); migration 0003 indexed them as
# expressions before.
def case_vector():
    return SearchVector("number", "title", weight="A", config=CONFIG) + SearchVector(
        "summary", weight="B", config=CONFIG
    )


def item_vector():
    return SearchVector("title", weight="A", config=CONFIG) + SearchVector(
        "body", weight="B", config=CONFIG
    )


def annotation_vector():
    return SearchVector("body", config=CONFIG)


def stored_vector(queryset):
    """The stored vector of the queryset's rows (PostgreSQL: the generated search_vector)."""
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    return RawSQL(f"{table}.search_vector", [], output_field=SearchVectorField())


@dataclass
class Results:
    text: str = ""
    cases: list = field(default_factory=list)
    items: list = field(default_factory=list)
    annotations: list = field(default_factory=list)
    # [(entity, [cases], [items])]
    entities: list = field(default_factory=list)
    full_text: bool = False

    @property
    def empty(self):
        return not (self.cases or self.items or self.annotations or self.entities)


def clean_query(text):
    text = " ".join((text or "").split())
    if len(text) < MIN_LENGTH:
        raise ValidationError(f"Type at least {MIN_LENGTH} characters to search.")
    if len(text) > MAX_LENGTH:
        raise ValidationError(f"A search is at most {MAX_LENGTH} characters.")
    return text


def uses_full_text():
    return connection.vendor == "postgresql"


def search(user, text, limit=LIMIT):
    """What the user's agency may see that matches `text` (raises ValidationError for a query
    too short or too long). A fixed number of queries, whatever the number of matches."""
    text = clean_query(text)
    results = Results(text=text, full_text=uses_full_text())
    cases = cases_visible_to(user).select_related("owner")
    items = items_visible_to(user).select_related("owner")
    notes = annotations_visible_to(user).select_related("author", "agency", "case", "item")
    if results.full_text:
        query = SearchQuery(text, search_type="websearch", config=CONFIG)
        results.cases = _ranked(cases, query, "summary", limit)
        results.items = _ranked(items, query, "body", limit)
        results.annotations = _ranked(notes, query, "body", limit)
    else:
        words = [stem(word) for word in text.split()]
        results.cases = _matching(cases, words, ("number", "title", "summary"), "summary", limit)
        results.items = _matching(items, words, ("title", "body"), "body", limit)
        results.annotations = _matching(notes, words, ("body",), "body", limit)
    results.entities = entity_matches(user, text, limit)
    return results


_SUFFIXES = ("ing", "ed", "es", "s")


def stem(word):
    """A crude English stem for the SQLite fallback, so "trafficking" finds "trafficked":
    drop one common ending when at least four letters stay. PostgreSQL stems properly."""
    lowered = word.lower()
    for suffix in _SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _ranked(queryset, query, snippet_field, limit):
    vector = stored_vector(queryset)
    rows = list(
        queryset.annotate(document=vector)
        .filter(document=query)
        .annotate(
            rank=SearchRank(vector, query),
            headline=SearchHeadline(
                snippet_field, query, config=CONFIG, start_sel=_START, stop_sel=_STOP,
                max_words=35, min_words=12, max_fragments=2, fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "-updated_at", "-id")[:limit]
    )
    for row in rows:
        row.snippet = _marked(row.headline if _START in (row.headline or "") else
                              _excerpt(getattr(row, snippet_field), []))
    return rows


def _matching(queryset, words, fields, snippet_field, limit):
    for word in words:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        queryset = queryset.filter(any_field)
    rows = list(queryset.order_by("-updated_at", "-id")[:limit])
    for row in rows:
        row.snippet = _marked(_excerpt(getattr(row, snippet_field), words))
    return rows


def _excerpt(text, words, width=220):
    """A window of `text` around the first word found, with every word wrapped in markers."""
    text = " ".join((text or "").split())
    lowered = text.lower()
    hits = [lowered.find(w.lower()) for w in words if lowered.find(w.lower()) >= 0]
    start = max(0, min(hits) - width // 3) if hits else 0
    window = text[start : start + width]
    if start > 0:
        window = "…" + window
    if start + width < len(text):
        window += "…"
    for word in sorted(set(words), key=len, reverse=True):
        window = re.sub(
            f"({re.escape(word)})", f"{_START}\\1{_STOP}", window, flags=re.IGNORECASE
        )
    return window


def _marked(text):
    """Escape user text, then turn the markers into <mark> (never the other way round)."""
    html = escape(text or "").replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above, only our own tags added


# Subjects by their normalised keys -------------------------------------------------------------


def entity_conditions(text):
    """Which entities `text` could name, whatever format it was typed in: one Q per reading."""
    conditions = []
    compact = _PLATE_JUNK.sub("", text.upper())
    if 2 <= len(compact) <= 10:
        # A plate, with or without the issuing state in front ("FL ABC-1234" or "abc 1234").
        conditions.append(Q(kind=Entity.Kind.VEHICLE, key__endswith=f":{compact}"))
        if compact[:2] in STATE_CODES and len(compact) > 2:
            conditions.append(Q(kind=Entity.Kind.VEHICLE, key=f"{compact[:2]}:{compact[2:]}"))
    if sum(ch.isdigit() for ch in text) >= 7:
        try:
            conditions.append(Q(kind=Entity.Kind.PHONE, key=keys.phone_key(text)))
        except ValidationError:
            pass
    if len(compact) == 17:
        try:
            conditions.append(Q(kind=Entity.Kind.VIN, key=keys.vin_key(text)))
        except ValidationError:
            pass
    if "@" in text:
        try:
            conditions.append(Q(kind=Entity.Kind.EMAIL, key=keys.email_key(text)))
        except ValidationError:
            pass
    words = keys.text_key(text) if text.strip() else ""
    if words:
        conditions.append(
            Q(kind__in=[Entity.Kind.PERSON, Entity.Kind.ORGANISATION, Entity.Kind.ADDRESS,
                        Entity.Kind.ACCOUNT], key__contains=words.lstrip("@"))
        )
    return conditions


def entity_matches(user, text, limit=LIMIT):
    """Entities matching `text` that are linked to a case or item the user may see, each with
    those cases and items only. An entity known only elsewhere is not revealed. Two queries."""
    conditions = entity_conditions(text)
    if not conditions:
        return []
    matching = Q()
    for condition in conditions:
        matching |= condition
    entity_ids = Entity.objects.filter(matching).values("id")
    case_links = list(
        CaseEntity.objects.filter(entity_id__in=entity_ids, case__in=cases_visible_to(user))
        .select_related("entity", "case", "case__owner")
        .order_by("-case__updated_at", "-case_id")[: limit * 5]
    )
    item_links = list(
        ItemEntity.objects.filter(entity_id__in=entity_ids, item__in=items_visible_to(user))
        .select_related("entity", "item", "item__owner")
        .order_by("-item__updated_at", "-item_id")[: limit * 5]
    )
    found = {}
    for link in [*case_links, *item_links]:
        # Shown by the label of a link the reader sees, never by what another agency typed.
        link.entity.label = link.label
        entry = found.setdefault(link.entity_id, (link.entity, [], []))
        if isinstance(link, CaseEntity):
            entry[1].append((link.case, link.role))
        else:
            entry[2].append((link.item, link.role))
    return list(found.values())[:limit]
