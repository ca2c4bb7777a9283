"""What changes cases, items and what hangs off them.

Each service is one transaction that checks the actor's level through the permission
service, changes the data, and writes its access-log row (and timeline entry) in the same
transaction. Views, the API, commands and tasks all call these; none writes models directly.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from rapidfuzz import fuzz

from agencies.models import Agency, User
from audit.services import changes_detail, log_access
from core.errors import InsufficientLevel, StaleVersion
from core.handling import TLP, Level
from core.text import without_bidi_controls
from notifications.models import WebhookDelivery
from notifications.services import (
    annotation_added,
    case_opened,
    case_states_changed,
    item_corrected,
    item_purged,
    overdue_purged,
    review_due,
    share_granted,
    subject_watched,
    subjects_matched,
    task_assigned,
)
from sharing import services as sharing_services
from sharing import tombstones
from sharing.models import ItemGroupObjectPermission, Share
from sharing.permissions import (
    ShareRefused,
    agencies_holding_known_to,
    agency_ids_reached_by,
    cases_visible_to,
    grant_rows,
    items_visible_to,
    level_of,
    network_group,
    require_level,
    shares_beyond_marking,
    who_sees,
)

from . import intelligence as cfr23
from . import sar
from .entities import FIELD_OF_REFUSAL, typed_label, typed_values
from .models import (
    Annotation,
    AnnotationRevision,
    Attachment,
    Case,
    CaseEntity,
    CaseTask,
    Dissemination,
    Entity,
    IntelligenceItem,
    ItemCorrection,
    ItemEntity,
    Jurisdiction,
    SARBehaviour,
    SubjectMatch,
    SubjectWatch,
    TimelineEvent,
    WatchNotice,
)
from .uploads import content_type_of


def _timeline(case, kind, summary, by):
    TimelineEvent.objects.create(case=case, kind=kind, summary=summary, actor=by, agency=by.agency)


def _touch(obj, now=None):
    type(obj).objects.filter(pk=obj.pk).update(updated_at=now or timezone.now())


def _full_clean(instance, exclude=None):
    """Validate a row before it is saved; its text first loses the directional controls that
    could make it show other than it reads (core.text)."""
    for field in instance._meta.concrete_fields:
        if field.get_internal_type() in ("CharField", "TextField"):
            value = getattr(instance, field.attname)
            if isinstance(value, str):
                setattr(instance, field.attname, without_bidi_controls(value))
    instance.full_clean(exclude=exclude, validate_constraints=True)


@transaction.atomic
def case_create(
    *, by, number, title, lead_center, summary="", tlp=TLP.AMBER, les=False,
    status=Case.Status.OPEN, jurisdictions=(), share_with_involved_centers=False,
):
    """Open a case owned by the actor's agency.

    `jurisdictions` is a list of dicts with state and optionally county and city. Validation
    errors (bad state, case number already used by this agency) raise ValidationError naming
    the field. The owner's permission rows, the timeline entry and the access-log row are
    written in the same transaction; so are the cross-center alerts when the case spans state
    lines (notifications.services), delivered after commit. `share_with_involved_centers`: the
    alerted centers also get view access (never for TLP:RED).
    """
    if by.agency_id is None:
        raise ValidationError("Only a member of an agency can open a case.")
    case = Case(
        owner=by.agency, lead_center=lead_center, number=(number or "").strip(), title=title,
        summary=summary, tlp=tlp, les=les, status=status, created_by=by,
        share_with_involved_centers=share_with_involved_centers,
    )
    if case.number and Case.objects.filter(owner_id=by.agency_id, number=case.number).exists():
        raise _number_taken(case.number)
    _full_clean(case)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        # Another request took the number between the check above and this insert.
        if Case.objects.filter(owner_id=by.agency_id, number=case.number).exists():
            raise _number_taken(case.number) from None
        raise
    grant_rows(case, by.agency.group_id, Level.OWNER)
    for place in jurisdictions:
        _jurisdiction_insert(case, **place)
    _timeline(case, TimelineEvent.Kind.CREATED, f"{by.agency.name} opened the case", by)
    case_opened(case=case, by=by)
    log_access(
        action="create", actor=by, obj=case,
        detail={"number": case.number, "states": case.states, "tlp": case.tlp, "les": case.les},
    )
    return case


def _number_taken(number):
    return ValidationError({"number": ValidationError(
        f"Your agency already has a case numbered {number}; a case number is unique within "
        "an agency.",
        code="case_number_taken",
    )})


# Fields an editor may change; the handling marking is the owner's decision alone.
CASE_EDITABLE = {"title", "summary", "status", "lead_center"}
CASE_OWNER_ONLY = {"tlp", "les"}


def _versioned_update(obj, *, by, version, changes, editable):
    """Apply `changes` to a case or item if `version` is still current; return the row as
    saved and its values before and after. Shared by case_update and item_update.

    Needs edit; changing the handling marking needs ownership. A stale version raises
    StaleVersion and writes nothing."""
    unknown = set(changes) - editable - CASE_OWNER_ONLY
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    held = require_level(by, obj, Level.EDIT)
    if set(changes) & CASE_OWNER_ONLY and held != Level.OWNER:
        require_level(by, obj, Level.OWNER)
    current = type(obj).objects.select_for_update().get(pk=obj.pk)
    if current.version != version:
        raise StaleVersion(current, version)
    before = {name: _plain(getattr(current, name)) for name in changes}
    for name, value in changes.items():
        setattr(current, name, value)
    _full_clean(current)
    _refuse_marking_narrower_than_shares(current, before)
    current.updated_at = timezone.now()
    current.version = F("version") + 1
    current.save(update_fields=[*changes, "updated_at", "version"])
    current.refresh_from_db()
    after = {name: _plain(getattr(current, name)) for name in changes}
    return current, before, after


@transaction.atomic
def case_update(*, case, by, version, **changes):
    """Change a case's fields if `version` is still current.

    Needs edit; changing the handling marking needs ownership. A stale version raises
    StaleVersion and writes nothing. Records the values before and after.
    """
    current, before, after = _versioned_update(
        case, by=by, version=version, changes=changes, editable=CASE_EDITABLE
    )
    changed = sorted(name for name in changes if before[name] != after[name])
    if changed:
        _timeline(current, TimelineEvent.Kind.UPDATED, f"Changed {', '.join(changed)}", by)
    log_access(action="update", actor=by, obj=current, detail=changes_detail(before, after))
    return current


def _refuse_marking_narrower_than_shares(obj, before):
    """A stricter marking is refused while shares it forbids stand: the owner withdraws them
    first, knowingly, rather than the marking silently not meaning what it says."""
    if "tlp" not in before or before["tlp"] == obj.tlp:
        return
    beyond = shares_beyond_marking(obj, obj.tlp)
    if beyond:
        listed = "; ".join(f"{record.recipient_label} ({rule})" for record, rule in beyond)
        raise ValidationError({"tlp": ValidationError(
            f"{TLP(obj.tlp).label} does not allow shares that stand on this "
            f"{obj._meta.verbose_name}; withdraw them first: {listed}.",
            code="shares_beyond_marking",
        )})


def _plain(value):
    return value.pk if hasattr(value, "pk") else value


def _jurisdiction_insert(case, state, county="", city=""):
    place = Jurisdiction(
        case=case, state=(state or "").strip().upper(), county=(county or "").strip(),
        city=(city or "").strip(),
    )
    _full_clean(place)
    place.save()
    return place


@transaction.atomic
def jurisdiction_add(*, case, by, state, county="", city=""):
    """Add a place to a case (needs edit). Returns the jurisdiction and whether its state is new
    to the case, which is when a case comes to span (more) state lines: then the primary center
    of each newly involved state is alerted (notifications.services), once per case and state."""
    require_level(by, case, Level.EDIT)
    states_before = set(case.jurisdictions.values_list("state", flat=True))
    place = _jurisdiction_insert(case, state, county, city)
    new_state = place.state not in states_before
    _touch(case)
    _timeline(case, TimelineEvent.Kind.JURISDICTION, f"Added jurisdiction {place}", by)
    if new_state:
        case_states_changed(case=case, by=by)
    log_access(
        action="update", actor=by, obj=case,
        detail={"jurisdiction_id": place.id, "state": place.state, "new_state": new_state},
    )
    return place, new_state


@transaction.atomic
def jurisdiction_remove(*, jurisdiction, by):
    """Remove a place from a case (needs edit)."""
    case = jurisdiction.case
    require_level(by, case, Level.EDIT)
    label, logged = str(jurisdiction), {"jurisdiction_id": jurisdiction.id, "state": jurisdiction.state}
    jurisdiction.delete()
    _touch(case)
    _timeline(case, TimelineEvent.Kind.JURISDICTION, f"Removed jurisdiction {label}", by)
    log_access(action="update", actor=by, obj=case, detail={**logged, "removed": True})


def entity_upsert(*, kind, label, **values):
    """The entity with this normalised key, created if it is new."""
    key = Entity.normalise(kind, **values)
    entity, _ = Entity.objects.get_or_create(kind=kind, key=key, defaults={"label": label or key})
    return entity


@transaction.atomic
def entity_link(*, by, kind, label="", role="", case=None, item=None, **values):
    """Link a subject to a case or an item (needs edit), found by its normalised key so that
    the same subject links to one entity across agencies.

    The link keeps the label as this agency typed it: an agency that holds the same subject as
    another never reads what the other typed. The returned entity carries this link's label."""
    target = case if case is not None else item
    if (case is None) == (item is None):
        raise ValidationError("Link a subject to one case or one item.")
    require_level(by, target, Level.EDIT)
    label, role = without_bidi_controls(label or ""), without_bidi_controls(role or "")
    entity = entity_upsert(kind=kind, label=label, **values)
    defaults = {"role": role, "linked_by": by, "label": label.strip()[:300] or entity.key}
    if case is not None:
        link, created = CaseEntity.objects.get_or_create(case=case, entity=entity, defaults=defaults)
        if created:
            _timeline(case, TimelineEvent.Kind.SUBJECT,
                      f"Linked {entity.get_kind_display()}: {link.label}", by)
    else:
        link, created = ItemEntity.objects.get_or_create(item=item, entity=entity, defaults=defaults)
    if created:
        _touch(target)
        log_access(
            action="update", actor=by, obj=target,
            detail={"entity_linked": entity.id, "kind": kind},
        )
        deconflict(entity=entity, target=target, by=by)
        tell_watchers(entity=entity, target=target, by=by)
    entity.label = link.label
    entity.linked_now = created  # False: the record linked this subject already
    return entity


