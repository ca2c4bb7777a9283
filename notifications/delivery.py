"""Delivering an outbox event: compose the message its audience may read, then write the
in-app notifications, e-mails and webhook deliveries, each once per event and recipient.

Run by the Celery tasks of notifications.tasks (or in process without a broker); they enqueue
whatever this returns (webhook deliveries, swept events), so nothing here knows of Celery.
"""

from datetime import date, timedelta

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, CenterAdmin, Membership, User
from cases.models import (
    Case,
    CaseEntity,
    CaseTask,
    Dissemination,
    Entity,
    ItemEntity,
    SubjectMatch,
)
from core.handling import Level, handling_label
from sharing.models import AccessRequest
from sharing.permissions import cases_visible_to, group_sees, items_visible_to, network_group
from work.models import Referral

from .claims import claim, claim_lease, sweep_after
from .models import (
    Delivery,
    EmailDelivery,
    Follow,
    Notification,
    OutboxEvent,
    WebhookDelivery,
    WebhookEndpoint,
)

Kind = OutboxEvent.Kind


def _center_sees(center, obj):
    """Whether the center as a whole holds view on obj (a center-wide share, or the network's)."""
    return group_sees([center.group_id, network_group().id], obj)


def _contact(agency):
    parts = [agency.contact_name, agency.contact_email, agency.contact_phone]
    return ", ".join(part for part in parts if part) or "none on record"


# The lines an in-app notification keeps: the pointer (DESIGN.md) and who acted. Its reader is
# known only when it is read, so the title, lead center and marking, which only a reader who
# sees the object may read, are left out (notifications.selectors adds the title then, for a
# reader who sees the object at that moment).
POINTER_LINES = {"Case number", "Owner agency", "Source agency", "Point of contact", "States",
                 "Kind", "Shared by", "Annotated by", "Access", "Overdue", "Due today",
                 "Due within 30 days", "Record", "Changed", "Purged", "What to do", "Records",
                 "Assigned by", "Asked by", "Addressed to", "Due", "Referred by", "Status",
                 "Outcome"}

RFI_KINDS = (Kind.RFI_ADDRESSED, Kind.RFI_REMINDER, Kind.RFI_OVERDUE, Kind.RFI_ANSWERED)
REFERRAL_KINDS = (Kind.REFERRED, Kind.REFERRAL_ACKED, Kind.REFERRAL_CLOSED,
                  Kind.REFERRAL_WITHDRAWN, Kind.REFERRAL_REMINDER, Kind.REFERRAL_OVERDUE)
# The kinds told to one person (detail["user_id"]) when the event names one: inbox and e-mail.
PERSON_KINDS = RFI_KINDS + REFERRAL_KINDS


def _case_facts(case, *, title_visible):
    """The lines and webhook data of a case. For an audience that may not see it, a pointer:
    the number, the owner agency and its point of contact, the states (DESIGN.md)."""
    owner, lead = case.owner, case.lead_center
    handling = handling_label(case.tlp, case.les)
    lines = [["Case number", case.number]]
    if title_visible:
        lines.append(["Title", case.title])
    else:
        lines.append(["Title", "withheld: ask the owner agency for access"])
    lines += [
        ["Owner agency", f"{owner.name} ({owner.ori})"],
        ["Point of contact", _contact(owner)],
    ]
    if title_visible:
        lines.append(["Lead center", f"{lead.label} ({lead.state})"])
    states = case.states
    lines.append(["States", ", ".join(states)])
    if title_visible:
        lines.append(["Handling", handling])
    data = {
        "id": case.pk,
        "number": case.number,
        "title": case.title if title_visible else None,
        "owner": {
            "name": owner.name, "ori": owner.ori,
            "contact": {"name": owner.contact_name, "email": owner.contact_email,
                        "phone": owner.contact_phone},
        },
        "lead_center": (
            {"name": lead.name, "short_name": lead.short_name, "state": lead.state}
            if title_visible else None
        ),
        "states": states,
        "handling": (
            {"tlp": case.tlp, "les": case.les, "label": handling} if title_visible else None
        ),
    }
    return lines, data


def _case_of(event):
    """The event's case with what its message names: owner, lead center, states (two queries)."""
    return (Case.objects.select_related("owner", "lead_center")
            .prefetch_related("jurisdictions").get(pk=event.case_id))


def _recipient_sees(event, obj):
    """Whether the agency or center an event is addressed to sees obj at delivery."""
    if event.center_id:
        return _center_sees(event.center, obj)
    return group_sees([event.agency.group_id, network_group().id], obj)


