"""Recording what stopped being visible to an agency, for the partner systems' sync.

When a case or an intelligence item stops being visible to an agency (a share withdrawn, the
object deleted, or a membership suspended so that the center's shares stop reaching it), the
agency gets a Tombstone for it, for each of its annotations, and for each linked entity that no
other visible case or item still shows it. /api/v1/changes/ serves them.

Called from the services that cause the loss (sharing.services.unshare, the membership services
of agencies) inside their transaction, and for deletions from a pre_delete receiver, so that a
deletion by any path (the admin site, a cascade) leaves its tombstones.
"""

from django.db.models import Q
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone

from agencies.models import Agency
from cases.models import Annotation, Case, CaseEntity, IntelligenceItem, ItemEntity

from .models import Tombstone
from .permissions import (
    agency_ids_reached_by,
    entities_visible_to,
    forget_visibility,
    objects_through_group,
    viewer_group_ids,
    visible_queryset,
    who_sees,
)

TYPE_OF = {Case: Tombstone.Type.CASE, IntelligenceItem: Tombstone.Type.ITEM}
ANNOTATION_FIELD = {Case: "case_id", IntelligenceItem: "item_id"}
ENTITY_LINKS = {Case: (CaseEntity, "case_id"), IntelligenceItem: (ItemEntity, "item_id")}


def _lost_entity_ids(agency, entity_ids, *, excluding=None):
    """Of these entities, those that no case or item visible to the agency links any more
    (`excluding`: (model, ids) of objects about to disappear, still in the database)."""
    if not entity_ids:
        return set()
    still = entities_visible_to(agency).filter(id__in=entity_ids)
    if excluding is not None:
        model, ids = excluding
        link_model, field = ENTITY_LINKS[model]
        other = Case if model is IntelligenceItem else IntelligenceItem
        other_links, other_field = ENTITY_LINKS[other]
        still = still.filter(
            Q(
                id__in=link_model.objects.filter(
                    **{
                        f"{field}__in": visible_queryset(model, agency)
                        .exclude(id__in=ids)
                        .values("id")
                    }
                ).values("entity_id")
            )
            | Q(
                id__in=other_links.objects.filter(
                    **{f"{other_field}__in": visible_queryset(other, agency).values("id")}
                ).values("entity_id")
            )
        )
    return set(entity_ids) - set(still.values_list("id", flat=True))


def _record(*, agency_ids, model, object_ids, reason, deleting=False):
    """Tombstones for these objects, their annotations and the entities the agencies lose.

    `deleting`: the objects are about to be deleted (still in the database); their annotations
    then get their tombstones from their own pre_delete receiver, as the cascade deletes them.
    """
    if not agency_ids or not object_ids:
        return 0
    now = timezone.now()
    annotation_ids = (
        []
        if deleting
        else list(
            Annotation.objects.filter(**{f"{ANNOTATION_FIELD[model]}__in": object_ids}).values_list(
                "id", flat=True
            )
        )
    )
    link_model, field = ENTITY_LINKS[model]
    entity_ids = set(
        link_model.objects.filter(**{f"{field}__in": object_ids}).values_list(
            "entity_id", flat=True
        )
    )
    rows = []
    for agency in Agency.objects.filter(id__in=agency_ids):
        rows += [
            Tombstone(
                agency=agency,
                object_type=TYPE_OF[model],
                object_id=pk,
                removed_at=now,
                reason=reason,
            )
            for pk in object_ids
        ]
        rows += [
            Tombstone(
                agency=agency,
                object_type=Tombstone.Type.ANNOTATION,
                object_id=pk,
                removed_at=now,
                reason=reason,
            )
            for pk in annotation_ids
        ]
        lost = _lost_entity_ids(
            agency, entity_ids, excluding=(model, object_ids) if deleting else None
        )
        rows += [
            Tombstone(
                agency=agency,
                object_type=Tombstone.Type.ENTITY,
                object_id=pk,
                removed_at=now,
                reason=reason,
            )
            for pk in sorted(lost)
        ]
    Tombstone.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def tombstones_after_unshare(*, obj, group_id):
    """Call after a share's permission rows were removed: every agency that the share reached
    and that no longer sees obj (through ownership or another share) gets its tombstones."""
    model = type(obj)
    candidates = agency_ids_reached_by([group_id])
    still = who_sees(obj)
    return _record(
        agency_ids=candidates - still,
        model=model,
        object_ids=[obj.pk],
        reason=Tombstone.Reason.UNSHARED,
    )