@transaction.atomic
def subjects_link(*, by, target, subjects):
    """Link each of `subjects` (what an analyst types: kind, value, state, dob, platform, role,
    label; cases.entities.typed_values) to the case or item `target`, all or none: a value that
    cannot be normalised refuses the lot, naming its place (`subjects[2].value`). Each link is
    entity_link's (edit level, deconfliction, watchers). Returns the entities, in order."""
    linked, refused = [], {}
    field = "case" if isinstance(target, Case) else "item"
    for index, subject in enumerate(subjects):
        kind, value = subject["kind"], subject["value"]
        values = typed_values(kind, value, state=subject.get("state"), dob=subject.get("dob"),
                              platform=subject.get("platform"))
        label = subject.get("label") or typed_label(kind, value, state=subject.get("state"),
                                                    platform=subject.get("platform"))
        try:
            with transaction.atomic():
                linked.append(entity_link(
                    by=by, kind=kind, label=label, role=subject.get("role", ""),
                    **{field: target}, **values,
                ))
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                raise
            wrong = FIELD_OF_REFUSAL.get(getattr(error, "code", None), "value")
            refused[f"subjects[{index}].{wrong}"] = error.messages
    if refused:
        raise ValidationError(refused)
    return linked


@transaction.atomic
def watch_set(*, user, kind, label="", watching=True, **values):
    """Watch a subject by its key (normalised as a link's would be; a value that cannot be is
    refused naming the problem), whether the portal holds it yet or not; or stop watching it.
    Returns the watch, or None once stopped."""
    if user.agency_id is None:
        raise ValidationError("Only a member of an agency watches subjects.")
    key = Entity.normalise(kind, **values)
    if not watching:
        SubjectWatch.objects.filter(user=user, kind=kind, key=key).delete()
        return None
    label = without_bidi_controls(label or "").strip()[:300] or key
    watch, _ = SubjectWatch.objects.get_or_create(user=user, kind=kind, key=key,
                                                  defaults={"label": label})
    return watch


# How many watchers of one key a link tells (the newest watches first).
WATCHERS_TOLD = 200


def tell_watchers(*, entity, target, by):
    """A link of `entity` to `target`: each user who watches its key (but the linker) is told
    once per record. A watcher whose agency sees the record is told which one; any other, under
    the blind rules of deconfliction, only that another agency linked it and whom to contact
    (of a TLP:RED record, information pending review or rejected, or, outside law enforcement,
    criminal intelligence, nothing). One index lookup of (kind, key)."""
    watches = list(
        SubjectWatch.objects.filter(kind=entity.kind, key=entity.key).exclude(user=by)
        .select_related("user__agency").order_by("-created_at")[:WATCHERS_TOLD]
    )
    told = []
    ref = _object_ref(target)
    status = getattr(target, "intelligence_status", "")
    for watch in watches:
        watcher = watch.user
        if not watcher.is_active or watcher.agency_id is None:
            continue
        sees = level_of(watcher, target) is not None
        if not sees and (target.tlp == TLP.RED or status in ("pending", "rejected")
                         or (status == "intelligence" and not watcher.agency.law_enforcement)):
            continue
        try:
            with transaction.atomic():
                WatchNotice.objects.create(
                    watch=watch, key=f"{watch.pk}:{ref}",
                    case=target if isinstance(target, Case) else None,
                    item=target if isinstance(target, IntelligenceItem) else None,
                )
        except IntegrityError:
            continue
        subject_watched(watch=watch, target=target, by=by, sees=sees)
        told.append(watch)
    return told