def compose(event):
    """The message of an event for its audience at delivery: {"title", "lines", "data"} (data is
    the webhook's JSON), and the in-app notification's {"inbox_title", "inbox_lines"}.

    A title or an item's content only where the audience holds view on it at delivery (a marking
    never grants access: TLP:GREEN says how far the owner may share, not that it has); never
    the summary or the subjects. The in-app notification holds pointers only: its reader is
    known when it is read, and sees the title then if it may (notifications.selectors).
    """
    if event.kind == Kind.STATE_LINES:
        case = _case_of(event)
        center = event.center
        sees = _center_sees(center, case)
        lines, data = _case_facts(case, title_visible=sees)
        lines.append(
            ["Access", f"{center.label} may view the case" if sees
             else f"not shared with {center.label}: contact the owner agency"]
        )
        title = f"Case {case.number} now spans state lines into {event.detail['state']}"
        message = {
            "title": title, "lines": lines,
            "data": {
                "event": "case.spans_state_lines", "state": event.detail["state"],
                "center": {"name": center.name, "short_name": center.short_name,
                           "state": center.state},
                "center_has_access": sees, "case": data,
            },
        }
        return _with_inbox(message, title)
    if event.kind == Kind.SHARED:
        level = Level(event.detail["level"]).label.lower()
        recipient = event.center.label if event.center_id else event.agency.name
        by_agency = event.detail.get("by_agency", "An agency")
        if event.case_id:
            case = _case_of(event)
            sees = _recipient_sees(event, case)
            lines, data = _case_facts(case, title_visible=sees)
            pointer = f"case {case.number}"
            payload = {"event": "case.shared", "case": data}
        else:
            item = event.item
            sees = _recipient_sees(event, item)
            owner = f"{item.owner.name} ({item.owner.ori})"
            lines = [["Kind", item.get_kind_display()], ["Source agency", owner],
                     ["Point of contact", _contact(item.owner)]]
            if sees:
                lines.insert(0, ["Item", item.title])
                lines.append(["Handling", handling_label(item.tlp, item.les)])
            pointer = f"an intelligence item ({item.get_kind_display().lower()})"
            disseminates = sees and item.is_intelligence
            payload = {"event": "item.shared", "item": {
                "id": item.pk, "title": item.title if sees else None, "kind": item.kind,
                "handling": ({"tlp": item.tlp, "les": item.les,
                              "label": handling_label(item.tlp, item.les)} if sees else None)}}
        lines.append(["Shared by", event.detail.get("by_agency", "")])
        lines.append(["Access", f"{recipient}: {level}" if sees
                      else f"{recipient}: withdrawn since; contact the owner agency"])
        payload["level"] = level
        title = f"{by_agency} shared {pointer} with {recipient} ({level})"
        message = _with_inbox({"title": title, "lines": lines, "data": payload}, title)
        if event.item_id and disseminates:
            message["disseminates"] = "The item's title in the notice of its share"
        return message
    if event.kind == Kind.REVIEW_DUE:
        detail = event.detail
        title = (f"28 CFR Part 23 review: {detail['overdue']} overdue, {detail['due']} due today, "
                 f"{detail['soon']} due within 30 days")
        lines = [["Overdue", str(detail["overdue"])], ["Due today", str(detail["due"])],
                 ["Due within 30 days", str(detail["soon"])]]
        data = {"event": "cfr23.review_due", "day": detail["day"], "overdue": detail["overdue"],
                "due": detail["due"], "soon": detail["soon"]}
        return _with_inbox({"title": title, "lines": lines, "data": data}, title)
    if event.kind == Kind.ANNOTATED:
        case = _case_of(event)
        # Followers are told only while they see the case (_followers_told), in-app only.
        lines, data = _case_facts(case, title_visible=True)
        lines.insert(0, ["Annotated by", event.detail.get("by_agency", "")])
        title = f"New annotation on case {case.number}"
        return _with_inbox({"title": title, "lines": lines,
                            "data": {"event": "case.annotated", "case": data}}, title)
    if event.kind == Kind.ACCOUNTS_DISABLED:
        return _accounts_disabled_message(event)
    if event.kind == Kind.CORRECTED:
        return _corrected_message(event)
    if event.kind == Kind.PURGED:
        return _purged_message(event)
    if event.kind == Kind.AUTO_PURGED:
        return _auto_purged_message(event)
    if event.kind == Kind.DECONFLICTION:
        return _deconfliction_message(event)
    if event.kind in (Kind.ACCESS_REQUESTED, Kind.ACCESS_ANSWERED):
        return _access_message(event)
    if event.kind == Kind.WATCHED:
        return _watched_message(event)
    if event.kind == Kind.TASK_ASSIGNED:
        return _task_assigned_message(event)
    if event.kind in RFI_KINDS:
        return _rfi_message(event)
    if event.kind in REFERRAL_KINDS:
        return _referral_message(event)
    raise ValueError(f"unknown notification kind {event.kind!r}")


