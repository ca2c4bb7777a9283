"""Notifications: what is told, to whom, and how it reaches them.

Writing (called inside the transaction of the change that causes it):
- `case_states_changed`: a case was opened, or a place in a state new to it was added. When
  the case spans state lines, each state not alerted before gets one CaseAlert row and, unless
  its primary center leads the case, one outbox event for that center; when the owner chose
  so, that center is also given view access (never for TLP:RED).
- `share_granted`: a case or item was shared with an agency or a center.
- `annotation_added`: a case was annotated; its followers are told.
- `accounts_disabled`: the daily check disabled accounts of an agency; its admins are told.
- `item_corrected`, `item_purged`: 28 CFR 23.20(h), to every agency a criminal intelligence
  record reached; `overdue_purged`: its control official hears what the automatic purge did.
- `task_assigned`: a task on a case was assigned to a person; that person is told.

Each writes an OutboxEvent row in the caller's transaction and enqueues its delivery with
transaction.on_commit. `event_deliver` (run by the Celery task) claims the row with a
conditional UPDATE, composes the message for its audience, and writes the in-app
notification, the e-mails and the webhook deliveries, each unique per event and recipient:
a task run twice, or a worker killed half-way and the event swept again, delivers once.

Delivery: notifications.delivery, run by notifications.tasks. Reading: notifications.selectors.
"""

import logging

from django.db import IntegrityError, transaction

from agencies.models import FusionCenter
from cases.models import Case, IntelligenceItem
from core.handling import TLP, Level
from sharing.models import Share
from sharing.permissions import ShareRefused, level_of, require_level
from sharing.services import share

from . import tasks
from .models import CaseAlert, Follow, NotificationRead, OutboxEvent
from .selectors import inbox_queryset

logger = logging.getLogger(__name__)

Kind = OutboxEvent.Kind


# Writing events ---------------------------------------------------------------------------------


def _record_event(**fields):
    """Write one outbox row in the current transaction (nothing if its key exists) and enqueue
    its delivery on commit. Returns the row, or None when the key was already used."""
    try:
        with transaction.atomic():
            event = OutboxEvent.objects.create(**fields)
    except IntegrityError:
        return None
    transaction.on_commit(lambda: tasks.enqueue_event(event.pk))
    return event


def _auto_share(case, center, by):
    """The owner chose to give involved centers view access: a center-wide view share, within
    the handling rules (never for TLP:RED), unless the center already holds a share."""
    if case.tlp == TLP.RED:
        return None
    if Share.objects.filter(case=case, group_id=center.group_id).exists():
        return None
    # The share is the owner's decision: made by the actor if it may share, else in the name of
    # the owner agency's user who opened the case.
    sharer = by
    held = level_of(by, case)
    if held is None or held < Level.MANAGE:
        sharer = case.created_by
        if sharer is None or sharer.agency_id != case.owner_id:
            return None
    try:
        return share(
            obj=case, by=sharer, level=Level.VIEW, target=Share.Target.CENTER, center=center,
        )
    except ShareRefused as refusal:
        logger.info("No automatic share of case %s with %s: %s", case.pk, center, refusal)
        return None


def case_opened(*, case, by):
    """A case was opened: its author follows it, and it may already span state lines."""
    Follow.objects.get_or_create(user=by, case=case)
    return case_states_changed(case=case, by=by)


def case_states_changed(*, case, by):
    """A case was opened or a state was added to it. If it spans state lines, alert the primary
    center of every state not alerted before (other than the lead center). Returns the events.

    Call inside the transaction of the change. Idempotent: one CaseAlert per (case, state) ever,
    so removing a state and adding it again alerts nobody twice.
    """
    states = sorted(set(case.jurisdictions.values_list("state", flat=True)))
    if len(states) < 2:
        return []
    known = set(CaseAlert.objects.filter(case=case).values_list("state", flat=True))
    new_states = [state for state in states if state not in known]
    if not new_states:
        return []
    primaries = {
        center.state: center
        for center in FusionCenter.objects.filter(
            kind=FusionCenter.Kind.PRIMARY, state__in=new_states
        )
    }
    events = []
    for state in new_states:
        center = primaries.get(state)
        if center is not None and center.pk == case.lead_center_id:
            center = None
        try:
            with transaction.atomic():
                CaseAlert.objects.create(case=case, state=state, center=center)
        except IntegrityError:  # a concurrent change alerted this state first
            continue
        if center is None:
            continue
        if case.share_with_involved_centers:
            _auto_share(case, center, by)
        event = _record_event(
            kind=Kind.STATE_LINES, key=f"case-alert:{case.pk}:{state}", case=case, center=center,
            actor=by, detail={"state": state, "states": states},
        )
        if event is not None:
            events.append(event)
    return events