# How many other links of a subject a new link is checked against: its newest ones, read by the
# (entity, object) indexes. A subject linked more often than this is matched against the newest.
DECONFLICTION_LINKS_READ = 50


def _object_ref(obj):
    return f"{'c' if isinstance(obj, Case) else 'i'}{obj.pk}"


def deconflict(*, entity, target, by):
    """Blind deconfliction, at the write that links `entity` to `target`: each case or item of
    another agency that already links the same subject and that the linker's agency may not see
    is a match, recorded once per subject and pair of objects (SubjectMatch) and told to both
    sides (notifications.services.subject_matched: the linker hears only that another agency
    holds a record and whom to contact; the holder hears who linked it to what). Of a TLP:RED
    record, of information pending review or rejected, and of criminal intelligence when the
    linker is not law enforcement, only the holder is told. Two index range scans of the
    subject's links and one visibility query per kind of object. A person also matches, as a
    *possible match* with its score, the people born the same day whose names are close
    (rapidfuzz): of those, only the holder is told. Returns the new matches."""
    matches = _held_elsewhere(entity=entity, held_entity=entity, target=target, by=by,
                              kind=SubjectMatch.Kind.MATCH)
    for close, score in _close_people(entity):
        matches += _held_elsewhere(entity=entity, held_entity=close, target=target, by=by,
                                   kind=SubjectMatch.Kind.POSSIBLE, score=score)
    return matches


# A person of the same date of birth whose name scores this much (rapidfuzz's token sort ratio,
# 0-100: the order of the names and their case do not count) is a possible match.
POSSIBLE_MATCH_SCORE = 85
POSSIBLE_MATCH_CANDIDATES = 50


def _close_people(entity):
    """The other people of the portal born the same day as `entity` whose names are close, with
    their scores: one lookup of the date's key suffix (the trigram index of keys)."""
    if entity.kind != Entity.Kind.PERSON or "|" not in entity.key:
        return []
    name, dob = entity.key.rsplit("|", 1)
    candidates = (Entity.objects.filter(kind=Entity.Kind.PERSON, key__endswith=f"|{dob}")
                  .exclude(pk=entity.pk).order_by("pk")[:POSSIBLE_MATCH_CANDIDATES])
    close = []
    for candidate in candidates:
        score = fuzz.token_sort_ratio(name, candidate.key.rsplit("|", 1)[0])
        if score >= POSSIBLE_MATCH_SCORE:
            close.append((candidate, round(score, 1)))
    return close


def _held_elsewhere(*, entity, held_entity, target, by, kind, score=None):
    """The matches of one subject (`held_entity`: the one linked, or a close one) on records of
    other agencies that the linker may not see."""
    agency = by.agency
    held = [
        (Case, pk, owner_id) for pk, owner_id in
        CaseEntity.objects.filter(entity=held_entity).exclude(case__owner=agency)
        .order_by("-linked_at", "-id").values_list("case_id", "case__owner_id")
        [:DECONFLICTION_LINKS_READ]
    ] + [
        (IntelligenceItem, pk, owner_id) for pk, owner_id in
        ItemEntity.objects.filter(entity=held_entity).exclude(item__owner=agency)
        .exclude(item__intelligence_status=cfr23.Status.PURGED)
        .order_by("-linked_at", "-id").values_list("item_id", "item__owner_id")
        [:DECONFLICTION_LINKS_READ]
    ]
    if not held:
        return []
    seen = set()
    for model, visible in ((Case, cases_visible_to), (IntelligenceItem, items_visible_to)):
        ids = [pk for of, pk, _ in held if of is model]
        if ids:
            seen |= {(model, pk) for pk in visible(by).filter(pk__in=ids).values_list("pk", flat=True)}
    new_ref = _object_ref(target)
    candidates = {}
    for model, pk, owner_id in held:
        if (model, pk) in seen:
            continue
        held_ref = f"{'c' if model is Case else 'i'}{pk}"
        subjects = str(entity.pk) if held_entity.pk == entity.pk else "~".join(
            sorted([str(entity.pk), str(held_entity.pk)]))
        key = f"{subjects}:{':'.join(sorted([new_ref, held_ref]))}"
        candidates[key] = SubjectMatch(
            kind=kind, entity=entity, held_entity=held_entity, score=score, new_agency=agency,
            held_agency_id=owner_id, key=key,
            new_case=target if isinstance(target, Case) else None,
            new_item=target if isinstance(target, IntelligenceItem) else None,
            held_case_id=pk if model is Case else None,
            held_item_id=pk if model is IntelligenceItem else None,
        )
    if not candidates:
        return []
    # Told before, for this subject and these two records: never again (one query for all).
    for known in SubjectMatch.objects.filter(key__in=list(candidates)).values_list("key", flat=True):
        candidates.pop(known)
    if not candidates:
        return []
    try:
        with transaction.atomic():
            matches = SubjectMatch.objects.bulk_create(list(candidates.values()))
    except IntegrityError:  # a concurrent link recorded one of them first: one by one
        matches = []
        for match in candidates.values():
            try:
                with transaction.atomic():
                    match.save(force_insert=True)
            except IntegrityError:
                continue
            matches.append(match)
    subjects_matched(matches=matches, by=by)
    return matches