def _accounts_disabled_message(event):
    """What an agency's admins read of the accounts the daily check disabled: usernames and why,
    nothing else (no case is involved)."""
    detail = event.detail
    count, named = detail["count"], detail["usernames"]
    accounts = "1 account" if count == 1 else f"{count} accounts"
    if detail["reason"] == "expired":
        why = "their expiry date has passed" if count > 1 else "its expiry date has passed"
    else:
        why = f"unused for {detail['days']} days"
    title = f"{accounts} of {event.agency.name} disabled: {why}"
    names = ", ".join(named) + (f" and {count - len(named)} more" if count > len(named) else "")
    lines = [
        ["Accounts", names],
        ["Why", why],
        ["To re-enable", "an admin opens the account's page and re-enables it, with a reason "
                         "(written to the access log)"],
    ]
    message = {"title": title, "lines": lines,
               "data": {"event": "accounts.disabled", "reason": detail["reason"]}}
    message["inbox_title"], message["inbox_lines"] = title, lines
    return message


def _item_pointer(item):
    """What anyone told of an item may read: its number, kind, source agency and contact."""
    owner = item.owner
    lines = [["Record", f"item #{item.pk}"], ["Kind", item.get_kind_display()],
             ["Source agency", f"{owner.name} ({owner.ori})"],
             ["Point of contact", _contact(owner)]]
    data = {"id": item.pk, "kind": item.kind,
            "owner": {"name": owner.name, "ori": owner.ori,
                      "contact": {"name": owner.contact_name, "email": owner.contact_email,
                                  "phone": owner.contact_phone}}}
    return lines, data


def _corrected_message(event):
    """28 CFR 23.20(h): a record that reached the agency was corrected. The fields that changed
    (names, never their text) for everyone told; the title only to an agency that sees the
    record at delivery, which reads the correction on its page."""
    item = event.item
    # Through any of its groups: a record that reached it through a center's share too.
    sees = items_visible_to(event.agency).filter(pk=item.pk).exists()
    fields = event.detail["fields"]
    lines, data = _item_pointer(item)
    if sees:
        lines.insert(0, ["Item", item.title])
        lines.append(["Handling", handling_label(item.tlp, item.les)])
    lines.append(["Changed", ", ".join(fields)])
    lines.append(["Access", "your agency sees the corrected record" if sees
                  else "no longer shared with your agency: contact the source agency"])
    data["title"] = item.title if sees else None
    data["version"] = event.detail["version"]
    title = (f"{event.detail['by_agency']} corrected criminal intelligence it disseminated to "
             f"your agency (item #{item.pk}: {', '.join(fields)} changed)")
    message = _with_inbox({"title": title, "lines": lines,
                           "data": {"event": "item.corrected", "item": data, "changed": fields}},
                          title)
    if sees:
        message["disseminates"] = "The item's title in the notice of its correction"
    return message


def _purged_message(event):
    """28 CFR 23.20(h): a record that reached the agency was purged: destroy every copy. Nothing
    of its content (none is left)."""
    item = event.item
    lines, data = _item_pointer(item)
    lines.append(["Purged", item.purged_at.strftime("%b %-d, %Y") if item.purged_at else ""])
    lines.append(["What to do", "destroy every copy your agency or its systems keep of it "
                                "(28 CFR 23.20(h))"])
    title = (f"{event.detail['by_agency']} purged criminal intelligence it disseminated to "
             f"your agency (item #{item.pk})")
    return _with_inbox({"title": title, "lines": lines,
                        "data": {"event": "item.purged", "item": data,
                                 "purged_at": event.detail["purged_at"]}}, title)


def _auto_purged_message(event):
    """The control official's notice of what the automatic purge of overdue records did."""
    detail = event.detail
    count, named = detail["count"], detail["item_ids"]
    records = "1 overdue record" if count == 1 else f"{count} overdue records"
    title = f"{records} of {event.agency.name} purged automatically (28 CFR 23.20(h))"
    numbers = ", ".join(f"#{pk}" for pk in named)
    if count > len(named):
        numbers += f" and {count - len(named)} more"
    lines = [["Records", numbers],
             ["Why", "not validated by their review date; your agency purges overdue records "
                     "automatically"]]
    message = {"title": title, "lines": lines,
               "data": {"event": "cfr23.auto_purged", "day": detail["day"], "count": count}}
    message["inbox_title"], message["inbox_lines"] = title, lines
    return message


def _object_words(obj):
    if isinstance(obj, Case):
        return "case", f"case {obj.number}"
    return "item", f"{obj.get_kind_display().lower()} #{obj.pk}"