def tombstones_before_purge(item):
    """Call before a purge removes the record's permission rows, annotations and subject links
    (cases.services.item_purge): every agency that sees it gets a `purged` tombstone for it and
    for each subject it loses with it; the annotations get theirs from their own receiver as
    they are deleted."""
    return _record(
        agency_ids=who_sees(item), model=IntelligenceItem, object_ids=[item.pk],
        reason=Tombstone.Reason.PURGED, deleting=True,
    )


def tombstones_after_lost_membership(
    *, agency, center, reason=Tombstone.Reason.MEMBERSHIP_SUSPENDED
):
    """Call after the agency's membership of `center` stopped being active (suspended or
    removed): what reached it only through the center's shares gets its tombstones."""
    forget_visibility(agency)
    written = 0
    for model in (Case, IntelligenceItem):
        through_center = (
            objects_through_group(model, center.group_id)
        )
        lost = list(
            model.objects.filter(id__in=through_center)
            .exclude(id__in=visible_queryset(model, agency).values("id"))
            .values_list("id", flat=True)
        )
        written += _record(agency_ids={agency.id}, model=model, object_ids=lost, reason=reason)
    forget_visibility(agency)
    return written


@receiver(pre_delete, sender=Case, dispatch_uid="tombstones_case_deleted")
@receiver(pre_delete, sender=IntelligenceItem, dispatch_uid="tombstones_item_deleted")
def tombstones_on_delete(sender, instance, **kwargs):
    """Every agency that saw the object gets its tombstones, whatever path deletes it.

    A receiver rather than a service call: deletions also come from the admin site and from
    cascades, and a partner copy must be purged in every case."""
    viewers = who_sees(instance)
    _record(
        agency_ids=viewers,
        model=sender,
        object_ids=[instance.pk],
        reason=Tombstone.Reason.DELETED,
        deleting=True,
    )


@receiver(pre_delete, sender=Annotation, dispatch_uid="tombstones_annotation_deleted")
def tombstones_on_annotation_delete(sender, instance, **kwargs):
    model, pk = (
        (Case, instance.case_id) if instance.case_id else (IntelligenceItem, instance.item_id)
    )
    # Also runs when a case or item deletion cascades to it: all rows are still there then.
    viewers = agency_ids_reached_by(viewer_group_ids(model, [pk]))
    owner_id = model.objects.filter(pk=pk).values_list("owner_id", flat=True).first()
    if owner_id is not None:
        viewers.add(owner_id)
    now = timezone.now()
    Tombstone.objects.bulk_create(
        Tombstone(
            agency_id=agency_id,
            object_type=Tombstone.Type.ANNOTATION,
            object_id=instance.pk,
            removed_at=now,
            reason=Tombstone.Reason.DELETED,
        )
        for agency_id in viewers
    )


def visibility_regained(*, agency, center):
    """Call after the agency's membership of `center` became active (admitted or reinstated).

    What the center's shares bring back did not change, so its updated_at would not bring it to
    a partner that syncs with a cursor. Touching updated_at, as a new share does, makes every
    such case and item the next change the partner pulls."""
    forget_visibility(agency)
    now = timezone.now()
    touched = 0
    for model in (Case, IntelligenceItem):
        through_center = objects_through_group(model, center.group_id)
        touched += model.objects.filter(id__in=through_center).update(updated_at=now)
    return touched
