"""Sharing and withdrawing shares: the only code that writes Share and permission rows."""

from django.db import transaction
from django.utils import timezone

from audit.services import log_access
from cases.models import TimelineEvent
from core.errors import InsufficientLevel, NotVisible
from core.handling import Level

from .models import Share
from .permissions import (
    SHARE_FIELD,
    ShareRefused,
    check_share,
    grant_rows,
    level_of,
    network_group,
    revoke_rows,
)
from .tombstones import tombstones_after_unshare


def _recipient_group(target, target_agency, target_center):
    if target == Share.Target.AGENCY:
        return target_agency.group
    if target == Share.Target.CENTER:
        return target_center.group
    return network_group()


def _lock(obj):
    """Re-read the object under a row lock so concurrent shares of it serialise."""
    return type(obj).objects.select_for_update().get(pk=obj.pk)


@transaction.atomic
def share(*, obj, by, level, target=Share.Target.AGENCY, agency=None, center=None):
    """Grant `level` on a case or item to an agency, every member of a center, or the network.

    Guarantees: refused with ShareRefused (its code names the rule) when the handling marking
    or the sharer's own level forbids it; NotVisible when the sharer cannot see the object.
    Sharing again with the same recipient changes the level. Writes the access-log row and a
    timeline entry in the same transaction. The returned Share carries `level_before` (None for
    a new share). Tells nobody: cases.services.share_grant is the share that also tells the
    recipient (notifications sit above the permission rooms, so this module cannot call them).
    """
    obj = _lock(obj)
    held = check_share(
        principal=by, obj=obj, target=target, target_agency=agency, target_center=center,
        level=level,
    )
    group = _recipient_group(target, agency, center)
    field = SHARE_FIELD[type(obj)]
    now = timezone.now()
    existing = Share.objects.filter(**{field: obj}, group=group).first()
    # Re-granting would make the sharer the granter, free to withdraw what another agency gave.
    if existing and held != Level.OWNER and existing.granted_by_agency_id != by.agency_id:
        raise ShareRefused(
            f"{existing.recipient_label} already holds a share granted by "
            f"{existing.granted_by_agency.name}; only the owner agency or that agency may "
            "change it.",
            code="granted_by_another_agency",
        )
    before = existing.level if existing else None
    if existing:
        existing.level = level
        existing.granted_by = by
        existing.granted_by_agency = by.agency
        existing.updated_at = now
        existing.save()
        record = existing
    else:
        record = Share.objects.create(
            **{field: obj},
            target=target,
            target_agency=agency if target == Share.Target.AGENCY else None,
            target_center=center if target == Share.Target.CENTER else None,
            group=group,
            level=level,
            granted_by=by,
            granted_by_agency=by.agency,
            created_at=now,
            updated_at=now,
        )
    grant_rows(obj, group.id, level)
    type(obj).objects.filter(pk=obj.pk).update(updated_at=now)
    summary = f"{by.agency.name} shared it with {record.recipient_label} ({Level(level).label.lower()})"
    if field == "case":
        TimelineEvent.objects.create(
            case=obj, kind=TimelineEvent.Kind.SHARED, summary=summary, actor=by, agency=by.agency
        )
    log_access(
        action="share",
        actor=by,
        obj=obj,
        detail={
            "share_id": record.id,
            "target": target,
            "recipient": record.recipient_label,
            "level_before": before,
            "level_after": int(level),
        },
    )
    record.level_before = before
    return record


@transaction.atomic
def unshare(*, share_record, by):
    """Withdraw a share. The owner may withdraw any share of its object; an agency holding
    manage may withdraw the shares it granted itself. The recipients lose access at commit."""
    obj = _lock(share_record.case or share_record.item)
    held = level_of(by, obj)
    if held is None:
        raise NotVisible(type(obj))
    if held != Level.OWNER and not (
        held >= Level.MANAGE and share_record.granted_by_agency_id == by.agency_id
    ):
        raise InsufficientLevel(
            "Only the owner agency, or the agency that granted this share, may withdraw it."
        )
    revoke_rows(obj, share_record.group_id)
    # Partner systems purge their copies from the tombstones (sharing.tombstones).
    tombstones_after_unshare(obj=obj, group_id=share_record.group_id)
    label = share_record.recipient_label
    detail = {"share_id": share_record.id, "recipient": label, "level_before": share_record.level}
    share_record.delete()
    type(obj).objects.filter(pk=obj.pk).update(updated_at=timezone.now())
    if share_record.case_id:
        TimelineEvent.objects.create(
            case=obj, kind=TimelineEvent.Kind.UNSHARED,
            summary=f"{by.agency.name} withdrew the share with {label}", actor=by, agency=by.agency,
        )
    log_access(action="unshare", actor=by, obj=obj, detail=detail)