def _link_label(entity_id, obj):
    links = CaseEntity if isinstance(obj, Case) else ItemEntity
    field = "case_id" if isinstance(obj, Case) else "item_id"
    return links.objects.filter(entity_id=entity_id, **{field: obj.pk}).values_list(
        "label", flat=True).first() or ""


def _deconfliction_message(event):
    """Blind deconfliction. To the agency that just linked the subject: that another agency
    holds a record on it, and its point of contact; no title, number, marking or content of
    that record. To the agency that held it: which agency linked the same subject to what (the
    title of that record only if it may see it) and that agency's contact, beside its own
    record."""
    match = (SubjectMatch.objects.select_related(
        "new_agency", "held_agency", "new_case", "new_item", "held_case", "held_item",
        "entity").get(pk=event.detail["match_id"]))
    kind = match.entity.get_kind_display()
    if event.detail["side"] == "new":
        mine, other = match.new_object, match.held_agency
        label = _link_label(match.entity_id, mine)
        noun, words = _object_words(mine)
        title = f"Another agency holds a record on a subject you linked ({kind}: {label})"
        lines = [["Subject", f"{kind}: {label}"], ["Your record", words],
                 ["Contact", f"{other.name} ({other.ori}): {_contact(other)}"],
                 ["What to do", "contact them before you act; their record is not shared with "
                                "you, and you may request access to it"]]
        data = {"event": "deconfliction.match", "side": "linked",
                "subject": {"kind": match.entity.kind, "label": label},
                "your_record": {"type": noun, "id": mine.pk},
                "contact": {"agency": other.name, "ori": other.ori,
                            "name": other.contact_name, "email": other.contact_email,
                            "phone": other.contact_phone}}
    else:
        mine, theirs, other = match.held_object, match.new_object, match.new_agency
        label = _link_label(match.held_entity_id, mine)
        noun, words = _object_words(mine)
        their_noun, _ = _object_words(theirs)
        visible = cases_visible_to if their_noun == "case" else items_visible_to
        their_title = theirs.title if visible(event.agency).filter(pk=theirs.pk).exists() else None
        title = f"{other.name} linked a subject your agency holds ({kind}: {label})"
        lines = [["Subject", f"{kind}: {label}"], ["Your record", words],
                 ["Their record", f"a {their_noun} of {other.name}"
                  + (f": {their_title}" if their_title else " (not shared with you)")],
                 ["Contact", f"{other.name} ({other.ori}): {_contact(other)}"],
                 ["Match", match.get_kind_display().lower()
                  + (f", score {match.score:.0f}" if match.score is not None else "")]]
        data = {"event": "deconfliction.match", "side": "held",
                "subject": {"kind": match.entity.kind, "label": label},
                "your_record": {"type": noun, "id": mine.pk, "title": mine.title},
                "their_record": {"type": their_noun, "agency": other.name, "ori": other.ori,
                                 "title": their_title},
                "contact": {"agency": other.name, "ori": other.ori,
                            "name": other.contact_name, "email": other.contact_email,
                            "phone": other.contact_phone},
                "match": match.kind, "score": match.score}
    message = {"title": title, "lines": lines, "data": data}
    # In-app: the subject as the reader's agency wrote it, its own record and the contact; the
    # other record's title is never kept (the reader's access to it may end).
    message["inbox_title"] = title
    message["inbox_lines"] = [line for line in lines
                              if line[0] in ("Subject", "Your record", "Contact", "What to do",
                                             "Match")] + (
        [["Their record", f"a {their_noun} of {other.name}"]] if event.detail["side"] == "held"
        else [])
    return message


def _access_message(event):
    """An access request, to the owner (which record, who asks, why, whom to contact), and its
    answer, to the agency that asked (the owner's decision and answer; the record's title only
    by the inbox, once the share lets it see the record)."""
    request = AccessRequest.objects.select_related(
        "case", "item", "owner", "requester", "requested_by").get(pk=event.detail["request_id"])
    record = request.subject
    noun, words = _object_words(record)
    if event.kind == Kind.ACCESS_REQUESTED:
        asker = request.requester
        person = request.requested_by.get_full_name() or request.requested_by.username
        title = f"{asker.name} asks for access to {words}"
        lines = [["Record", f"{words}: {record.title}"],
                 ["Requested by", f"{person}, {asker.name} ({asker.ori})"],
                 ["Reason", request.reason], ["Point of contact", _contact(asker)],
                 ["What to do", "grant or decline it under Access requests"]]
        data = {"event": "access.requested", "request_id": request.pk,
                "record": {"type": noun, "id": record.pk, "title": record.title},
                "requester": {"name": asker.name, "ori": asker.ori}, "reason": request.reason}
        inbox = [line for line in lines if line[0] != "Record"]
    else:
        owner = request.owner
        granted = request.status == AccessRequest.Status.GRANTED
        level = Level(request.level).label.lower() if granted else None
        title = (f"{owner.name} granted your agency access ({level})" if granted
                 else f"{owner.name} declined your agency's request for access")
        lines = [["Access", level or "none"], ["Point of contact", _contact(owner)]]
        if request.answer:
            lines.insert(1, ["Answer", request.answer])
        data = {"event": "access.answered", "request_id": request.pk, "granted": granted,
                "level": level, "answer": request.answer,
                "record": {"type": noun, "id": record.pk} if granted else None,
                "owner": {"name": owner.name, "ori": owner.ori}}
        inbox = lines
    return {"title": title, "lines": lines, "data": data, "inbox_title": title,
            "inbox_lines": inbox}