@transaction.atomic
def item_create(
    *, by, kind, title, body="", tlp=TLP.AMBER, les=False, case=None, in_response_to=None,
    review_by=None, behaviours=(), **labels,
):
    """Create an intelligence item owned (sourced) by the actor's agency.

    Linking it to a case needs annotate on that case; a response to an RFI needs to see the RFI,
    and is shared back (view) with the agency that asked, when the marking allows it: the
    returned item's `share_back_refusal` then says why it was not (None when it was, or when
    there was no one to share it with). The same for a page, the API and a command.

    28 CFR Part 23 (cases/intelligence.py): an item of a kind about people is criminal
    intelligence when `labels` give its predicate and every label of 23.20(c), each checked
    (a missing one is refused naming the field and the rule); its review date is at most five
    years away (the limit when none is given). Given none of them, it is information pending
    review: its agency's reviewers decide, and nobody shares it meanwhile. Labels on a kind
    that is not under the rule are refused.

    A suspicious-activity report names at least one behaviour of the ISE-SAR Functional Standard
    (`behaviours`, cases/sar.py); any other kind names none. A refusal names `behaviours`.
    """
    if by.agency_id is None:
        raise ValidationError("Only a member of an agency can create an item.")
    behaviours = sar.check_behaviours(
        kind, behaviours, kind_label=dict(IntelligenceItem.Kind.choices).get(kind, "item").lower())
    unknown = set(labels) - set(cfr23.LABEL_FIELDS)
    if unknown:
        raise TypeError(f"item_create() got unexpected arguments: {', '.join(sorted(unknown))}")
    if case is not None:
        require_level(by, case, Level.ANNOTATE)
    if in_response_to is not None:
        require_level(by, in_response_to, Level.VIEW)
        if in_response_to.kind != IntelligenceItem.Kind.RFI:
            raise ValidationError({"in_response_to": "Only a request for information takes responses."})
    item = item_unsaved(by=by, kind=kind, title=title, body=body, tlp=tlp, les=les, case=case,
                        in_response_to=in_response_to, review_by=review_by, **labels)
    _full_clean(item)
    item.save()
    _behaviours_set(item, behaviours)
    grant_rows(item, by.agency.group_id, Level.OWNER)
    if case is not None:
        _touch(case)
        _timeline(case, TimelineEvent.Kind.ITEM, f"Linked {item.get_kind_display().lower()}: {title}", by)
    detail = {"kind": kind, "tlp": tlp, "les": les}
    if item.intelligence_status:
        detail["cfr23"] = item.intelligence_status
    log_access(action="create", actor=by, obj=item, detail=detail)
    item.share_back_refusal = None
    if in_response_to is not None and in_response_to.owner_id != by.agency_id:
        if item.is_pending_review:
            item.share_back_refusal = (
                "it is information pending review; it goes to the agency that asked once a "
                "reviewer of your agency accepts it as criminal intelligence."
            )
        else:
            item.share_back_refusal = _share_response_back(item=item, rfi=in_response_to, by=by)
    return item


def _behaviours_set(item, behaviours):
    """Make the report's ISE-SAR behaviours these (checked already): one DELETE and one INSERT."""
    SARBehaviour.objects.filter(item=item).delete()
    SARBehaviour.objects.bulk_create(
        [SARBehaviour(item=item, behaviour=behaviour) for behaviour in behaviours]
    )


def item_unsaved(*, by, kind, title, body="", tlp=TLP.AMBER, les=False, case=None,
                 in_response_to=None, review_by=None, **labels):
    """The new item item_create saves, not yet saved, its 28 CFR Part 23 status set: what a bulk
    import (work.tip_import) saves many of at once, so that both decide it the same way."""
    item = IntelligenceItem(
        owner=by.agency, kind=kind, title=title, body=body, tlp=tlp, les=les, case=case,
        in_response_to=in_response_to, review_by=review_by, created_by=by,
    )
    _apply_submission(item, labels, by=by)
    return item


def _apply_submission(item, labels, *, by):
    """Set the 28 CFR Part 23 status and labels of a new item (see item_create)."""
    if not cfr23.is_under_rule(item.kind):
        if cfr23.given(labels):
            raise ValidationError({"predicate": ValidationError(
                f"A {item.get_kind_display().lower()} is not kept as criminal intelligence; it "
                "takes no predicate or 28 CFR Part 23 labels.", code="cfr23_not_under_rule",
            )})
        return
    if not cfr23.given(labels):
        item.intelligence_status = cfr23.Status.PENDING
        return
    _make_intelligence(item, cfr23.check_labels(labels, owner=by.agency), review_by=item.review_by)


def _make_intelligence(item, labels, *, review_by):
    now = timezone.now()
    for name, value in labels.items():
        setattr(item, name, value)
    item.intelligence_status = cfr23.Status.INTELLIGENCE
    item.validated_at = now
    item.review_by = cfr23.check_review_by(review_by, since=now)


class ReviewRefused(ValidationError):
    """A review decision the rule does not allow; `code` names it."""


def _locked_for_owner_reviewer(by, item, refusal):
    """The item, locked for the decision, when `by` is a criminal intelligence reviewer of the
    agency that owns it; NotVisible when `by` does not see it, InsufficientLevel (`refusal`)
    when it sees it but may not decide."""
    held = require_level(by, item, Level.VIEW)
    if held != Level.OWNER or not by.intelligence_reviewer:
        raise InsufficientLevel(refusal)
    return IntelligenceItem.objects.select_for_update().get(pk=item.pk)


