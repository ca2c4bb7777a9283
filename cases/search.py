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

A word that most visible cases or items hold would make PostgreSQL rank every one of them
(22,034 visible items read one by one at 1,000,000 items). So cases and items are ranked among
their RANKED_AMONG newest visible matches: one statement that takes its candidates from the
permission rows newest first, each joined to its row by primary key and kept if it matches,
and stops at RANKED_AMONG; for a rare word the planner starts from the GIN index instead. The
page says so when the bound was reached. Each section (cases, items, annotations) pages on
with a keyset cursor of its own: (rank, updated_at, id) on PostgreSQL, (updated_at, id) on
SQLite.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, F, FloatField, Func, Q, TextField, Value, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, Replace
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.cursors import TEXT, InvalidCursor, decode_cursor, encode_cursor
from core.states import STATE_CODES
from sharing.permissions import (
    annotations_visible_to,
    cases_visible_to,
    items_visible_to,
    newest_visible,
)

from . import entities as keys
from .models import Case, CaseEntity, Entity, IntelligenceItem, ItemEntity

CONFIG = "english"
MIN_LENGTH = 2
MAX_LENGTH = 200
LIMIT = 20
# PostgreSQL ranks cases and items among this many of their newest visible matches: what a
# word held by every visible row costs is then bounded, and the page says so when it applies.
# 500, 25 pages of results: a word in 16 % of the items reads about 3,100 visible rows,
# whatever the number of items (2,000 read every one of the 24,576 visible at 1,000,000 items,
# and PostgreSQL then chose to read and sort them all: 423 ms against 27 ms, make bench-pages).
RANKED_AMONG = 500
# The sections of the results that page on, each with its own cursor ("More results").
SECTIONS = ("cases", "items", "notes")
INVALID_CURSOR = "That “More results” link is not valid; search again."

# Snippet markers that cannot come from user text after escaping; turned into <mark> at the end.
_START, _STOP = "\x02", "\x03"
_PLATE_JUNK = re.compile(r"[^A-Z0-9]")


# The vectors, as Django expressions. Stored by PostgreSQL in each table's search_vector column
# (the same vectors written out in SQL in migration 0012, after 0004); migration 0003 indexed
# them as expressions before.
#
# Identifiers written in parts: a phone "(407) 555-0148", a plate "LKR-7Q2". Digits that
# separators (space, dot, dash, slash, brackets) split from digits are joined, and so are
# letters or digits around a dash, so that the text also holds "4075550148" and "LKR7Q2", as a
# user types them: a copy of the text with its identifiers joined, in the 'simple'
# configuration, is part of each stored vector, and a query is tried joined too. The same
# pattern in PostgreSQL's regular expressions and in Python's.
GLUE_SQL = "([0-9])[-.()/[:space:]]+(?=[0-9])|([[:alnum:]])-(?=[[:alnum:]])"
GLUE = re.compile(r"([0-9])[-.()/\s]+(?=[0-9])|([0-9A-Za-z])-(?=[0-9A-Za-z])")
GLUE_CONFIG = "simple"


def glued(text):
    """`text` with the parts of its identifiers joined (see GLUE)."""
    return GLUE.sub(r"\1\2", text or "")


class _Glued(Func):
    function = "regexp_replace"

    def __init__(self, expression):
        super().__init__(Coalesce(expression, Value(""), output_field=TextField()),
                         Value(GLUE_SQL), Value("\\1\\2"),
                         Value("g"), output_field=TextField())


def _identifiers(*fields, weight):
    joined = fields[0] if len(fields) == 1 else Concat(
        *[part for name in fields
          for part in (Coalesce(name, Value(""), output_field=TextField()), Value(" "))][:-1],
        output_field=TextField())
    return SearchVector(_Glued(joined), weight=weight, config=GLUE_CONFIG)


def case_vector():
    return SearchVector("number", "title", weight="A", config=CONFIG) + SearchVector(
        "summary", weight="B", config=CONFIG
    ) + _identifiers("title", "summary", weight="B")


def item_vector():
    return SearchVector("title", weight="A", config=CONFIG) + SearchVector(
        "body", weight="B", config=CONFIG
    ) + _identifiers("title", "body", weight="B")


