"""A subject's page: where a person, vehicle, phone, e-mail, address, organisation or account
appears, what it appears beside, and when it was linked, strictly within what the reader's agency
may see.

A subject (cases.models.Entity) is one row per normalised key across every agency, so that two
agencies holding the same phone number hold the same entity. What one agency may read of it is
what its visible cases and items say: the links of those objects, each with the label its own
agency typed and its role. The key itself (e.g. `dwayne halvorsen-pike|1988-11-27`) is the
matching machinery and is never shown; neither is the entity's first label (typed by whichever
agency linked it first, perhaps on a record the reader may not see), nor any link of an object
the reader may not see: a subject held only elsewhere does not exist for the reader (404).

Bounded: the page reads at most APPEARANCES_SHOWN links of each kind (newest first) and what
appears beside them on those objects only, in five queries whatever the subject's size.
"""

from dataclasses import dataclass, field

from sharing.permissions import cases_visible_to, entities_visible_to, items_visible_to

from .models import CaseEntity, Entity, ItemEntity

APPEARANCES_SHOWN = 100
BESIDE_SHOWN = 30


@dataclass
class SubjectPage:
    entity: Entity
    label: str
    case_links: list
    item_links: list
    # [(entity, label, times seen beside it)], most often first
    beside: list = field(default_factory=list)
    # [(when, link)], newest first: each link of a visible case or item
    timeline: list = field(default_factory=list)
    more_cases: bool = False
    more_items: bool = False

    @property
    def labels(self):
        """The other labels the subject goes by on what the reader sees (as each agency typed)."""
        seen = {self.label}
        others = []
        for link in [*self.case_links, *self.item_links]:
            if link.label not in seen:
                seen.add(link.label)
                others.append(link.label)
        return others


def visible_subject(user, pk):
    """The entity, if a case or item the user's agency may see links it; else None."""
    return entities_visible_to(user).filter(pk=pk).first()


def subject_page(user, entity, *, size=APPEARANCES_SHOWN):
    """What the reader's agency may see of the subject (see the module docstring)."""
    case_links = list(
        CaseEntity.objects.filter(entity=entity, case__in=cases_visible_to(user))
        .select_related("case__owner", "case__lead_center")
        .order_by("-linked_at", "-id")[: size + 1]
    )
    item_links = list(
        ItemEntity.objects.filter(entity=entity, item__in=items_visible_to(user))
        .select_related("item__owner")
        .order_by("-linked_at", "-id")[: size + 1]
    )
    more_cases, more_items = len(case_links) > size, len(item_links) > size
    case_links, item_links = case_links[:size], item_links[:size]
    own = [link for link in [*case_links, *item_links]
           if (link.case.owner_id if isinstance(link, CaseEntity) else link.item.owner_id)
           == user.agency_id]
    first = own or sorted([*case_links, *item_links], key=lambda link: (link.linked_at, link.pk))
    label = first[0].label if first else entity.get_kind_display()
    page = SubjectPage(entity=entity, label=label, case_links=case_links, item_links=item_links,
                       more_cases=more_cases, more_items=more_items)
    page.beside = _beside(entity, case_ids=[link.case_id for link in case_links],
                          item_ids=[link.item_id for link in item_links])
    page.timeline = sorted(
        [(link.linked_at, link) for link in [*case_links, *item_links]],
        key=lambda pair: (pair[0], pair[1].pk), reverse=True,
    )
    return page


def _beside(entity, *, case_ids, item_ids):
    """The other subjects linked to these (visible) cases and items, with the label of one of
    those links and how many of them link it; two queries."""
    counts, labels, entities = {}, {}, {}
    links = [
        *CaseEntity.objects.filter(case_id__in=case_ids).exclude(entity=entity)
        .select_related("entity").order_by("linked_at", "id"),
        *ItemEntity.objects.filter(item_id__in=item_ids).exclude(entity=entity)
        .select_related("entity").order_by("linked_at", "id"),
    ] if case_ids or item_ids else []
    for link in links:
        counts[link.entity_id] = counts.get(link.entity_id, 0) + 1
        labels.setdefault(link.entity_id, link.label)
        entities.setdefault(link.entity_id, link.entity)
    ranked = sorted(counts, key=lambda pk: (-counts[pk], labels[pk]))[:BESIDE_SHOWN]
    return [(entities[pk], labels[pk], counts[pk]) for pk in ranked]