@transaction.atomic
def item_review(*, item, by, decision, reason, review_by=None, **labels):
    """A reviewer's decision on information pending review: `accept` makes it criminal
    intelligence (with its predicate and the labels of 23.20(c), each checked as at
    submission, and a review date at most five years away) or `reject` keeps it out of the
    criminal intelligence system, for good (it is never shared). Both need a reason.

    Only a reviewer of the submitting agency decides (anyone else who sees the item is refused
    with InsufficientLevel; anyone who does not see it gets NotVisible), and not on an item
    they submitted themselves. Writes the access-log row with the decision. An accepted
    response to another agency's RFI is then shared back with the agency that asked.
    """
    current = _locked_for_owner_reviewer(
        by, item, "Only a criminal intelligence reviewer of the submitting agency accepts or "
        "rejects its information pending review (28 CFR Part 23).")
    if not current.is_pending_review:
        raise ReviewRefused(
            f"This item is not pending review: it is {current.get_intelligence_status_display().lower()}.",
            code="cfr23_not_pending",
        )
    if current.created_by_id == by.id:
        raise ReviewRefused(
            "28 CFR Part 23 review is a second person's decision: another reviewer of your agency "
            "decides on what you submitted.", code="cfr23_own_submission",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ReviewRefused({"reason": ValidationError(
            "Give the reason for the decision; it is kept with the record.", code="reason_missing",
        )})
    if decision == "accept":
        given = {name: labels.get(name, getattr(current, name)) for name in cfr23.LABEL_FIELDS}
        _make_intelligence(
            current, cfr23.check_labels(given, owner=current.owner),
            review_by=review_by,
        )
    elif decision == "reject":
        current.intelligence_status = cfr23.Status.REJECTED
    else:
        raise ReviewRefused({"decision": ValidationError(
            "Accept or reject.", code="invalid_decision",
        )})
    now = timezone.now()
    current.reviewed_by = by
    current.reviewed_at = now
    current.review_reason = reason
    current.updated_at = now
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    log_access(
        action="update", actor=by, obj=current,
        detail={"cfr23_review": decision, "reason": reason,
                "status": current.intelligence_status},
    )
    current.share_back_refusal = None
    rfi = current.in_response_to
    if decision == "accept" and rfi is not None and rfi.owner_id != current.owner_id:
        current.share_back_refusal = _share_response_back(item=current, rfi=rfi, by=by)
    return current


def _share_response_back(*, item, rfi, by):
    """A response goes to the agency that asked, at view level, if its marking allows it.
    Returns why it could not (the response is kept all the same), or None."""
    try:
        with transaction.atomic():
            share_grant(obj=item, by=by, level=Level.VIEW, agency=rfi.owner,
                        reason=f"The answer to {rfi.owner.name}'s request for information.")
    except ShareRefused as refusal:
        return " ".join(refusal.messages)
    return None


@transaction.atomic
def share_grant(*, obj, by, level, target=Share.Target.AGENCY, agency=None, center=None,
                reason=""):
    """Share a case or item (sharing.services.share: every handling rule, the access-log row,
    the timeline) and tell the recipient agency or center (notifications.services.share_granted,
    delivered after commit). Pages, the API and the services share through this.

    Criminal intelligence (28 CFR 23.20(e), (g)): the share needs its reason, the need and
    right to know, and lands in the item's dissemination record with its recipient and date."""
    reason = (reason or "").strip()
    record = sharing_services.share(
        obj=obj, by=by, level=level, target=target, agency=agency, center=center
    )
    if getattr(obj, "is_intelligence", False):
        # After the handling rules, which name the stricter refusal; rolled back with the share.
        if not reason:
            raise ValidationError({"reason": ValidationError(
                "28 CFR 23.20(e): criminal intelligence is disseminated where there is a need to "
                "know and a right to know; give the reason.", code="cfr23_reason_missing",
            )})
        Dissemination.objects.create(
            item=obj, channel=Dissemination.Channel.SHARE, recipient_agency=agency,
            recipient_center=center, recipient_label=record.recipient_label, reason=reason, by=by,
        )
    share_granted(share_record=record, by=by, level_before=record.level_before)
    return record


@transaction.atomic
def item_validate(*, item, by, reason, review_by=None, **labels):
    """28 CFR 23.20(h): a reviewer of the owner agency validates criminal intelligence: the
    reason is kept, and the next review date is at most five years away (the limit when none
    is given). A record kept before the rule without its predicate needs it (and every label)
    now. Refusals as for item_review; writes the access-log row."""
    current = _locked_for_owner_reviewer(
        by, item, "Only a criminal intelligence reviewer of the submitting agency validates its "
        "records (28 CFR 23.20(h)).")
    if not current.is_intelligence:
        raise ReviewRefused(
            "Only criminal intelligence is validated; this item is "
            f"{current.get_intelligence_status_display().lower()}.", code="cfr23_not_intelligence",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ReviewRefused({"reason": ValidationError(
            "Give the reason the record is still relevant and accurate; it is kept with it.",
            code="reason_missing",
        )})
    given = {name: labels.get(name) or getattr(current, name) for name in cfr23.LABEL_FIELDS}
    _make_intelligence(current, cfr23.check_labels(given, owner=current.owner), review_by=review_by)
    now = current.validated_at
    current.reviewed_by = by
    current.reviewed_at = now
    current.review_reason = reason
    current.updated_at = now
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    log_access(
        action="update", actor=by, obj=current,
        detail={"cfr23_review": "validate", "reason": reason,
                "review_by": current.review_by.isoformat()},
    )
    return current


def review_queue_notify(*, today):
    """The daily task (cases.tasks.review_queue_daily): each control official whose criminal
    intelligence is overdue, due today or due within 30 days is told how many (an in-app
    notification and an e-mail, counts only), once per official and day however often it runs.
    One grouped query over the (owner, status, review_by) index, whatever the number of records;
    returns how many officials were told."""
    horizon = today + timedelta(days=cfr23.REVIEW_SOON_DAYS)
    groups = (
        IntelligenceItem.objects.filter(
            intelligence_status=cfr23.Status.INTELLIGENCE, review_by__lte=horizon,
            control_official__isnull=False,
        )
        .values("owner_id", "control_official_id")
        .annotate(
            overdue=Count("id", filter=Q(review_by__lt=today)),
            due=Count("id", filter=Q(review_by=today)),
            soon=Count("id", filter=Q(review_by__gt=today)),
        )
        .order_by("owner_id", "control_official_id")
    )
    told = 0
    for group in groups:
        event = review_due(
            agency=Agency(pk=group["owner_id"]), official=User(pk=group["control_official_id"]),
            counts={name: group[name] for name in ("overdue", "due", "soon")}, day=today,
        )
        told += event is not None
    return told


def disseminations_record_pull(*, by, rows, key_name):
    """28 CFR 23.20(g): the criminal intelligence of another agency in an API answer (rows of
    cases.api.serializers.item_rows) lands in each item's dissemination record: one INSERT for
    the page, none when it holds no such item."""
    released = [
        Dissemination(
            item_id=row["id"], channel=Dissemination.Channel.API, recipient_agency_id=by.agency_id,
            recipient_label=by.agency.name, reason=f"Pulled by the partner system {key_name}",
            by=by,
        )
        for row in rows
        if row["intelligence_status"] == cfr23.Status.INTELLIGENCE
        and row["owner_id"] != by.agency_id
    ]
    if released:
        Dissemination.objects.bulk_create(released)


ITEM_EDITABLE = {"title", "body", "review_by"}


@transaction.atomic
def item_update(*, item, by, version, **changes):
    """Change an item's fields if `version` is still current (as case_update does for cases).

    Needs edit; changing the handling marking needs ownership. A stale version raises
    StaleVersion and writes nothing. Records the values before and after. The review date of
    criminal intelligence stays within five years of its last validation (23.20(h)): a later
    one is refused, an empty one is the limit. A review date moved into the past is refused (an
    overdue date left as it was is kept: the edit is of something else). `behaviours`, when
    given, replaces a SAR's ISE-SAR behaviours (at least one; none on another kind).
    """
    behaviours = None
    if "behaviours" in changes:
        behaviours = sar.check_behaviours(item.kind, changes.pop("behaviours"),
                                          kind_label=item.get_kind_display().lower())
    wanted = changes.get("review_by")
    if wanted is not None and wanted != item.review_by and wanted < timezone.localdate():
        raise ValidationError({"review_by": ValidationError(
            "The review date is in the past.", code="review_in_past",
        )})
    if "review_by" in changes and item.is_intelligence:
        since = item.validated_at or item.created_at
        limit = cfr23.review_limit(since)
        wanted = changes["review_by"]
        if wanted is None:
            changes["review_by"] = limit
        elif wanted > limit:
            raise ValidationError({"review_by": ValidationError(
                f"28 CFR 23.20(h): criminal intelligence is reviewed within five years of its "
                f"last validation; the review date may be {limit:%b %-d, %Y} at the latest.",
                code="cfr23_review_beyond_five_years",
            )})
    current, before, after = _versioned_update(
        item, by=by, version=version, changes=changes, editable=ITEM_EDITABLE
    )
    if behaviours is not None:
        before["behaviours"] = sar.in_order(
            SARBehaviour.objects.filter(item=current).values_list("behaviour", flat=True))
        _behaviours_set(current, behaviours)
        after["behaviours"] = behaviours
    log_access(
        action="update", actor=by, obj=current,
        detail=changes_detail(
            {k: str(v) for k, v in before.items()}, {k: str(v) for k, v in after.items()}
        ),
    )
    corrected = sorted(name for name in CORRECTED_FIELDS & set(changes) if before[name] != after[name])
    if corrected and current.is_intelligence:
        _tell_of_correction(current, fields=corrected, by=by)
    return current


@transaction.atomic
def item_lead_on_case(*, item, case, by):
    """Make an item a lead on a case (a triaged tip accepted): the actor sees the item and may
    edit the case. The case's timeline says which item of which agency it is, by pointer (its
    kind, number and source agency): the case's other readers may not see the item, whose title
    is therefore not written there. Returns the item."""
    require_level(by, item, Level.VIEW)
    require_level(by, case, Level.EDIT)
    if item.case_id == case.pk:
        return item
    before = item.case_id
    IntelligenceItem.objects.filter(pk=item.pk).update(case=case, updated_at=timezone.now())
    item.case = case
    _touch(case)
    _timeline(case, TimelineEvent.Kind.ITEM,
              f"Linked {item.get_kind_display().lower()} T-{item.pk} of {item.owner.name} as a lead",
              by)
    log_access(action="update", actor=by, obj=item,
               detail={"case_before": before, "case": case.pk, "lead": True})
    return item


# What a correction notice speaks of: the content a recipient holds (a review date or a marking
# is the owner's business; a narrower marking is refused while shares exceed it).
CORRECTED_FIELDS = {"title", "body"}


def agencies_reached(item):
    """28 CFR 23.20(g), (h): the agencies a criminal intelligence record reached, other than its
    owner: those its dissemination record names (an agency; a center's law-enforcement members
    now; the network: every law-enforcement agency) and those that see it now. Four queries."""
    records = Dissemination.objects.filter(item=item)
    groups = set(
        Agency.objects.filter(pk__in=records.values("recipient_agency_id")).values_list(
            "group_id", flat=True)
    )
    groups |= set(
        records.filter(recipient_center__isnull=False).values_list(
            "recipient_center__group_id", flat=True)
    )
    if records.filter(recipient_agency__isnull=True, recipient_center__isnull=True).exists():
        groups.add(network_group().id)
    reached = agency_ids_reached_by(groups) | who_sees(item)
    reached.discard(item.owner_id)
    return set(
        Agency.objects.filter(pk__in=reached, law_enforcement=True).values_list("pk", flat=True)
    )


def _tell_of_correction(item, *, fields, by):
    """A disseminated record was corrected: its correction row, and a notice to every agency it
    reached (in-app, e-mail to its admins, webhook `item.corrected`), naming the fields changed;
    the title only to an agency that sees the record when the notice is delivered."""
    told = sorted(agencies_reached(item))
    if not told:
        return None
    correction = ItemCorrection.objects.create(
        item=item, version=item.version, fields=fields, by=by, agencies_told=len(told),
    )
    for agency_id in told:
        item_corrected(item=item, agency_id=agency_id, fields=fields, version=item.version, by=by)
    return correction


class PurgeRefused(ValidationError):
    """A purge the rule does not allow; `code` names it."""


# What a purged record keeps of its title: the page, the API and the notices show this.
PURGED_TITLE = "Purged record"


@transaction.atomic
def item_purge(*, item, by, reason, automatic=False, overdue_before=None):
    """28 CFR 23.20(h): destroy a criminal intelligence record (or rejected information) that
    was not validated: its title, text and predicate, its annotations, attachments (the files
    too, once the transaction commits) and subject links (a subject no other record links is
    deleted), the case timeline's mention of its title, and the titles earlier webhooks carried.
    The row stays as the tombstone: kind, owner, labels, dates, and who purged it, when and
    why; so do its dissemination record and the access log. Nobody sees it any more (every
    share and permission row goes); every agency that saw it gets a `purged` tombstone for its
    partner systems, and every agency it reached is told (in-app, e-mail, webhook `item.purged`,
    without its content).

    A person's decision: a criminal intelligence reviewer of the owner agency, with a reason
    (refusals as for item_validate). `automatic`: the daily task, for an agency that turned on
    the automatic purge of overdue records (`by` is None then), which purges only what is still
    criminal intelligence with a review date before `overdue_before`. Returns the purged row and
    sets `agencies_told` on it."""
    reason = (reason or "").strip()
    if automatic:
        current = IntelligenceItem.objects.select_for_update().get(pk=item.pk)
    else:
        current = _locked_for_owner_reviewer(
            by, item, "Only a criminal intelligence reviewer of the submitting agency purges its "
            "records (28 CFR 23.20(h)).")
    if automatic and not (
        current.is_intelligence and current.review_by is not None
        and overdue_before is not None and current.review_by < overdue_before
    ):
        raise PurgeRefused("Not overdue for review: the automatic purge leaves it.",
                           code="cfr23_not_overdue")
    if current.intelligence_status not in (cfr23.Status.INTELLIGENCE, cfr23.Status.REJECTED):
        raise PurgeRefused(
            "Only criminal intelligence, or information rejected as such, is purged; this item "
            f"is {current.get_intelligence_status_display().lower()}.", code="cfr23_not_purgeable",
        )
    if not reason:
        raise PurgeRefused({"reason": ValidationError(
            "Give the reason for the purge; it is kept with the record's tombstone.",
            code="reason_missing",
        )})
    told = agencies_reached(current)
    # Tombstones first, while the rows that say who sees it (and its subjects) are still there;
    # the annotations' own come from their pre_delete receiver as they are deleted.
    tombstones.tombstones_before_purge(current)
    Annotation.objects.filter(item=current).delete()
    files = [attachment.file.name for attachment in Attachment.objects.filter(item=current)]
    Attachment.objects.filter(item=current).delete()
    if files:
        storage = Attachment._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in files])
    _purge_subject_links(current)
    Share.objects.filter(item=current).delete()
    ItemGroupObjectPermission.objects.filter(content_object=current).delete()
    if current.case_id is not None:
        TimelineEvent.objects.filter(
            case_id=current.case_id, kind=TimelineEvent.Kind.ITEM,
            summary=f"Linked {current.get_kind_display().lower()}: {current.title}",
        ).update(summary=f"Linked {current.get_kind_display().lower()}: a record since purged "
                         "under 28 CFR 23.20(h)")
    _scrub_webhook_payloads(current)
    now = timezone.now()
    current.title = PURGED_TITLE
    current.body = ""
    current.predicate = ""
    current.review_reason = ""
    current.case = None
    current.intelligence_status = cfr23.Status.PURGED
    current.purged_at = now
    current.purged_by = None if automatic else by
    current.purge_reason = reason
    current.updated_at = now
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    log_access(
        action="purge", actor=None if automatic else by, agency=current.owner, obj=current,
        detail={"cfr23": "purge", "automatic": automatic, "reason": reason,
                "agencies_told": len(told)},
    )
    for agency_id in sorted(told):
        item_purged(item=current, agency_id=agency_id, by=None if automatic else by)
    current.agencies_told = len(told)
    return current


