"""Taking an outbox row, e-mail or webhook delivery for delivery, exactly once.

Healthchecks' Flip rows: one conditional UPDATE decides which of two racing tasks does the work,
and a claim older than its lease belongs to a task that died, so another may take it.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q

from .models import Delivery


def sweep_after():
    """Seconds after which an undelivered event (or an expired claim) is swept again."""
    return getattr(settings, "NOTIFICATION_SWEEP_AFTER", 60)


def claim_lease():
    """Seconds a claim holds: a task still running after this is presumed dead."""
    return getattr(settings, "NOTIFICATION_CLAIM_LEASE", 60)


def claim(model, pk, *, now, extra=None):
    """Take a row for delivery with one conditional UPDATE: pending, or claimed by a task whose
    lease ran out (a worker that died). Returns True for exactly one of two racing tasks."""
    return claim_many(model, [pk], now=now, extra=extra) == 1


def claim_many(model, pks, *, now, extra=None, or_among=None):
    """Take whichever of the rows `pks` (or of the subquery of ids `or_among`) are free, as
    `claim` does, with one UPDATE. Returns how many; the rows taken are those whose `claimed_at`
    is now `now`. Two tasks racing for a row: the second's UPDATE finds it taken, and skips it."""
    stale = now - timedelta(seconds=claim_lease())
    free = Q(status=Delivery.PENDING) | Q(status=Delivery.DELIVERING, claimed_at__lt=stale)
    chosen = Q(pk__in=list(pks))
    if or_among is not None:
        chosen |= Q(pk__in=or_among)
    rows = model.objects.filter(free, chosen, **(extra or {}))
    changes = {"status": Delivery.DELIVERING, "claimed_at": now}
    if hasattr(model, "attempts"):
        changes["attempts"] = F("attempts") + 1
    return rows.update(**changes)
