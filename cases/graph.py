"""The link graph: the cases, intelligence items and subjects around one of them, hop by hop,
strictly within what the reader's agency may see.

A hop follows the links of what the reader sees: a case to its subjects and to the items filed
under it; an item to its subjects and to its case; a subject to the cases and items that link it.
Every case and item is read through sharing.permissions, so an object the agency may not see is
never a node, and never a way through: a subject held by another agency's hidden case reaches
only what the reader sees. A subject is shown as cases.subjects shows it: its kind and the label
of a link of a visible object (one of the reader's own agency first), never Entity.label nor
Entity.key.

Filters: `kinds` keeps only nodes of those kinds (a case, an item, or a subject kind), `since`
and `until` keep only the cases and items created on those days (subjects have no date). An
object left out by a filter is neither shown nor expanded through; the start node always stays.

Bounded: at most NODES_SHOWN nodes an answer ("truncated" says when more were there), each query
reads at most a limited number of rows, and a hop costs at most six queries whatever the data.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from sharing.permissions import cases_visible_to, items_visible_to

from .models import CaseEntity, Entity, ItemEntity

NODES_SHOWN = 200
# Rows one query of a hop may read: links beyond these are not followed (and "truncated" says so).
LINKS_READ = 4 * NODES_SHOWN
HOPS = (1, 2, 3)
SUBJECT_KINDS = tuple(Entity.Kind.values)
KINDS = ("case", "item", *SUBJECT_KINDS)
# The kind checkboxes of the page's graph: (value, label).
KIND_CHOICES = (("case", "Cases"), ("item", "Items"), *Entity.Kind.choices)
NODE_ID = re.compile(r"^(case|item|subject):([1-9][0-9]{0,17})$")


@dataclass(frozen=True)
class GraphQuery:
    hops: int = 2
    kinds: frozenset = frozenset(KINDS)
    since: datetime.date | None = None
    until: datetime.date | None = None

    @property
    def created_range(self):
        """The created_at bounds of the days asked for, in the portal's time zone."""
        zone = timezone.get_current_timezone()
        low = datetime.datetime.combine(self.since, datetime.time.min, zone) if self.since else None
        high = (datetime.datetime.combine(self.until + datetime.timedelta(days=1),
                                          datetime.time.min, zone) if self.until else None)
        return low, high


def graph_query(params):
    """The GraphQuery of a request's GET parameters; ValidationError naming what is wrong."""
    errors = []
    hops = params.get("hops", "2")
    if hops not in {str(h) for h in HOPS}:
        errors.append(f"hops must be 1, 2 or 3, not {hops!r}.")
        hops = "2"
    kinds = frozenset(KINDS)
    if "kinds" in params:
        asked = [kind.strip() for kind in params.get("kinds", "").split(",") if kind.strip()]
        unknown = [kind for kind in asked if kind not in KINDS]
        if unknown or not asked:
            errors.append(
                f"kinds is a comma-separated list of {', '.join(KINDS)}"
                + (f"; unknown: {', '.join(unknown)}." if unknown else "; none was given.")
            )
        kinds = frozenset(asked)
    dates = {}
    for name in ("since", "until"):
        value = params.get(name, "")
        if not value:
            dates[name] = None
            continue
        try:
            dates[name] = datetime.date.fromisoformat(value)
        except ValueError:
            errors.append(f"{name} must be a date as YYYY-MM-DD, not {value!r}.")
            dates[name] = None
    if dates["since"] and dates["until"] and dates["since"] > dates["until"]:
        errors.append("since must not be after until.")
    if errors:
        raise ValidationError(errors)
    return GraphQuery(hops=int(hops), kinds=kinds, **dates)


@dataclass
class _Graph:
    user: object
    query: GraphQuery
    nodes: dict = field(default_factory=dict)  # node id -> node
    edges: dict = field(default_factory=dict)  # (source, target) -> edge
    # subject node id -> [(own agency's link?, linked_at, link pk, label)]
    subject_labels: dict = field(default_factory=dict)
    truncated: bool = False

    def room(self):
        return NODES_SHOWN - len(self.nodes)

    def add(self, node_id, node, depth):
        """Add a node unless it is there or the answer is full; True if it is (now) there."""
        if node_id in self.nodes:
            return True
        if self.room() <= 0:
            self.truncated = True
            return False
        self.nodes[node_id] = {"id": node_id, "depth": depth, **node}
        return True

    def link(self, source, target, kind, role=""):
        key = (source, target)
        if key not in self.edges:
            self.edges[key] = {"source": source, "target": target, "kind": kind, "role": role}

    def read(self, rows):
        """The rows of a bounded query; a full one means links were left unread."""
        rows = list(rows[: LINKS_READ + 1])
        if len(rows) > LINKS_READ:
            self.truncated = True
        return rows[:LINKS_READ]

    def dated(self, queryset, prefix=""):
        low, high = self.query.created_range
        if low:
            queryset = queryset.filter(**{f"{prefix}created_at__gte": low})
        if high:
            queryset = queryset.filter(**{f"{prefix}created_at__lt": high})
        return queryset