def annotation_vector():
    return SearchVector("body", config=CONFIG) + _identifiers("body", weight="D")


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
    # The cursor of each section's next page ("cases", "items", "notes"), None at its end.
    more: dict = field(default_factory=dict)
    # The sections ranked among their RANKED_AMONG newest matches only (PostgreSQL).
    bounded: list = field(default_factory=list)
    ranked_among: int = 0

    @property
    def empty(self):
        return not (self.cases or self.items or self.annotations or self.entities)


@dataclass
class Section:
    """One page of one section of the results, and the cursor of the next."""

    name: str
    rows: list
    next_cursor: str | None = None
    bounded: bool = False


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
    too short or too long): the first page of each section and the subjects. A fixed number of
    queries, whatever the number of matches."""
    text = clean_query(text)
    results = Results(text=text, full_text=uses_full_text(), ranked_among=RANKED_AMONG)
    for name, attribute in (("cases", "cases"), ("items", "items"), ("notes", "annotations")):
        section = search_section(user, text, name, limit=limit)
        setattr(results, attribute, section.rows)
        results.more[name] = section.next_cursor
        if section.bounded:
            results.bounded.append(name)
    results.entities = entity_matches(user, text, limit)
    return results


def search_section(user, text, name, cursor=None, limit=LIMIT):
    """A page of one section ("cases", "items", "notes") of what the user's agency may see that
    matches `text`, from `cursor` (a Section's next_cursor, or None for the first page): one
    query. ValidationError for a query too short or too long, an unknown section or a cursor
    this search did not give out."""
    text = clean_query(text)
    if name not in SECTIONS:
        raise ValidationError(f"Unknown section {name!r}; choose one of {', '.join(SECTIONS)}.")
    place = _decode(cursor, name) if cursor else None
    # What SQLite matches words in, and PostgreSQL ranks annotations among (cases and items
    # take their candidates from the permission rows, below).
    if name == "cases":
        rows = cases_visible_to(user).select_related("owner")
        model, fields, snippet_field = Case, ("number", "title", "summary"), "summary"
    elif name == "items":
        rows = items_visible_to(user).select_related("owner")
        model, fields, snippet_field = IntelligenceItem, ("title", "body"), "body"
    else:
        rows = annotations_visible_to(user).select_related("author", "agency", "case", "item")
        model, fields, snippet_field = None, ("body",), "body"
    if not uses_full_text():
        words = [stem(word) for word in text.split()]
        return _matching(rows, name, words, fields, snippet_field, limit, place)
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    if glued(text) != text:
        query = query | SearchQuery(glued(text), search_type="plain", config=GLUE_CONFIG)
    if model is None:
        return _ranked(rows, name, query, snippet_field, limit, place)
    # The candidates come from the permission rows themselves (already visible, already
    # matched): a second semi-join on the whole visible set would only cost and mislead.
    rows = newest_visible(model, user, limit=RANKED_AMONG, matching=_matches(text))
    rows = rows.select_related("owner")
    return _ranked(rows, name, query, snippet_field, limit, place, among=RANKED_AMONG)


def _matches(text):
    """The condition `search_vector @@ query` on a permission row's object, in SQL (the same
    query as SearchQuery(text, search_type="websearch", config=CONFIG))."""
    if glued(text) == text:
        return ("obj.search_vector @@ websearch_to_tsquery(%s::regconfig, %s)", [CONFIG, text])
    # An identifier typed in parts is also tried joined, as the stored vectors hold it.
    return ("obj.search_vector @@ (websearch_to_tsquery(%s::regconfig, %s) || "
            "plainto_tsquery(%s::regconfig, %s))", [CONFIG, text, GLUE_CONFIG, glued(text)])


def section_cursor(name, rank, updated_at, pk):
    """The cursor of a section's page that follows the row at (rank, updated_at, pk)."""
    return encode_cursor(f"{rank!r}|{updated_at.isoformat()}", pk, sort=name)