def _purge_subject_links(item):
    """The record's subject links go; a subject no other case or item links goes with them, and
    one that stays shows the label of a link that stays (the purged record's agency may have
    typed the one it showed)."""
    entity_ids = list(ItemEntity.objects.filter(item=item).values_list("entity_id", flat=True))
    ItemEntity.objects.filter(item=item).delete()
    if not entity_ids:
        return
    linked = set(CaseEntity.objects.filter(entity_id__in=entity_ids).values_list("entity_id", flat=True))
    linked |= set(ItemEntity.objects.filter(entity_id__in=entity_ids).values_list("entity_id", flat=True))
    Entity.objects.filter(pk__in=set(entity_ids) - linked).delete()
    for entity_id in linked:
        first = next(
            row for links in (CaseEntity, ItemEntity)
            if (row := links.objects.filter(entity_id=entity_id).order_by("linked_at", "pk")
                .values("label").first())
        )
        Entity.objects.filter(pk=entity_id).update(label=first["label"])


def _scrub_webhook_payloads(item):
    """Webhook bodies kept for the record of deliveries lose the record's title."""
    for delivery in WebhookDelivery.objects.filter(event__item=item).only("pk", "payload"):
        payload = dict(delivery.payload)
        if isinstance(payload.get("item"), dict):
            payload["item"] = {**payload["item"], "title": None, "purged": True}
            WebhookDelivery.objects.filter(pk=delivery.pk).update(payload=payload)


