"""The account life cycle (CJIS AC-2(3)): the daily check that disables the accounts of people
unused for ACCOUNT_INACTIVE_DAYS and the temporary accounts past their expiry.

Set-based: one UPDATE per reason, whatever the number of accounts; the accounts it disabled are
then read back by the time of the check they carry (`disabled_at`), so two checks racing never
claim the same account, and a second check the same day finds nothing left to do. Each disabled
account gets its security event in the access log (`account_disabled` or `account_expired`), and
each agency's admins one notification per reason and check (notifications.services). Pending
links of a disabled account are revoked, as at a deactivation: a link must not bring it back.

People only: the service accounts of API keys have their own expiry and revocation, and the
superusers who run the platform are the way back in when everything else is disabled.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import groupby

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import AccessLog
from notifications.services import accounts_disabled

from .models import Invitation, User

Reason = User.DisabledReason
LOG_BATCH = 1000


@dataclass
class LifecycleReport:
    inactive: int = 0
    expired: int = 0
    told: list = field(default_factory=list)  # (agency id, reason, count)


def people():
    """The accounts of people: not an API key's service account, not a superuser."""
    return User.objects.filter(api_key__isnull=True, is_superuser=False)


def unused_since(cutoff):
    """Never signed in since `cutoff`, nor enabled since (created, link used, re-enabled)."""
    return (Q(last_login__isnull=True) | Q(last_login__lt=cutoff)) & Q(enabled_at__lt=cutoff)


@transaction.atomic
def accounts_disable_unused(*, now=None):
    """Disable every active person's account that expired by `now`, then every one unused for
    ACCOUNT_INACTIVE_DAYS; log each, tell each agency's admins, revoke pending links. Idempotent:
    what is disabled stays disabled until an admin re-enables it (services.user_reactivate)."""
    now = now or timezone.now()
    days = settings.ACCOUNT_INACTIVE_DAYS
    active = people().filter(is_active=True)
    report = LifecycleReport()
    # Expiry first: an expired account that was also unused is disabled for its expiry, which
    # is what an admin must change before re-enabling it.
    report.expired = active.filter(expires_at__lte=now).update(
        is_active=False, disabled_reason=Reason.EXPIRED, disabled_at=now)
    report.inactive = active.filter(unused_since(now - timedelta(days=days))).update(
        is_active=False, disabled_reason=Reason.INACTIVE, disabled_at=now)
    if not report.expired and not report.inactive:
        return report
    disabled = (
        User.objects.filter(disabled_at=now, disabled_reason__in=[Reason.EXPIRED, Reason.INACTIVE])
        .order_by("agency_id", "disabled_reason", "username")
        .values("id", "username", "agency_id", "disabled_reason", "last_login", "expires_at")
    )
    Invitation.objects.filter(
        user__in=disabled.values("id"), used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    rows = []
    for (agency_id, reason), accounts in groupby(
            disabled.iterator(chunk_size=LOG_BATCH),
            key=lambda account: (account["agency_id"], account["disabled_reason"])):
        usernames = []
        for account in accounts:
            usernames.append(account["username"])
            rows.append(_event(account, now, days))
            if len(rows) >= LOG_BATCH:
                AccessLog.objects.bulk_create(rows)
                rows = []
        if agency_id is not None:
            accounts_disabled(agency_id=agency_id, reason=reason, usernames=usernames, at=now,
                              days=days if reason == Reason.INACTIVE else None)
            report.told.append((agency_id, reason, len(usernames)))
    AccessLog.objects.bulk_create(rows)
    return report


def _event(account, now, days):
    """The account's security event: the account as actor and object, as a lockout names it; the
    portal's daily check did it."""
    expired = account["disabled_reason"] == Reason.EXPIRED
    detail = {"outcome": "disabled", "by": "daily check", "reason": account["disabled_reason"]}
    if expired:
        detail["expires_at"] = account["expires_at"].isoformat()
    else:
        last = account["last_login"]
        detail.update({"inactive_days": days, "last_login": last.isoformat() if last else None})
    return AccessLog(
        at=now,
        action=AccessLog.Action.ACCOUNT_EXPIRED if expired else AccessLog.Action.ACCOUNT_DISABLED,
        actor_id=account["id"], agency_id=account["agency_id"], object_type="user",
        object_id=account["id"], detail=detail,
    )