def _watched_message(event):
    """To a watcher: the record that now links the subject, if its agency saw it when it was
    linked (the title only by the inbox, at read time); else the agency that linked it and its
    contact, nothing of the record."""
    detail = event.detail
    kind = dict(Entity.Kind.choices).get(detail["kind"], detail["kind"])
    linker = Agency.objects.get(pk=detail["by_agency_id"])
    subject = f"{kind}: {detail['label']}"
    if detail["sees"]:
        record = event.case or event.item
        noun, words = _object_words(record)
        title = f"A subject you watch was linked to {words} ({subject})"
        lines = [["Subject", subject], ["Linked by", f"{linker.name} ({linker.ori})"]]
        data = {"event": "subject.watched", "subject": {"kind": detail["kind"],
                                                        "label": detail["label"]},
                "record": {"type": noun, "id": record.pk}}
    else:
        title = f"Another agency linked a subject you watch ({subject})"
        lines = [["Subject", subject],
                 ["Contact", f"{linker.name} ({linker.ori}): {_contact(linker)}"],
                 ["What to do", "contact them; their record is not shared with your agency"]]
        data = {"event": "subject.watched", "subject": {"kind": detail["kind"],
                                                        "label": detail["label"]},
                "contact": {"agency": linker.name, "ori": linker.ori}}
    return {"title": title, "lines": lines, "data": data, "inbox_title": title,
            "inbox_lines": lines}


def _task_assigned_message(event):
    """To the person a task was assigned to: who assigned it, on which case (its pointer), and,
    only while the assignee's agency sees the case at delivery, the case's title and the task
    itself. The inbox keeps the pointer; it shows the case's title when it is read, to a reader
    who sees the case then (notifications.selectors)."""
    detail = event.detail
    case = _case_of(event)
    assignee = User.objects.select_related("agency").filter(pk=detail["user_id"]).first()
    sees = (assignee is not None and assignee.is_active
            and cases_visible_to(assignee).filter(pk=case.pk).exists())
    task = CaseTask.objects.filter(pk=detail["task_id"], case_id=case.pk).first() if sees else None
    lines, data = _case_facts(case, title_visible=sees)
    lines.insert(0, ["Assigned by", detail["by_agency"]])
    if task is not None:
        lines.insert(1, ["Task", task.title])
        if task.due_date is not None:
            lines.insert(2, ["Due", task.due_date.strftime("%b %-d, %Y")])
    lines.append(["Access", "your agency sees the case" if sees
                  else "the case is no longer shared with your agency: contact the owner agency"])
    title = f"{detail['by_agency']} assigned you a task on case {case.number}"
    payload = {"event": "task.assigned", "case": data,
               "task": {"id": detail["task_id"], "title": task.title if task else None,
                        "due_date": task.due_date.isoformat() if task and task.due_date else None}}
    return _with_inbox({"title": title, "lines": lines, "data": payload}, title)


def _rfi_message(event):
    """A request for information addressed, due soon, overdue or answered: its pointer, who
    asks, to whom, by when; its title only where the audience (the person, else the agency or
    center) sees the RFI at delivery."""
    item = event.item
    detail = event.detail
    if "user_id" in detail:
        person = User.objects.select_related("agency").filter(pk=detail["user_id"]).first()
        sees = (person is not None and person.is_active
                and items_visible_to(person).filter(pk=item.pk).exists())
    else:
        sees = _recipient_sees(event, item)
    lines, data = _item_pointer(item)
    due = date.fromisoformat(detail["due"])
    lines.insert(0, ["Asked by", f"{item.owner.name} ({item.owner.ori})"])
    lines.append(["Due", due.strftime("%b %-d, %Y")])
    if sees:
        lines.insert(0, ["Item", item.title])
        lines.append(["Handling", handling_label(item.tlp, item.les)])
    lines.append(["Access", "you see the request" if sees
                  else "not shared with you: contact the source agency"])
    what = {Kind.RFI_ADDRESSED: "addressed to you", Kind.RFI_REMINDER: "due tomorrow",
            Kind.RFI_OVERDUE: "overdue", Kind.RFI_ANSWERED: "answered"}[event.kind]
    title = f"Request for information #{item.pk} from {item.owner.name} {what} (due {due:%b %-d, %Y})"
    data["title"] = item.title if sees else None
    payload = {"event": f"rfi.{event.kind.removeprefix('rfi_')}", "item": data,
               "due": detail["due"]}
    return _with_inbox({"title": title, "lines": lines, "data": payload}, title)