def share_granted(*, share_record, by, level_before):
    """Tell the agency or center a case or item was shared with (or its level raised).
    Network-wide shares tell nobody: everyone would be told."""
    if share_record.target == Share.Target.NETWORK:
        return None
    if level_before is not None and share_record.level <= level_before:
        return None
    return _record_event(
        kind=Kind.SHARED,
        key=f"share:{share_record.pk}:{share_record.level}",
        case_id=share_record.case_id,
        item_id=share_record.item_id,
        center_id=share_record.target_center_id,
        agency_id=share_record.target_agency_id,
        actor=by,
        detail={"level": share_record.level, "by_agency": by.agency.name},
    )


def review_due(*, agency, official, counts, day):
    """28 CFR 23.20(h): tell a control official how many of the records they answer for are
    overdue, due today and due within 30 days (counts and a link: no title). Once per official
    and day, however often the daily task runs."""
    return _record_event(
        kind=Kind.REVIEW_DUE, key=f"review-due:{official.pk}:{day.isoformat()}",
        agency_id=agency.pk,
        detail={"official_id": official.pk, "day": day.isoformat(), **counts},
    )


def item_corrected(*, item, agency_id, fields, version, by):
    """28 CFR 23.20(h): a criminal intelligence record that reached the agency was corrected;
    tell it (in-app, its admins by e-mail, its partner systems by webhook `item.corrected`),
    naming the fields that changed. Once per agency and version of the record."""
    return _record_event(
        kind=Kind.CORRECTED, key=f"correction:{item.pk}:{version}:{agency_id}", item_id=item.pk,
        agency_id=agency_id, actor=by,
        detail={"fields": list(fields), "version": version, "by_agency": item.owner.name},
    )


def item_purged(*, item, agency_id, by=None):
    """28 CFR 23.20(h): a criminal intelligence record that reached the agency was purged; tell
    it to destroy its copies (in-app, e-mail, webhook `item.purged`), without its content (there
    is none left). Once per agency and record."""
    return _record_event(
        kind=Kind.PURGED, key=f"purge:{item.pk}:{agency_id}", item_id=item.pk,
        agency_id=agency_id, actor=by,
        detail={"by_agency": item.owner.name, "purged_at": item.purged_at.isoformat()},
    )


# How many record numbers the automatic purge's notice names; the count says the rest.
RECORDS_NAMED_MAX = 50


def overdue_purged(*, agency_id, official_id, item_ids, day):
    """The daily task purged these overdue records of the agency, which turned the automatic
    purge on: their control official is told how many, and which (numbers only), once a day."""
    return _record_event(
        kind=Kind.AUTO_PURGED, key=f"auto-purge:{official_id}:{day.isoformat()}",
        agency_id=agency_id,
        detail={"official_id": official_id, "day": day.isoformat(), "count": len(item_ids),
                "item_ids": sorted(item_ids)[:RECORDS_NAMED_MAX]},
    )


def linker_is_told(match):
    """Whether the agency that linked the subject hears of the match: not of a possible match
    (the holder alone judges a close name), of a TLP:RED record, of information pending review
    or rejected, nor (outside law enforcement) of criminal intelligence."""
    if match.kind != "match":
        return False
    held = match.held_object
    status = getattr(held, "intelligence_status", "")
    return not (
        held.tlp == TLP.RED
        or status in ("pending", "rejected")
        or (status == "intelligence" and not match.new_agency.law_enforcement)
    )


def access_requested(*, request, by):
    """Tell the owner agency that another agency asks for access to one of its records."""
    return _record_event(
        kind=Kind.ACCESS_REQUESTED, key=f"access-request:{request.pk}",
        agency_id=request.owner_id, case_id=request.case_id, item_id=request.item_id, actor=by,
        detail={"request_id": request.pk},
    )


def access_answered(*, request, by):
    """Tell the agency that asked what the owner answered."""
    return _record_event(
        kind=Kind.ACCESS_ANSWERED, key=f"access-answer:{request.pk}",
        agency_id=request.requester_id, case_id=request.case_id, item_id=request.item_id,
        actor=by, detail={"request_id": request.pk},
    )


def subject_watched(*, watch, target, by, sees):
    """Tell a watcher that a record now links the subject it watches: which one if its agency
    sees it (`sees`), else only which agency linked it and whom to contact."""
    is_case = target._meta.model_name == "case"
    return _record_event(
        kind=Kind.WATCHED, key=f"watched:{watch.pk}:{'c' if is_case else 'i'}{target.pk}",
        case_id=target.pk if sees and is_case else None,
        item_id=target.pk if sees and not is_case else None, actor=by,
        detail={"user_id": watch.user_id, "label": watch.label, "kind": watch.kind,
                "sees": sees, "by_agency_id": by.agency_id},
    )


