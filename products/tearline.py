"""The tearline: the version of a finished product that one reader's agency may receive.

`tearline_for(principal, item)` is the one function that reads a product's portions for a
reader: the product's page, its API, its exports (PDF) and the TAXII server call it. Each portion
is either its text or a notice that names why it was withheld ("Portion withheld: TLP:RED").

A portion reaches an agency that is not the owner when:
- the agency is not a foreign partner, or the portion is released to it by name (REL TO): LES,
  criminal intelligence and every "US only" portion never reach a foreign partner otherwise;
- one of the shares through which the agency sees the product is one the portion's own TLP
  allows: TLP:RED only a share the owner granted to the agency by name; TLP:AMBER+STRICT only a
  share the owner granted; TLP:AMBER and TLP:GREEN any share but the network's; TLP:CLEAR any.
"""

from dataclasses import dataclass

from core.errors import NotVisible
from core.handling import TLP, handling_label
from sharing.models import Share
from sharing.permissions import _agency_of, level_of, visibility_group_ids

from .models import Portion, most_restrictive


@dataclass(frozen=True)
class TornPortion:
    id: int
    position: int
    marking: str  # the portion mark, e.g. "TLP:AMBER · LES"; shown for withheld portions too
    tlp: str
    les: bool
    withheld: bool
    heading: str  # empty when withheld
    text: str  # the notice when withheld
    rel_to: tuple  # the names of the foreign partners it is released to (empty: US only)


@dataclass(frozen=True)
class Tearline:
    item_id: int
    agency_id: int
    portions: list
    tlp: str  # the most restrictive of the portions held: this version's own marking
    les: bool

    @property
    def handling(self):
        return handling_label(self.tlp, self.les)

    @property
    def held_ids(self):
        return [p.id for p in self.portions if not p.withheld]

    @property
    def withheld_ids(self):
        return [p.id for p in self.portions if p.withheld]


def _share_allows(share, tlp, agency_id, owner_id):
    by_owner = share.granted_by_agency_id == owner_id
    if tlp == TLP.RED:
        return by_owner and share.target == Share.Target.AGENCY and share.target_agency_id == agency_id
    if tlp == TLP.AMBER_STRICT:
        return by_owner and share.target != Share.Target.NETWORK
    if tlp in (TLP.AMBER, TLP.GREEN):
        return share.target != Share.Target.NETWORK
    return True


def _withheld_because(portion, agency, shares, owner_id):
    """The rule that withholds the portion from the agency, or None when it may receive it."""
    if agency.id == owner_id:
        return None
    if agency.foreign_partner and agency not in portion.rel_to.all():
        if portion.les:
            return "LES, not released to foreign partners"
        if portion.criminal_intelligence:
            return "criminal intelligence, not released to foreign partners"
        return "US only"
    if not any(_share_allows(share, portion.tlp, agency.id, owner_id) for share in shares):
        return TLP(portion.tlp).label
    return None


def _torn(portion, reason):
    """The portion as a reader receives it: its text, or the notice naming `reason`."""
    rel_to = tuple(a.short_name if hasattr(a, "short_name") else a.name for a in portion.rel_to.all())
    return TornPortion(
        id=portion.id, position=portion.position, marking=handling_label(portion.tlp, portion.les),
        tlp=portion.tlp, les=portion.les, withheld=reason is not None,
        heading="" if reason else portion.heading,
        text=f"Portion withheld: {reason}" if reason else portion.text,
        rel_to=rel_to,
    )


def portions_of(item):
    return list(
        Portion.objects.filter(product__item_id=item.pk).prefetch_related("rel_to").order_by("position", "id")
    )


def tearline_for_agency(item, agency, *, portions=None, principal=None):
    """The version for `agency`, which the caller has found may see the item (the permission
    service). Three queries: the portions, their REL TO, the shares that reach the agency."""
    portions = portions_of(item) if portions is None else portions
    shares = []
    if agency.id != item.owner_id:
        shares = list(
            Share.objects.filter(
                item_id=item.pk, group_id__in=visibility_group_ids(principal or agency)
            )
        )
    torn = []
    for portion in portions:
        torn.append(_torn(portion, _withheld_because(portion, agency, shares, item.owner_id)))
    held = [p for p in torn if not p.withheld]
    return Tearline(
        item_id=item.pk, agency_id=agency.id, portions=torn,
        tlp=most_restrictive([p.tlp for p in held]), les=any(p.les for p in held),
    )


def tearline_for_reader(user, item):
    """The version for a signed-in user of an agency who was found to see the item: what the
    product's page shows and its PDF export holds."""
    return tearline_for_agency(item, user.agency, principal=user)


def tearline_for(principal, item):
    """The version for the principal's agency (a user, or an agency for a partner system or an
    export). NotVisible when the agency may not see the item at all."""
    agency = _agency_of(principal)
    if agency is None or level_of(agency, item) is None:
        raise NotVisible(type(item))
    return tearline_for_agency(item, agency, principal=principal)


def tearlines_for_agency(items, agency, *, principal=None):
    """{item id: Tearline} of the products among `items`, which the caller has found the agency
    may see (a page of a feed: the TAXII server's). Three queries for the whole page, whatever
    its size: the portions, their REL TO, the shares that reach the agency."""
    items = list(items)
    if not items:
        return {}
    portions = {}
    for portion in (
        Portion.objects.filter(product__item_id__in=[item.pk for item in items])
        .prefetch_related("rel_to").order_by("product_id", "position", "id")
    ):
        portions.setdefault(portion.product_id, []).append(portion)
    shares = {}
    for share in Share.objects.filter(
        item_id__in=[item.pk for item in items if item.owner_id != agency.id],
        group_id__in=visibility_group_ids(principal or agency),
    ):
        shares.setdefault(share.item_id, []).append(share)
    versions = {}
    for item in items:
        if item.pk not in portions:
            continue
        torn = []
        for portion in portions[item.pk]:
            reason = _withheld_because(portion, agency, shares.get(item.pk, []), item.owner_id)
            torn.append(_torn(portion, reason))
        held = [p for p in torn if not p.withheld]
        versions[item.pk] = Tearline(
            item_id=item.pk, agency_id=agency.id, portions=torn,
            tlp=most_restrictive([p.tlp for p in held]), les=any(p.les for p in held),
        )
    return versions