def _decode(cursor, name):
    """(rank, updated_at, id) of a section's cursor; ValidationError for anything else."""
    try:
        value, pk = decode_cursor(cursor, kind=TEXT, sort=name)
        rank, separator, stamp = value.partition("|")
        if not separator:
            raise InvalidCursor("no time")
        rank, updated_at = float(rank), datetime.fromisoformat(stamp)
        if not math.isfinite(rank) or updated_at.tzinfo is None:
            raise InvalidCursor("not a rank and a time with its zone")
    except (InvalidCursor, ValueError) as error:
        raise ValidationError(INVALID_CURSOR) from error
    return rank, updated_at, pk


_SUFFIXES = ("ing", "ed", "es", "s")


def stem(word):
    """A crude English stem for the SQLite fallback, so "trafficking" finds "trafficked":
    drop one common ending when at least four letters stay. PostgreSQL stems properly."""
    lowered = word.lower()
    for suffix in _SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _ranked(queryset, name, query, snippet_field, limit, place, among=None):
    """A page of the rows of `queryset` matching `query`, best first (rank, then newest), after
    `place`; highlighted (SearchHeadline) for the page's rows only. `among`: the queryset holds
    at most that many candidates, already matched; the section is bounded when it holds them
    all (counted over the first page's candidates by a window, in the same query)."""
    vector = stored_vector(queryset)
    # The rank as double precision, which reads back exactly: the cursor compares it again.
    rank = Cast(SearchRank(vector, query), output_field=FloatField())
    rows = queryset.annotate(rank=rank)
    if among is None:
        rows = rows.annotate(document=vector).filter(document=query)
    if place is not None:
        value, updated_at, pk = place
        rows = rows.filter(
            Q(rank__lt=value) | Q(rank=value, updated_at__lt=updated_at)
            | Q(rank=value, updated_at=updated_at, id__lt=pk)
        )
    elif among is not None:
        rows = rows.annotate(candidates=Window(Count("id")))
    rows = list(
        rows.annotate(
            headline=SearchHeadline(
                snippet_field, query, config=CONFIG, start_sel=_START, stop_sel=_STOP,
                max_words=35, min_words=12, max_fragments=2, fragment_delimiter=" … ",
            ),
        ).order_by("-rank", "-updated_at", "-id")[: limit + 1]
    )
    for row in rows:
        row.snippet = _marked(row.headline if _START in (row.headline or "") else
                              _excerpt(getattr(row, snippet_field), []))
    section = _page(name, rows, limit, lambda row: row.rank)
    section.bounded = among is not None and place is None and bool(rows) and (
        rows[0].candidates >= among
    )
    return section


def _page(name, rows, limit, rank_of):
    """The Section of rows fetched one beyond `limit`: the page, and the cursor after it."""
    if len(rows) <= limit:
        return Section(name, rows)
    rows = rows[:limit]
    last = rows[-1]
    return Section(name, rows, section_cursor(name, rank_of(last), last.updated_at, last.pk))


# What SQLite strips from text and query to match an identifier written in parts.
_SEPARATORS = ("-", ".", "(", ")", "/", " ")


def _compact(field_name):
    expression = F(field_name)
    for separator in _SEPARATORS:
        expression = Replace(expression, Value(separator), Value(""), output_field=TextField())
    return expression


def _matching(queryset, name, words, fields, snippet_field, limit, place):
    for n, word in enumerate(words):
        any_field = Q()
        compact = "".join(ch for ch in word if ch not in _SEPARATORS)
        for field_name in fields:
            any_field |= Q(**{f"{field_name}__icontains": word})
            if any(ch.isdigit() for ch in word) and compact:
                # "LKR7Q2" finds "LKR-7Q2", "4075550148" finds "(407) 555-0148".
                alias = f"compact_{field_name}_{n}"
                queryset = queryset.alias(**{alias: _compact(field_name)})
                any_field |= Q(**{f"{alias}__icontains": compact})
        queryset = queryset.filter(any_field)
    if place is not None:
        _, updated_at, pk = place
        queryset = queryset.filter(
            Q(updated_at__lt=updated_at) | Q(updated_at=updated_at, id__lt=pk)
        )
    rows = list(queryset.order_by("-updated_at", "-id")[: limit + 1])
    for row in rows:
        row.snippet = _marked(_excerpt(getattr(row, snippet_field), words))
    return _page(name, rows, limit, lambda row: 0.0)


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