# How many overdue records the daily task purges for the agencies that chose it, per run: the
# rest wait for the next run (each purge is its own transaction).
AUTO_PURGE_PER_RUN = 1000


def overdue_purge(*, today):
    """The daily task, for each agency that turned on the automatic purge of overdue records:
    purge its criminal intelligence whose review date has passed (each in its own transaction),
    and tell each control official how many of theirs went, once per official and day. Returns
    how many records were purged."""
    overdue = list(
        IntelligenceItem.objects.filter(
            owner__auto_purge_overdue=True, intelligence_status=cfr23.Status.INTELLIGENCE,
            review_by__lt=today,
        ).order_by("review_by", "pk").values_list("pk", "owner_id", "control_official_id",
                                                   "review_by")[:AUTO_PURGE_PER_RUN]
    )
    purged = {}
    for pk, owner_id, official_id, review_by in overdue:
        try:
            item_purge(
                item=IntelligenceItem(pk=pk), by=None, automatic=True, overdue_before=today,
                reason=f"Automatic purge: not validated by its review date, {review_by:%b %-d, %Y} "
                       "(the agency purges overdue records automatically).",
            )
        except PurgeRefused:  # validated or purged by a person since it was listed
            continue
        purged.setdefault((owner_id, official_id), []).append(pk)
    for (owner_id, official_id), ids in purged.items():
        if official_id is not None:
            with transaction.atomic():
                overdue_purged(agency_id=owner_id, official_id=official_id, item_ids=ids, day=today)
    return sum(len(ids) for ids in purged.values())


@transaction.atomic
def annotation_add(*, by, body, case=None, item=None):
    """Add an analyst's note to a case or item (needs annotate)."""
    if (case is None) == (item is None):
        raise ValidationError("Annotate one case or one item.")
    target = case if case is not None else item
    require_level(by, target, Level.ANNOTATE)
    annotation = Annotation(
        case=case, item=item, author=by, agency=by.agency,
        body=without_bidi_controls(body or "").strip(),
    )
    _full_clean(annotation, exclude=["case", "item"])
    if not annotation.body:
        raise ValidationError({"body": "An annotation needs some text."})
    annotation.save()
    _touch(target, annotation.created_at)
    log_access(action="annotate", actor=by, obj=target, detail={"annotation_id": annotation.id})
    annotation_added(annotation=annotation, by=by)
    return annotation


@transaction.atomic
def annotation_edit(*, annotation, by, version, body):
    """Change the text of one's own annotation if `version` is current; the earlier text is
    kept as a revision. A stale version raises StaleVersion and nothing is lost or overwritten."""
    target = annotation.subject
    require_level(by, target, Level.ANNOTATE)
    current = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if current.author_id != by.id:
        raise ValidationError("Only the author of an annotation can edit it.", code="not_author")
    if current.version != version:
        raise StaleVersion(current, version)
    body = without_bidi_controls(body or "").strip()
    if not body:
        raise ValidationError({"body": "An annotation needs some text."})
    AnnotationRevision.objects.create(
        annotation=current, version=current.version, body=current.body,
        written_by=current.author, written_at=current.updated_at,
    )
    now = timezone.now()
    current.body = body
    current.version += 1
    current.updated_at = now
    current.save(update_fields=["body", "version", "updated_at"])
    _touch(target, now)
    log_access(
        action="annotate", actor=by, obj=target,
        detail={"annotation_id": current.id, "edited_to_version": current.version},
    )
    return current


@transaction.atomic
def attachment_add(*, by, uploaded_file, case=None, item=None):
    """Attach a file to a case or item (needs annotate).

    Refuses files over ATTACHMENT_MAX_BYTES, and files whose content is not of an accepted type
    or does not match their name or declared type (cases.uploads); the stored type is the one the
    content proves. Computes the SHA-256 while reading the upload in chunks. The file goes to
    private storage.
    """
    if (case is None) == (item is None):
        raise ValidationError("Attach the file to one case or one item.")
    target = case if case is not None else item
    require_level(by, target, Level.ANNOTATE)
    if uploaded_file.size > settings.ATTACHMENT_MAX_BYTES:
        limit = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise ValidationError({"file": f"The file is larger than the {limit} MB limit."})
    content_type = content_type_of(uploaded_file)
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    attachment = Attachment(
        case=case, item=item, filename=without_bidi_controls(uploaded_file.name or "file")[:255] or "file",
        content_type=content_type, size=uploaded_file.size, sha256=digest.hexdigest(),
        uploaded_by=by, agency=by.agency,
    )
    # upload_to names the stored file after its digest; the uploaded name is only displayed.
    attachment.file.save(attachment.filename, uploaded_file, save=False)
    try:
        attachment.save()
    except IntegrityError:
        attachment.file.delete(save=False)
        raise
    _touch(target, attachment.uploaded_at)
    if case is not None:
        _timeline(case, TimelineEvent.Kind.ATTACHMENT, f"Attached {attachment.filename}", by)
    log_access(
        action="attach", actor=by, obj=target,
        detail={"attachment_id": attachment.id, "sha256": attachment.sha256, "size": attachment.size},
    )
    return attachment