def _referral_message(event):
    """A referral made, acknowledged, closed, withdrawn, due soon or overdue: the referred
    object's pointer, who referred it to whom, by when, its status; the object's title, the
    instructions and the outcome's text only where the audience (the person, else the agency)
    sees the object at delivery."""
    referral = (Referral.objects.select_related("from_agency", "to_agency")
                .get(pk=event.detail["referral_id"]))
    obj = _case_of(event) if event.case_id else event.item
    if "user_id" in event.detail:
        person = User.objects.select_related("agency").filter(pk=event.detail["user_id"]).first()
        visible = cases_visible_to if event.case_id else items_visible_to
        sees = (person is not None and person.is_active
                and visible(person).filter(pk=obj.pk).exists())
    else:
        sees = _recipient_sees(event, obj)
    noun, words = _object_words(obj)
    if event.case_id:
        lines, data = _case_facts(obj, title_visible=sees)
    else:
        lines, data = _item_pointer(obj)
        data["title"] = obj.title if sees else None
        if sees:
            lines.insert(0, ["Item", obj.title])
    due = date.fromisoformat(event.detail["due"])
    lines[:0] = [["Referred by", f"{referral.from_agency.name} ({referral.from_agency.ori})"],
                 ["Addressed to", f"{referral.to_agency.name} ({referral.to_agency.ori})"]]
    lines.append(["Due", due.strftime("%b %-d, %Y")])
    lines.append(["Status", referral.get_status_display()])
    if referral.outcome:
        lines.append(["Outcome", referral.get_outcome_display()])
    if sees:
        lines.append(["Instructions", referral.instructions])
        if referral.outcome_text:
            lines.append(["What was done", referral.outcome_text])
    lines.append(["Access", "you see the referred record" if sees
                  else "not shared with you: contact the referring agency"])
    what = {Kind.REFERRED: "referred to", Kind.REFERRAL_ACKED: "acknowledged by",
            Kind.REFERRAL_CLOSED: "closed by", Kind.REFERRAL_WITHDRAWN: "withdrawn from",
            Kind.REFERRAL_REMINDER: "due tomorrow at",
            Kind.REFERRAL_OVERDUE: "overdue at"}[event.kind]
    title = (f"Referral #{referral.pk} of {words} {what} {referral.to_agency.name} "
             f"(due {due:%b %-d, %Y})")
    payload = {"event": f"referral.{event.kind.removeprefix('referral_')}", noun: data,
               "referral": {"id": referral.pk, "status": referral.status,
                            "outcome": referral.outcome or None, "due": event.detail["due"],
                            "from_agency": referral.from_agency.ori,
                            "to_agency": referral.to_agency.ori}}
    message = _with_inbox({"title": title, "lines": lines, "data": payload}, title)
    if sees and getattr(obj, "is_intelligence", False) and "user_id" not in event.detail:
        # 28 CFR 23.20(g): the item's title reaches the addressed agency by this notice.
        message["disseminates"] = "The item's title in the notice of its referral"
    return message


def _agency_admins(agency_id):
    """The active people who administer the agency's users (never an API key's account)."""
    return User.objects.filter(
        agency_id=agency_id, role=User.Role.AGENCY_ADMIN, is_active=True, api_key__isnull=True
    )


def _accounts_admins(agency_id):
    """Who hears of an agency's disabled accounts: its agency admins; an agency without one is
    administered by its centers, so then the admins of the centers it is an active member of."""
    admins = _agency_admins(agency_id)
    if admins.exists():
        return admins
    centers = Membership.objects.filter(
        agency_id=agency_id, status=Membership.Status.ACTIVE).values("center_id")
    return User.objects.filter(
        pk__in=CenterAdmin.objects.filter(center_id__in=centers).values("user_id"),
        is_active=True, api_key__isnull=True,
    )


def _with_inbox(message, inbox_title):
    message["inbox_title"] = inbox_title
    message["inbox_lines"] = [line for line in message["lines"] if line[0] in POINTER_LINES]
    return message