def subjects_matched(*, matches, by):
    """Blind deconfliction (cases.services.deconflict): tell the agency whose record already
    held the subject who linked it to what, and the agency that just linked it that another
    agency holds a record and whom to contact; nothing more (notifications.delivery). The
    linker is not told of a possible match, a TLP:RED record, information pending review or
    rejected, nor (if it is not law enforcement) of criminal intelligence: the holder decides
    whether to reach out. One event per match and side, all written in one INSERT (the matches
    are new, so are their keys) and enqueued on commit."""
    # The held records' markings and statuses, for every match at once (linker_is_told).
    held = {
        model: model.objects.only("pk", "tlp", *(["intelligence_status"] if model is IntelligenceItem
                                               else [])).in_bulk(ids)
        for model, ids in ((Case, {m.held_case_id for m in matches if m.held_case_id}),
                           (IntelligenceItem, {m.held_item_id for m in matches if m.held_item_id}))
        if ids
    }
    events = []
    for match in matches:
        if match.held_case_id:
            match.held_case = held[Case][match.held_case_id]
        else:
            match.held_item = held[IntelligenceItem][match.held_item_id]
        events.append(OutboxEvent(
            kind=Kind.DECONFLICTION, key=f"deconfliction:{match.pk}:held",
            agency_id=match.held_agency_id, case_id=match.held_case_id,
            item_id=match.held_item_id, actor=by, detail={"match_id": match.pk, "side": "held"},
        ))
        if linker_is_told(match):
            events.append(OutboxEvent(
                kind=Kind.DECONFLICTION, key=f"deconfliction:{match.pk}:new",
                agency_id=match.new_agency_id, case_id=match.new_case_id,
                item_id=match.new_item_id, actor=by, detail={"match_id": match.pk, "side": "new"},
            ))
    if not events:
        return []
    events = OutboxEvent.objects.bulk_create(events)
    ids = [event.pk for event in events]
    transaction.on_commit(lambda: [tasks.enqueue_event(pk) for pk in ids])
    return events


def task_assigned(*, task, by):
    """Tell the person a task on a case was assigned to: in their inbox and by e-mail, no partner
    system (it is one person's work). Once per task and assignment (its version). What the notice
    says is decided at delivery, and again when it is read: the case's title and the task's only
    while the assignee's agency sees the case (notifications.delivery)."""
    if task.assignee_id is None or task.assignee_id == by.pk:
        return None
    return _record_event(
        kind=Kind.TASK_ASSIGNED, key=f"task-assigned:{task.pk}:{task.version}",
        case_id=task.case_id, actor=by,
        detail={"task_id": task.pk, "user_id": task.assignee_id, "by_agency": by.agency.name},
    )


def _rfi_event(kind, key, request, *, by=None, agency_id=None, center_id=None, user_id=None):
    detail = {"request_id": request.pk, "due": request.due_date.isoformat(),
              "by_agency": by.agency.name if by is not None and by.agency_id else ""}
    if user_id is not None:
        detail["user_id"] = user_id
    return _record_event(kind=kind, key=key, item_id=request.rfi_id, actor=by,
                         agency_id=agency_id, center_id=center_id, detail=detail)


def rfi_addressed(*, request, by):
    """Tell the addressed agency (or every member agency of the addressed center) of a request
    for information: in the inbox, by e-mail and to its partner systems, with the RFI's title
    only where the audience sees it at delivery (notifications.delivery). Once per request."""
    return _rfi_event(Kind.RFI_ADDRESSED, f"rfi-addressed:{request.pk}", request, by=by,
                      agency_id=request.addressed_agency_id,
                      center_id=request.addressed_center_id)


def rfi_reminder(*, request, cycle):
    """The day before a request is due: the person who took it, else the addressed agency or
    center. Once per request and cycle (a reopened request is reminded anew)."""
    key = f"rfi-reminder:{request.pk}:{cycle}"
    if request.taken_by_id is not None:
        return _rfi_event(Kind.RFI_REMINDER, key, request, user_id=request.taken_by_id)
    return _rfi_event(Kind.RFI_REMINDER, key, request, agency_id=request.addressed_agency_id,
                      center_id=request.addressed_center_id)


def rfi_overdue(*, request, cycle, admins):
    """A request overdue: each admin of both sides (the asking agency's, and the addressed
    agency's or center's), one person each, in the inbox and by e-mail. Once per request,
    cycle and admin."""
    return [_rfi_event(Kind.RFI_OVERDUE, f"rfi-overdue:{request.pk}:{cycle}:{admin.pk}",
                       request, user_id=admin.pk)
            for admin in admins]