# Tasks on a case ------------------------------------------------------------------------------

ASSIGNEE_RULE = (
    "A task is assigned to an active person of an agency that may annotate this case (annotate "
    "level or higher)."
)
# What a task's own validation leaves to the services (each a query: checked here instead).
TASK_RELATIONS = ["case", "assignee", "created_by", "agency", "done_by"]
TASK_EDITABLE = {"title", "assignee", "due_date", "status"}


def _person_of(user):
    agency = f" ({user.agency.name})" if user.agency_id else ""
    return f"{user.get_full_name() or user.username}{agency}"


def _check_assignee(*, case, by, assignee):
    """Refuse, naming the rule, an assignee who is not an active person (a partner system's
    account is none) of an agency that may annotate the case. The agencies are those the actor's
    agency may know to hold the case (sharing.permissions.agencies_holding_known_to): a recipient
    learns of no other holder by trying names, as it would not from the page."""
    if assignee is None:
        return
    refusal = ValidationError({"assignee": ValidationError(
        ASSIGNEE_RULE, code="assignee_cannot_annotate")})
    if not assignee.is_active or assignee.agency_id is None or cfr23.is_service_account(assignee):
        raise refusal
    held = level_of(assignee, case)
    if held is None or held < Level.ANNOTATE:
        raise refusal
    known = agencies_holding_known_to(by, case, Level.ANNOTATE)
    if not known.filter(pk=assignee.agency_id).exists():
        raise refusal


def _task_title(title):
    title = without_bidi_controls(title or "").strip()
    if not title:
        raise ValidationError({"title": ValidationError("A task needs a title.",
                                                        code="task_title_missing")})
    return title


@transaction.atomic
def task_add(*, case, by, title, assignee=None, due_date=None):
    """Add an open task to a case (needs annotate), perhaps assigned and due on a day.

    The assignee is an active person of an agency that may annotate the case (_check_assignee;
    a refusal names the rule) and is told after commit (notifications.services.task_assigned).
    The case's timeline says the task was added, and to whom it was assigned; the access-log row
    names the task and the assignee, not the title."""
    require_level(by, case, Level.ANNOTATE)
    task = CaseTask(case=case, title=_task_title(title), due_date=due_date, created_by=by,
                    agency=by.agency)
    _check_assignee(case=case, by=by, assignee=assignee)
    task.assignee = assignee
    _full_clean(task, exclude=TASK_RELATIONS)
    task.save()
    _touch(case, task.created_at)
    _timeline(case, TimelineEvent.Kind.TASK_ADDED, f"Task added: {task.title}", by)
    if assignee is not None:
        _timeline(case, TimelineEvent.Kind.TASK_ASSIGNED,
                  f"Task assigned to {_person_of(assignee)}: {task.title}", by)
        task_assigned(task=task, by=by)
    log_access(action="update", actor=by, obj=case,
               detail={"task_id": task.pk, "task": "added", "assignee_id": task.assignee_id})
    return task


@transaction.atomic
def task_update(*, task, by, version, **changes):
    """Change a task of a case (needs annotate on the case) if `version` is still current: its
    `status` (open, in progress, done: done records who and when, reopening forgets it), its
    `assignee` (checked as for task_add; None leaves it to nobody; a new assignee is told), its
    `due_date` and its `title`. A stale version raises StaleVersion and writes nothing.

    The timeline says what happened (done, reopened, assigned, changed); the access-log row
    names the fields changed, with the values of the status alone."""
    unknown = set(changes) - TASK_EDITABLE
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    case = task.case
    require_level(by, case, Level.ANNOTATE)
    current = CaseTask.objects.select_for_update().get(pk=task.pk)
    if current.version != version:
        raise StaleVersion(current, version)
    if "title" in changes:
        changes["title"] = _task_title(changes["title"])
    if "status" in changes and changes["status"] not in CaseTask.Status.values:
        raise ValidationError({"status": ValidationError(
            "A task is open, in progress or done.", code="task_status_invalid")})
    status_before = current.status
    before = {name: _plain(getattr(current, name)) for name in changes}
    if "assignee" in changes and _plain(changes["assignee"]) != current.assignee_id:
        _check_assignee(case=case, by=by, assignee=changes["assignee"])
    for name, value in changes.items():
        setattr(current, name, value)
    now = timezone.now()
    if current.status == CaseTask.Status.DONE and status_before != CaseTask.Status.DONE:
        current.done_at, current.done_by = now, by
    elif current.status != CaseTask.Status.DONE:
        current.done_at, current.done_by = None, None
    _full_clean(current, exclude=TASK_RELATIONS)
    current.updated_at = now
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    after = {name: _plain(getattr(current, name)) for name in changes}
    changed = sorted(name for name in changes if before[name] != after[name])
    if changed:
        _touch(case, now)
    _task_timeline(current, changed, case=case, status_before=status_before, by=by)
    if "assignee" in changed and current.assignee_id is not None:
        task_assigned(task=current, by=by)
    log_access(
        action="update", actor=by, obj=case,
        detail={"task_id": current.pk, "task": "changed", **changes_detail(
            {k: str(v) for k, v in before.items()}, {k: str(v) for k, v in after.items()})},
    )
    return current


def _task_timeline(task, changed, *, case, status_before, by):
    """The case's timeline entries of a task's change: done, reopened or started; assigned or
    left to nobody; its title or due date."""
    title = task.title
    if "status" in changed:
        if task.status == CaseTask.Status.DONE:
            _timeline(case, TimelineEvent.Kind.TASK_DONE, f"Task done: {title}", by)
        elif status_before == CaseTask.Status.DONE:
            _timeline(case, TimelineEvent.Kind.TASK_CHANGED, f"Task reopened: {title}", by)
        else:
            _timeline(case, TimelineEvent.Kind.TASK_CHANGED,
                      f"Task {task.get_status_display().lower()}: {title}", by)
    if "assignee" in changed:
        if task.assignee_id is not None:
            _timeline(case, TimelineEvent.Kind.TASK_ASSIGNED,
                      f"Task assigned to {_person_of(task.assignee)}: {title}", by)
        else:
            _timeline(case, TimelineEvent.Kind.TASK_CHANGED, f"Task left to nobody: {title}", by)
    others = [name for name in changed if name in ("title", "due_date")]
    if others:
        words = " and ".join("due date" if name == "due_date" else name for name in others)
        _timeline(case, TimelineEvent.Kind.TASK_CHANGED, f"Task's {words} changed: {title}", by)