def _members_told(event):
    """The agencies of a center event's audience: its active members; of an event about an
    item under 28 CFR Part 23, the law-enforcement ones only (23.20(e): criminal intelligence
    reaches nobody else, nor does word of it)."""
    members = Membership.objects.filter(center_id=event.center_id, status=Membership.Status.ACTIVE)
    if event.item_id and event.item.intelligence_status:
        members = members.filter(agency__law_enforcement=True)
    return members.values("agency_id")


def _audience_users_for_email(event):
    if event.kind == Kind.ACCOUNTS_DISABLED:
        return _accounts_admins(event.agency_id).exclude(email="")
    if event.center_id:
        # The center's admins whose own agency is an active member: a suspended or removed
        # member's admin no longer reads what the center is told.
        admins = CenterAdmin.objects.filter(center_id=event.center_id).values("user_id")
        members = _members_told(event)
        return User.objects.filter(
            pk__in=admins, agency_id__in=members, is_active=True
        ).exclude(email="")
    if event.agency_id:
        return _agency_admins(event.agency_id).exclude(email="")
    return User.objects.none()


def _audience_endpoints(event):
    if event.center_id:
        members = _members_told(event)
        return WebhookEndpoint.objects.filter(agency_id__in=members, is_active=True)
    if event.agency_id:
        return WebhookEndpoint.objects.filter(agency_id=event.agency_id, is_active=True)
    return WebhookEndpoint.objects.none()


def _followers_told(event):
    """Followers of the annotated case whose agency still sees it, other than the author."""
    followers = (
        Follow.objects.filter(case_id=event.case_id)
        .exclude(user_id=event.actor_id)
        .select_related("user__agency")
    )
    told = []
    for follow in followers:
        sees = cases_visible_to(follow.user).filter(pk=event.case_id).exists()
        if follow.user.is_active and sees:
            told.append(follow.user)
    return told


def _record_dissemination(event, message):
    """28 CFR 23.20(g): a notice that carries a criminal intelligence record's content (its
    title, to an audience that sees it) lands in the record's dissemination record, once per
    event: written in the delivery's transaction, found again by the event's time if an earlier
    attempt of the event committed it."""
    if not message.get("disseminates"):
        return
    recipient = ({"recipient_center_id": event.center_id} if event.center_id
                 else {"recipient_agency_id": event.agency_id})
    if Dissemination.objects.filter(item_id=event.item_id, channel=Dissemination.Channel.NOTIFICATION,
                                    at=event.created_at, **recipient).exists():
        return
    label = (f"every member agency of {event.center.label}" if event.center_id
             else f"{event.agency.name} ({event.agency.ori})")
    Dissemination.objects.create(
        item_id=event.item_id, channel=Dissemination.Channel.NOTIFICATION, at=event.created_at,
        recipient_label=label, reason=message["disseminates"], by_id=event.actor_id, **recipient,
    )


def _fan_out(event, message, *, first):
    """Write the in-app notifications, e-mail rows and webhook rows of the event, each once: one
    INSERT per kind whatever the audience's size. Returns (the e-mail rows left to send, the
    webhook delivery ids left to attempt).

    `first`: no earlier attempt of the event committed anything (the claim and the fan-out are
    one transaction), so the rows written are all there are. Otherwise a row already there is
    left as it is, and what is left to do is read back.
    """
    common = {"event": event, "kind": event.kind, "case_id": event.case_id,
              "item_id": event.item_id, "title": message["inbox_title"][:300],
              "lines": message["inbox_lines"]}
    if event.kind == Kind.ANNOTATED:
        audiences = [{"user": user} for user in _followers_told(event)]
    elif event.kind == Kind.ACCOUNTS_DISABLED:
        # The agency's admins (or its centers'), each in their own inbox: analysts are not told.
        audiences = [{"user": user} for user in _accounts_admins(event.agency_id)]
    elif event.kind in (Kind.REVIEW_DUE, Kind.AUTO_PURGED):
        audiences = [{"user_id": event.detail["official_id"]}]
    elif event.kind in (Kind.WATCHED, Kind.TASK_ASSIGNED) or (
            event.kind in PERSON_KINDS and "user_id" in event.detail):
        audiences = [{"user_id": event.detail["user_id"]}]
    elif event.center_id:
        audiences = [{"center_id": event.center_id}]
    else:
        audiences = [{"agency_id": event.agency_id}]
    Notification.objects.bulk_create(
        [Notification(**audience, **common) for audience in audiences], ignore_conflicts=not first
    )
    if event.kind == Kind.ANNOTATED:
        return [], []  # in-app only: followers asked for their inbox, not their mailbox
    if event.kind in (Kind.REVIEW_DUE, Kind.AUTO_PURGED, Kind.WATCHED, Kind.TASK_ASSIGNED) or (
            event.kind in PERSON_KINDS and "user_id" in event.detail):
        # One person (the control official, the watcher, the assignee), in the inbox and by
        # e-mail; no partner system.
        person = event.detail.get("official_id") or event.detail.get("user_id")
        official = User.objects.filter(pk=person, is_active=True).exclude(email="").first()
        emails = EmailDelivery.objects.bulk_create(
            [EmailDelivery(event=event, user=official, address=official.email)] if official else [],
            ignore_conflicts=not first,
        )
        if first:
            return emails, []
        return list(EmailDelivery.objects.filter(event=event).exclude(
            status=Delivery.DELIVERED)), []
    emails = EmailDelivery.objects.bulk_create(
        [EmailDelivery(event=event, user=user, address=user.email)
         for user in _audience_users_for_email(event)],
        ignore_conflicts=not first,
    )
    # Accounts are the agency's own business, not its partner systems'.
    endpoints = [] if event.kind == Kind.ACCOUNTS_DISABLED else _audience_endpoints(event)
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(event=event, endpoint=endpoint, payload=message["data"])
         for endpoint in endpoints],
        ignore_conflicts=not first,
    )
    if first:
        return emails, [delivery.pk for delivery in deliveries]
    emails = list(EmailDelivery.objects.filter(event=event).exclude(status=Delivery.DELIVERED))
    webhook_ids = list(WebhookDelivery.objects.filter(event=event, status=Delivery.PENDING)
                       .values_list("pk", flat=True))
    return emails, webhook_ids