def case_node(case):
    return {
        "kind": "case", "number": case.number, "title": case.title,
        "label": f"{case.number} {case.title}", "marking": case.handling,
        "owner": case.owner.name, "owner_id": case.owner_id,
        "created": case.created_at.date().isoformat(),
        "url": reverse("case-detail", args=[case.pk]),
        "expand": reverse("case-graph", args=[case.pk]),
    }


def item_node(item):
    return {
        "kind": "item", "item_kind": item.kind, "item_kind_label": item.get_kind_display(),
        "title": item.title, "label": item.title, "marking": item.handling,
        "owner": item.owner.name, "owner_id": item.owner_id, "case_id": item.case_id,
        "created": item.created_at.date().isoformat(),
        "url": reverse("item-detail", args=[item.pk]),
        "expand": reverse("item-graph", args=[item.pk]),
    }


def subject_node(entity_id, kind):
    return {
        "kind": kind, "kind_label": Entity.Kind(kind).label, "label": Entity.Kind(kind).label,
        "url": reverse("subject-detail", args=[entity_id]),
        "expand": reverse("subject-graph", args=[entity_id]),
    }


def graph_section(url, fallback):
    """The context of templates/cases/_graph.html: where its JSON is, what to say without it."""
    return {"graph_url": url, "graph_kinds": KIND_CHOICES, "graph_fallback": fallback}


def visible_start_subject(user, pk):
    """The entity, if a case or item the user's agency may see links it; else None: the rule of
    cases.subjects.visible_subject, asked of this one entity's links (two correlated EXISTS on
    its link indexes). entities_visible_to's IN over every visible link is planned as a hash of
    them all: 90 ms of the 2-hop answer at 1,000,000 items, against under 1 ms for this."""
    via_cases = CaseEntity.objects.filter(entity_id=OuterRef("pk"),
                                          case__in=cases_visible_to(user))
    via_items = ItemEntity.objects.filter(entity_id=OuterRef("pk"),
                                          item__in=items_visible_to(user))
    return Entity.objects.filter(pk=pk).filter(Exists(via_cases) | Exists(via_items)).first()


def case_graph(user, case, query):
    return _expand(user, query, "case", case_node(case), f"case:{case.pk}")


def item_graph(user, item, query):
    return _expand(user, query, "item", item_node(item), f"item:{item.pk}")


def subject_graph(user, entity, query):
    return _expand(user, query, "subject", subject_node(entity.pk, entity.kind),
                   f"subject:{entity.pk}")


def _expand(user, query, start_type, start_node, start_id):
    """Breadth first from the start node, `query.hops` hops (see the module docstring)."""
    graph = _Graph(user=user, query=query)
    graph.add(start_id, start_node, 0)
    frontier = {start_type: {int(start_id.split(":")[1])}}
    for depth in range(1, query.hops + 1):
        reached = {"case": set(), "item": set(), "subject": set()}
        if frontier.get("case"):
            _from_cases(graph, frontier["case"], depth, reached)
        if frontier.get("item"):
            _from_items(graph, frontier["item"], depth, reached)
        if frontier.get("subject"):
            _from_subjects(graph, frontier["subject"], depth, reached)
        frontier = reached
        if not any(reached.values()):
            break
    return _answer(graph, start_id)


def _shows(graph, kind):
    return kind in graph.query.kinds


def _subject_reached(graph, link, object_id, owner_id, depth, reached):
    """A link of a visible case or item to a subject: the subject's node, the edge, the label."""
    subject_id = f"subject:{link.entity_id}"
    kind = link.entity.kind
    graph.subject_labels.setdefault(subject_id, []).append(
        (owner_id != graph.user.agency_id, link.linked_at, link.pk, link.label)
    )
    if subject_id not in graph.nodes and not _shows(graph, kind):
        return
    new = subject_id not in graph.nodes
    if graph.add(subject_id, subject_node(link.entity_id, kind), depth):
        graph.link(object_id, subject_id, "subject", link.role)
        if new:
            reached["subject"].add(link.entity_id)


