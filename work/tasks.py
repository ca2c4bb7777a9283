"""Requests for information and referrals reminded before they are due and escalated once
overdue: beat runs this hourly; each request is reminded once and escalated once per cycle, each
referral once, however often it runs (the rows are marked in the transaction that records the
notices, and each notice has its key)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agencies.models import CenterAdmin, User
from notifications import services as notices

from . import tip_import
from .models import Referral, RfiRequest


@shared_task(name="work.tasks.remind_and_escalate", ignore_result=True)
def remind_and_escalate_task():
    remind_and_escalate()
    remind_and_escalate_referrals()


@shared_task(name="work.tasks.tip_import_run", ignore_result=True, acks_late=True,
             task_reject_on_worker_lost=True)
def tip_import_run_task(job_id):
    """Run a bulk import of tips (work.tip_import.import_job_run: once, however often it is
    delivered)."""
    tip_import.import_job_run(job_id)


@shared_task(name="work.tasks.tip_import_deconflict", ignore_result=True, acks_late=True,
             task_reject_on_worker_lost=True, autoretry_for=(Exception,), retry_backoff=True,
             max_retries=5)
def tip_import_deconflict_task(by_id, tip_ids):
    """Deconflict the subjects of imported tips and tell their watchers (idempotent: each match
    and each watcher is told once; retried on failure, swept if lost)."""
    tip_import.deconflict_imported(by_id, tip_ids)


@shared_task(name="work.tasks.tip_import_sweep", ignore_result=True)
def tip_import_sweep_task():
    tip_import.untold_sweep()


def escalation_admins(request):
    """The active admins of both sides: the asking agency's, and the addressed agency's or the
    addressed center's (a partner system's account is none)."""
    asker = request.rfi.owner_id
    people = Q(agency_id=asker, role=User.Role.AGENCY_ADMIN)
    if request.addressed_agency_id is not None:
        people |= Q(agency_id=request.addressed_agency_id, role=User.Role.AGENCY_ADMIN)
    else:
        people |= Q(pk__in=CenterAdmin.objects.filter(center_id=request.addressed_center_id)
                    .values("user_id"))
    return list(User.objects.filter(people, is_active=True, api_key__isnull=True).order_by("pk"))


def remind_and_escalate(*, now=None):
    """Remind the pending requests due within RFI_REMIND_DAYS_BEFORE days (not yet overdue),
    and escalate the overdue ones. Returns (reminded, escalated) counts."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    soon = today + timedelta(days=settings.RFI_REMIND_DAYS_BEFORE)
    pending = RfiRequest.objects.filter(status__in=RfiRequest.PENDING_STATUSES)
    with transaction.atomic():
        reminded = list(pending.select_for_update(skip_locked=True, of=("self",)).filter(
            reminded_at__isnull=True, due_date__gte=today, due_date__lte=soon))
        for request in reminded:
            notices.rfi_reminder(request=request, cycle=request.cycle)
        RfiRequest.objects.filter(pk__in=[r.pk for r in reminded]).update(reminded_at=now)
    with transaction.atomic():
        overdue = list(pending.select_for_update(skip_locked=True, of=("self",)).filter(
            escalated_at__isnull=True, due_date__lt=today).select_related("rfi"))
        for request in overdue:
            notices.rfi_overdue(request=request, cycle=request.cycle,
                                admins=escalation_admins(request))
        RfiRequest.objects.filter(pk__in=[r.pk for r in overdue]).update(escalated_at=now)
    return len(reminded), len(overdue)


def referral_escalation_people(referral):
    """The active admins of both sides of a referral (the referring and the addressed agency's)
    and of the center it was referred for, if any (a partner system's account is none)."""
    people = Q(agency_id__in=[referral.from_agency_id, referral.to_agency_id],
               role=User.Role.AGENCY_ADMIN)
    if referral.referring_center_id is not None:
        people |= Q(pk__in=CenterAdmin.objects.filter(center_id=referral.referring_center_id)
                    .values("user_id"))
    return list(User.objects.filter(people, is_active=True, api_key__isnull=True).order_by("pk"))


def remind_and_escalate_referrals(*, now=None):
    """Remind the addressed agency of the pending referrals due within RFI_REMIND_DAYS_BEFORE
    days (not yet overdue), and escalate the overdue ones. Returns (reminded, escalated)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    soon = today + timedelta(days=settings.RFI_REMIND_DAYS_BEFORE)
    pending = Referral.objects.filter(status__in=Referral.PENDING_STATUSES)
    with transaction.atomic():
        reminded = list(pending.select_for_update(skip_locked=True, of=("self",)).filter(
            reminded_at__isnull=True, due_date__gte=today, due_date__lte=soon))
        for referral in reminded:
            notices.referral_reminder(referral=referral)
        Referral.objects.filter(pk__in=[r.pk for r in reminded]).update(reminded_at=now)
    with transaction.atomic():
        overdue = list(pending.select_for_update(skip_locked=True, of=("self",)).filter(
            escalated_at__isnull=True, due_date__lt=today))
        for referral in overdue:
            notices.referral_overdue(referral=referral,
                                     people=referral_escalation_people(referral))
        Referral.objects.filter(pk__in=[r.pk for r in overdue]).update(escalated_at=now)
    return len(reminded), len(overdue)