def _email_text(message):
    body = [message["title"], ""]
    body += [f"{label}: {value}" for label, value in message["lines"]]
    body += ["", "Open FusionPortal to read it in your notifications.",
             "Handle this message by its marking."]
    return "\n".join(body)


def _send_emails(emails, message, now):
    for email in emails:
        if not claim(EmailDelivery, email.pk, now=now):
            continue
        try:
            EmailMessage(
                subject=f"[FusionPortal] {message['title']}"[:200],
                body=_email_text(message),
                to=[email.address],
            ).send()
        except Exception as error:
            EmailDelivery.objects.filter(pk=email.pk).update(
                status=Delivery.PENDING, last_error=str(error)[:1000]
            )
            raise
        EmailDelivery.objects.filter(pk=email.pk).update(
            status=Delivery.DELIVERED, sent_at=timezone.now(), last_error=""
        )


def event_deliver(*, event_id, now=None):
    """Deliver one outbox event, once. Returns the webhook delivery ids to attempt, or None when
    another task holds (or finished) the event.

    The claim, the message, every row of the fan-out and (when no e-mail is left to send) the
    event's delivered mark are one transaction: a worker that dies half-way leaves the event
    pending for the sweep, with nothing written. E-mails go out after that commit (a mail server
    is no part of the transaction); the event is marked delivered once they have.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            if not claim(OutboxEvent, event_id, now=now):
                return None
            event = (OutboxEvent.objects.select_related("center", "agency", "item__owner")
                     .get(pk=event_id))
            message = compose(event)
            _record_dissemination(event, message)
            emails, webhook_ids = _fan_out(event, message, first=event.attempts == 1)
            if not emails:
                _mark_delivered(event_id, now)
        if emails:
            _send_emails(emails, message, now)
            _mark_delivered(event_id, now)
    except Exception as error:
        # Held by this task (e-mails failed after the commit) or pending again (rolled back).
        OutboxEvent.objects.filter(Q(claimed_at=now) | Q(status=Delivery.PENDING), pk=event_id).update(
            status=Delivery.PENDING, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    return webhook_ids


def _mark_delivered(event_id, now):
    OutboxEvent.objects.filter(pk=event_id, claimed_at=now).update(
        status=Delivery.DELIVERED, delivered_at=timezone.now(), last_error=""
    )


def outbox_sweep(*, now=None):
    """What a crash left behind: events not delivered `sweep_after()` seconds after they were
    written (or whose claim expired), and webhook deliveries overdue by as much, as (event ids,
    webhook delivery ids) for the caller (notifications.tasks) to hand to the workers."""
    now = now or timezone.now()
    overdue = now - timedelta(seconds=sweep_after())
    stale = now - timedelta(seconds=claim_lease())
    events = list(
        OutboxEvent.objects.filter(
            Q(status=Delivery.PENDING, created_at__lt=overdue)
            | Q(status=Delivery.DELIVERING, claimed_at__lt=stale)
        ).order_by("created_at").values_list("pk", flat=True)[:1000]
    )
    webhooks = list(
        WebhookDelivery.objects.filter(
            Q(status=Delivery.PENDING, next_attempt_at__lt=overdue)
            | Q(status=Delivery.DELIVERING, claimed_at__lt=stale)
        ).order_by("next_attempt_at").values_list("pk", flat=True)[:1000]
    )
    return events, webhooks