def _from_cases(graph, case_ids, depth, reached):
    """Cases (visible: they are nodes) to their subjects and the visible items filed under them:
    two queries."""
    owners = {pk: graph.nodes[f"case:{pk}"]["owner_id"] for pk in case_ids}
    links = graph.read(
        CaseEntity.objects.filter(case_id__in=case_ids).select_related("entity")
        .order_by("linked_at", "id")
    )
    for link in links:
        _subject_reached(graph, link, f"case:{link.case_id}", owners[link.case_id], depth, reached)
    if not _shows(graph, "item"):
        return
    items = graph.read(
        graph.dated(items_visible_to(graph.user).filter(case_id__in=case_ids))
        .select_related("owner").order_by("created_at", "id")
    )
    for item in items:
        node_id = f"item:{item.pk}"
        new = node_id not in graph.nodes
        if graph.add(node_id, item_node(item), depth):
            graph.link(node_id, f"case:{item.case_id}", "case")
            if new:
                reached["item"].add(item.pk)


def _from_items(graph, item_ids, depth, reached):
    """Items (visible: they are nodes) to their subjects and their case when visible: two
    queries."""
    owners = {pk: graph.nodes[f"item:{pk}"]["owner_id"] for pk in item_ids}
    links = graph.read(
        ItemEntity.objects.filter(item_id__in=item_ids).select_related("entity")
        .order_by("linked_at", "id")
    )
    for link in links:
        _subject_reached(graph, link, f"item:{link.item_id}", owners[link.item_id], depth, reached)
    if not _shows(graph, "case"):
        return
    # The case ids come from the items' own nodes (read through the gate); so do the cases.
    of_case = {pk: graph.nodes[f"item:{pk}"]["case_id"] for pk in item_ids
               if graph.nodes[f"item:{pk}"]["case_id"]}
    cases = graph.read(
        graph.dated(cases_visible_to(graph.user).filter(id__in=set(of_case.values())))
        .select_related("owner").order_by("created_at", "id")
    ) if of_case else []
    by_id = {case.pk: case for case in cases}
    for item_id, case_id in of_case.items():
        case = by_id.get(case_id)
        if case is None:
            continue
        node_id = f"case:{case_id}"
        new = node_id not in graph.nodes
        if graph.add(node_id, case_node(case), depth):
            graph.link(f"item:{item_id}", node_id, "case")
            if new:
                reached["case"].add(case_id)


def _from_subjects(graph, entity_ids, depth, reached):
    """Subjects to the visible cases and items that link them: two queries."""
    if _shows(graph, "case"):
        links = graph.read(
            graph.dated(
                CaseEntity.objects.filter(entity_id__in=entity_ids,
                                          case__in=cases_visible_to(graph.user)),
                prefix="case__",
            ).select_related("case__owner").order_by("-linked_at", "-id")
        )
        for link in links:
            _object_of_subject(graph, link, f"case:{link.case_id}", case_node(link.case),
                               link.case.owner_id, depth, reached["case"], link.case_id)
    if _shows(graph, "item"):
        links = graph.read(
            graph.dated(
                ItemEntity.objects.filter(entity_id__in=entity_ids,
                                          item__in=items_visible_to(graph.user)),
                prefix="item__",
            ).select_related("item__owner").order_by("-linked_at", "-id")
        )
        for link in links:
            _object_of_subject(graph, link, f"item:{link.item_id}", item_node(link.item),
                               link.item.owner_id, depth, reached["item"], link.item_id)


def _object_of_subject(graph, link, node_id, node, owner_id, depth, reached, pk):
    subject_id = f"subject:{link.entity_id}"
    graph.subject_labels.setdefault(subject_id, []).append(
        (owner_id != graph.user.agency_id, link.linked_at, link.pk, link.label)
    )
    new = node_id not in graph.nodes
    if graph.add(node_id, node, depth):
        graph.link(node_id, subject_id, "subject", link.role)
        if new:
            reached.add(pk)


def _answer(graph, start_id):
    for subject_id, labels in graph.subject_labels.items():
        if subject_id in graph.nodes:
            # The reader's own agency's label first, then the earliest link's.
            graph.nodes[subject_id]["label"] = min(labels)[3]
    for node in graph.nodes.values():
        node.pop("owner_id", None)
        node.pop("case_id", None)
    edges = [edge for edge in graph.edges.values()
             if edge["source"] in graph.nodes and edge["target"] in graph.nodes]
    query = graph.query
    return {
        "start": start_id,
        "hops": query.hops,
        "kinds": sorted(query.kinds),
        "since": query.since.isoformat() if query.since else None,
        "until": query.until.isoformat() if query.until else None,
        "truncated": graph.truncated,
        "nodes": list(graph.nodes.values()),
        "edges": edges,
    }


def parse_node_id(value):
    """(kind, pk) of a node id such as 'case:12'; ValidationError otherwise."""
    match = NODE_ID.match(value or "")
    if not match:
        raise ValidationError(f"A node is named case:<id>, item:<id> or subject:<id>, not {value!r}.")
    return match.group(1), int(match.group(2))
