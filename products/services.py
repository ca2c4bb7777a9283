"""Writing and publishing finished products.

A product is an intelligence item (cases.services.item_create) with its portions; publishing
shares the item with each recipient agency through cases.services.share_grant (the handling
rules, the foreign-partner rule, the access log and the recipient told, after commit) and
records the version each agency was given (products.tearline) at that moment.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from agencies.models import Agency, Membership
from audit.models import AccessLog
from cases.models import IntelligenceItem
from cases.services import item_create, share_grant
from core.handling import TLP, Level

from .models import Portion, Product, Release, most_restrictive
from .tearline import portions_of, tearline_for_agency

# Every product is an item of kind "bulletin or product": a "report" item is a record about
# people under 28 CFR Part 23, and a finished product's criminal intelligence is marked per
# portion instead.
ITEM_KIND = IntelligenceItem.Kind.BULLETIN


@transaction.atomic
def product_create(*, by, type, title, portions, case=None):
    """Create a product owned by the author's agency. `portions` is a list of dicts: text,
    heading, tlp, les, criminal_intelligence, rel_to (foreign partner agencies). The item's
    marking is the most restrictive of the portions; its body stays empty (products.models)."""
    if type not in Product.Type.values:
        raise ValidationError({"type": "Choose a bulletin, an assessment, a target package or a report."})
    if not portions:
        raise ValidationError({"portions": "A product has at least one portion."})
    for n, portion in enumerate(portions, 1):
        if not (portion.get("text") or "").strip():
            raise ValidationError({"portions": f"Portion {n} has no text."})
        if portion.get("tlp", TLP.AMBER) not in TLP.values:
            raise ValidationError({"portions": f"Portion {n}: unknown TLP."})
        for agency in portion.get("rel_to") or ():
            if not agency.foreign_partner:
                raise ValidationError({"portions": (
                    f"Portion {n}: REL TO names foreign partners only; {agency.name} is not one "
                    "(a US agency receives every portion its share allows).")})
    item = item_create(
        by=by, kind=ITEM_KIND, title=title, body="", case=case,
        tlp=most_restrictive([p.get("tlp", TLP.AMBER) for p in portions]),
        les=any(p.get("les") for p in portions),
    )
    product = Product.objects.create(item=item, type=type)
    for n, values in enumerate(portions, 1):
        portion = Portion.objects.create(
            product=product, position=n, heading=(values.get("heading") or "").strip(),
            text=values["text"].strip(), tlp=values.get("tlp", TLP.AMBER),
            les=bool(values.get("les")), criminal_intelligence=bool(values.get("criminal_intelligence")),
        )
        portion.rel_to.set(values.get("rel_to") or ())
    return product


def list_agencies(distribution_list):
    """The agencies a list reaches: its named agencies, and every active member of its center
    when it says so."""
    agencies = set(distribution_list.agencies.all())
    if distribution_list.all_members:
        agencies |= set(Agency.objects.filter(
            memberships__center_id=distribution_list.center_id,
            memberships__status=Membership.Status.ACTIVE,
        ))
    return sorted(agencies, key=lambda a: a.name)


def publish(*, product, by, agencies=(), distribution_list=None):
    """Publish to each agency (and each of the list's): share view with it and record the version
    it got. Each recipient is its own transaction: one refused by a rule (its code and message in
    the returned `refused`) does not stop the others. Returns (releases, refused)."""
    recipients = set(agencies)
    if distribution_list is not None:
        recipients |= set(list_agencies(distribution_list))
    recipients.discard(product.item.owner)
    releases, refused = [], []
    portions = portions_of(product.item)
    for agency in sorted(recipients, key=lambda a: a.name):
        try:
            with transaction.atomic():
                share_grant(obj=product.item, by=by, level=Level.VIEW, agency=agency)
                version = tearline_for_agency(product.item, agency, portions=portions)
                releases.append(Release.objects.create(
                    product=product, agency=agency, published_by=by, published_at=timezone.now(),
                    distribution_list=distribution_list, held=version.held_ids,
                    withheld=[{"portion": p.id, "notice": p.text} for p in version.portions if p.withheld],
                ))
        except ValidationError as refusal:
            refused.append((agency, " ".join(refusal.messages)))
    return releases, refused


def read_receipts(product):
    """Per agency the product was published to: the version recorded, and when someone of it
    first opened the product (the access log's reads of the item, page or API). Two queries."""
    from_log = {}
    for row in AccessLog.objects.filter(
        object_type="intelligenceitem", object_id=product.item_id, action=AccessLog.Action.READ,
    ).values("agency_id").annotate(first=Min("at")):
        from_log[row["agency_id"]] = row["first"]
    latest = {}
    releases = Release.objects.filter(product=product).select_related("agency")
    for release in releases.order_by("published_at", "id"):
        latest[release.agency_id] = release
    return [(release, from_log.get(agency_id)) for agency_id, release in
            sorted(latest.items(), key=lambda kv: kv[1].agency.name)]