def rfi_answered(*, request, by):
    """Tell the asking agency its request was answered (the response itself is shared with it
    through cases.services.share_grant). Once per request and answer."""
    return _rfi_event(Kind.RFI_ANSWERED, f"rfi-answered:{request.pk}:{request.version}",
                      request, by=by, agency_id=request.rfi.owner_id)


def _referral_event(kind, key, referral, *, by=None, agency_id=None, user_id=None):
    detail = {"referral_id": referral.pk, "due": referral.due_date.isoformat(),
              "by_agency": by.agency.name if by is not None and by.agency_id else ""}
    if user_id is not None:
        detail["user_id"] = user_id
    return _record_event(kind=kind, key=key, case_id=referral.case_id, item_id=referral.item_id,
                         actor=by, agency_id=agency_id, detail=detail)


REFERRAL_CHANGES = {"referred": Kind.REFERRED, "acknowledged": Kind.REFERRAL_ACKED,
                    "closed": Kind.REFERRAL_CLOSED, "withdrawn": Kind.REFERRAL_WITHDRAWN}


def referral_changed(*, referral, by, change):
    """Tell both sides of a referral that it was made, acknowledged, closed or withdrawn: the
    addressed agency (its inbox, its admins by e-mail, its partner systems) and the person who
    referred it (inbox and e-mail), unless that person made the change. The referred object's
    title only where the audience sees it at delivery (notifications.delivery). Once per
    referral and change."""
    kind = REFERRAL_CHANGES[change]
    events = [_referral_event(kind, f"referral-{change}:{referral.pk}", referral, by=by,
                              agency_id=referral.to_agency_id)]
    if change != "referred" and referral.referred_by_id != by.pk:
        events.append(_referral_event(kind, f"referral-{change}:{referral.pk}:referrer",
                                      referral, by=by, user_id=referral.referred_by_id))
    return events


def referral_reminder(*, referral):
    """The day before a referral is due: the addressed agency; once per referral."""
    return _referral_event(Kind.REFERRAL_REMINDER, f"referral-reminder:{referral.pk}", referral,
                           agency_id=referral.to_agency_id)


def referral_overdue(*, referral, people):
    """A referral overdue: each person named (the admins of both sides and of the referring
    center), in the inbox and by e-mail. Once per referral and person."""
    return [_referral_event(Kind.REFERRAL_OVERDUE, f"referral-overdue:{referral.pk}:{person.pk}",
                            referral, user_id=person.pk)
            for person in people]


def annotation_added(*, annotation, by):
    """Tell the followers of a case that it was annotated. The author follows it from now on."""
    if annotation.case_id is None:
        return None
    Follow.objects.get_or_create(user=by, case_id=annotation.case_id)
    if not Follow.objects.filter(case_id=annotation.case_id).exclude(user=by).exists():
        return None
    return _record_event(
        kind=Kind.ANNOTATED, key=f"annotation:{annotation.pk}", case_id=annotation.case_id,
        actor=by, detail={"annotation_id": annotation.pk, "by_agency": by.agency.name},
    )


# How many usernames a message about disabled accounts names; the count says the rest.
ACCOUNTS_NAMED_MAX = 50


def accounts_disabled(*, agency_id, reason, usernames, at, days=None):
    """Tell the agency's admins (in-app and by e-mail) that the daily check disabled these of its
    accounts, unused for `days` (reason "inactive") or past their expiry ("expired"). One event
    per agency, reason and check: a check run again the same day disables nobody twice, so tells
    nobody twice. Call inside the transaction that disabled them."""
    return _record_event(
        kind=Kind.ACCOUNTS_DISABLED, key=f"accounts-{reason}:{agency_id}:{at.isoformat()}",
        agency_id=agency_id,
        detail={"reason": reason, "count": len(usernames), "days": days,
                "usernames": sorted(usernames)[:ACCOUNTS_NAMED_MAX]},
    )


@transaction.atomic
def follow_set(*, user, case, following):
    """Follow a case (the user's agency must see it) or stop following it."""
    require_level(user, case, Level.VIEW)
    if following:
        Follow.objects.get_or_create(user=user, case=case)
    else:
        Follow.objects.filter(user=user, case=case).delete()
    return following


@transaction.atomic
def notification_mark_read(*, user, notification_ids=None, kind=None):
    """Mark some (or, with None, all) of the user's notifications read, all of them of one kind
    when `kind` is given. Ids outside the user's inbox are ignored as if they did not exist.
    Returns how many were newly marked."""
    unread = inbox_queryset(user).exclude(reads__user=user)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    if kind:
        unread = unread.filter(kind=kind)
    ids = list(unread.values_list("pk", flat=True))
    NotificationRead.objects.bulk_create(
        [NotificationRead(notification_id=pk, user=user) for pk in ids], ignore_conflicts=True
    )
    return len(ids)
