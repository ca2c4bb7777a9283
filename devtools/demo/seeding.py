"""Seeding the demo network, idempotently and through the services.

Layer by layer (centers, agencies with their memberships, people, cases, stand-alone items),
what already exists is detected with one query per layer and skipped, so that a second run
writes nothing and takes a few queries. Only what a layer creates gets its dependants: a
membership or a center-admin role that someone removed in the running demo stays removed.

Cases, items, entities, annotations and shares are created by the services of cases and
sharing, as the people of the story would, so that permission rows, timeline and access log
agree. Each step of a story runs at the moment the story gives it (the clock is set there with
time-machine), so that everything the step writes carries that moment: the case, its timeline,
the access-log rows (append-only, they cannot be moved afterwards) and the outbox events. The
notifications, delivered after the seeding commits, take the moment of their event.
"""

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import time_machine
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.utils import timezone

from agencies.models import Agency, CenterAdmin, FusionCenter, Membership, User
from cases import intelligence as cfr23
from cases import services as case_services
from cases.models import (
    Case,
    IntelligenceItem,
)
from notifications.models import Notification, OutboxEvent
from products.models import DistributionList
from sharing.models import Share
from sharing.permissions import network_group
from work import services as work_services
from work.models import Referral
from work.tasks import remind_and_escalate, remind_and_escalate_referrals

from .network import AGENCIES, CFIX, DEMO_LOGINS, DEMO_PASSWORD, USERS, load_centers
from .second_factors import seed_second_factors
from .stories import CASES, REFERRALS, STANDALONE_ITEMS
from .tips import seed_tips


class StoryClock:
    """Moments of a story, evenly spread from `days_ago` over `span_days`, in office hours
    (8 am to 6 pm US Eastern), all at least two hours in the past."""

    OFFICE_OPENS_UTC = 13
    OFFICE_HOURS = 10

    def __init__(self, now, *, days_ago, span_days, steps):
        self.latest = now - timedelta(hours=2)
        self.first_day = (now - timedelta(days=days_ago)).replace(
            hour=self.OFFICE_OPENS_UTC, minute=0, second=0, microsecond=0
        )
        # Each story starts at its own time of day, so that lists do not all read 8 am.
        self.offset = ((days_ago * 47) % 60) / 100
        self.span_days = max(0, min(span_days, days_ago - 1))
        self.steps = max(steps, 1)
        self.done = 0

    def tick(self):
        position = min(self.done, self.steps - 1)
        self.done += 1
        fraction = position / (self.steps - 1) if self.steps > 1 else 0
        moment = self.offset + self.span_days * fraction
        day = int(moment)
        hours = (moment - day) * self.OFFICE_HOURS
        return min(self.first_day + timedelta(days=day, hours=hours), self.latest)


@dataclass
class Story:
    """What one story has created so far, to date it."""

    clock: StoryClock
    case: Case | None = None
    item_ids: list = field(default_factory=list)


# What a service raises when it refuses a step: a demo person changed agency or lost access.
REFUSALS = (ValidationError, PermissionDenied, Http404)


class DemoSeeder:
    def __init__(self):
        self.started = timezone.now()
        self.created = Counter()
        # Stories a service refused, with its reason: the rest of the demo is seeded without them.
        self.skipped = []
        self._password_hash = None

    @transaction.atomic
    def run(self):
        # Created first, so that every person's memoised visibility includes it.
        network_group()
        self.centers = self._seed_centers()
        self.agencies = self._seed_agencies()
        self.users = self._seed_users()
        self._seed_distribution_lists()
        made = seed_second_factors(list(self.users.values()))
        if made:
            self.created["authenticators"] += made
        self._seed_cases()
        self._seed_standalone_items()
        seed_tips(self)
        self._seed_referrals()
        return self

    # The network ---------------------------------------------------------------------------

    def _seed_centers(self):
        """Every center of the CSV, keyed by (short name, state). A center an admin renamed is
        still recognised by its short name, and a state's primary center by its state."""
        existing = list(FusionCenter.objects.all())
        by_name = {center.name: center for center in existing}
        by_ref = {(c.short_name, c.state): c for c in existing if c.short_name}
        primary_of = {c.state: c for c in existing if c.kind == FusionCenter.Kind.PRIMARY}
        resolved = {}
        for row in load_centers():
            center = (
                by_name.get(row.name)
                or (by_ref.get(row.ref) if row.short_name else None)
                or (primary_of.get(row.state) if row.kind == FusionCenter.Kind.PRIMARY else None)
            )
            if center is None:
                center = FusionCenter(
                    name=row.name, short_name=row.short_name, state=row.state, kind=row.kind
                )
                center.full_clean(exclude=["group"])
                center.save()
                self.created["fusion centers"] += 1
            resolved[row.ref] = center
        return resolved

    def _seed_agencies(self):
        existing = {a.ori: a for a in Agency.objects.filter(ori__in=[s.ori for s in AGENCIES])}
        agencies = {}
        for spec in AGENCIES:
            agency = existing.get(spec.ori)
            if agency is None:
                agency = Agency(
                    name=spec.name, ori=spec.ori, level=spec.level, home_state=spec.state,
                    contact_name=spec.contact, contact_email=spec.contact_email,
                    contact_phone=spec.phone, foreign_partner=spec.foreign_partner,
                )
                agency.full_clean(exclude=["group"])
                agency.save()
                self.created["agencies"] += 1
                self._seed_memberships(agency, spec)
            agencies[spec.code] = agency
        return agencies

    def _seed_distribution_lists(self):
        """CFIX's lists: its member agencies, and its foreign partners."""
        cfix = self.centers[CFIX]
        members, _ = DistributionList.objects.get_or_create(
            center=cfix, name="CFIX member agencies", defaults={"all_members": True})
        partners, made = DistributionList.objects.get_or_create(
            center=cfix, name="Members and foreign partners", defaults={"all_members": True})
        if made:
            partners.agencies.set([self.agencies["europol"], self.agencies["interpol"]])

    def _seed_memberships(self, agency, spec):
        memberships = {}
        for position, ref in enumerate(spec.centers):
            center = self.centers[ref]
            # In a database where one center stands for two of the list, one membership.
            memberships.setdefault(center.pk, Membership(
                center=center, agency=agency,
                status=(Membership.Status.SUSPENDED if ref in spec.suspended_in
                        else Membership.Status.ACTIVE),
                # Urban-area centers came after the state's: a few years later.
                since=spec.member_since + timedelta(days=400 * position),
            ))
        memberships = list(memberships.values())
        Membership.objects.bulk_create(memberships)
        self.created["memberships"] += len(memberships)

    def _seed_users(self):
        existing = {
            u.username: u
            for u in User.objects.filter(username__in=[s.username for s in USERS])
            .select_related("agency")
        }
        for index, spec in enumerate(USERS):
            if spec.username in existing:
                continue
            if self._password_hash is None:
                # One hash for every demo account: hashing ~100 times would take a minute.
                self._password_hash = make_password(DEMO_PASSWORD)
            agency = self.agencies[spec.agency] if spec.agency else None
            domain = "example.com"
            if spec.agency:
                domain = f"{spec.agency.replace('_', '-')}.example.com"
            user = User(
                username=spec.username, first_name=spec.first_name, last_name=spec.last_name,
                email=f"{spec.username.replace('_', '.')}@{domain}", agency=agency,
                role=spec.role, is_superuser=spec.superuser, is_staff=spec.superuser,
                intelligence_reviewer=spec.intelligence_reviewer, password=self._password_hash,
                date_joined=self.started - timedelta(days=900 - 3 * index),
            )
            user.full_clean(exclude=["password"])
            user.save()
            self.created["users"] += 1
            for ref in spec.center_admin_of:
                CenterAdmin.objects.create(
                    user=user, center=self.centers[ref], since=user.date_joined
                )
                self.created["center admin roles"] += 1
            existing[spec.username] = user
        return existing

    # Cases and items -----------------------------------------------------------------------

    def _seed_cases(self):
        # The seeding checks what it wrote itself, for no user: not a read through permissions.
        existing = set(
            Case.objects.filter(number__in=[spec.number for spec in CASES])
            .values_list("owner_id", "number")
        )
        for spec in CASES:
            if (self.users[spec.by].agency_id, spec.number) not in existing:
                self._attempt(f"case {spec.number}", self._tell_case, spec)

    def _seed_standalone_items(self):
        existing = set(
            IntelligenceItem.objects.filter(
                case__isnull=True, title__in=[spec.title for spec in STANDALONE_ITEMS]
            ).values_list("owner_id", "title")
        )
        # A purged record keeps no title: it is known by its agency and the purge's reason.
        purged = set(
            IntelligenceItem.objects.filter(
                intelligence_status=cfr23.Status.PURGED,
                purge_reason__in=[spec.purged for spec in STANDALONE_ITEMS if spec.purged],
            ).values_list("owner_id", "purge_reason")
        )
        for spec in STANDALONE_ITEMS:
            owner = self.users[spec.by].agency_id
            if (owner, spec.title) in existing or (owner, spec.purged) in purged:
                continue
            clock = StoryClock(
                self.started, days_ago=spec.days_ago, span_days=min(spec.days_ago, 10),
                steps=spec.step_count(),
            )
            self._attempt(f"item {spec.title!r}", self._tell_item, spec, Story(clock=clock))

    def _seed_referrals(self):
        for spec in REFERRALS:
            by = self.users[spec.by]
            if spec.case_number:
                obj = Case.objects.filter(owner_id=by.agency_id, number=spec.case_number).first()
            else:
                obj = IntelligenceItem.objects.filter(owner_id=by.agency_id,
                                                      title=spec.item_title).first()
            field = "case" if spec.case_number else "item"
            to = self.agencies[spec.to]
            if obj is None or Referral.objects.filter(**{field: obj}, to_agency=to).exists():
                continue
            self._attempt(f"referral of {obj} to {to.name}", self._tell_referral, spec, obj, to)
        # What the beat task would do at once: the overdue ones are escalated (once each).
        remind_and_escalate_referrals(now=self.started)

    def _tell_referral(self, spec, obj, to):
        """Referred `days_ago` in office hours; acknowledged the next day and closed the day
        after, when the story says so."""
        at = (self.started - timedelta(days=spec.days_ago)).replace(hour=14, minute=30)
        due = timezone.localdate(self.started) + timedelta(days=spec.due_in_days)
        with time_machine.travel(at, tick=False):
            referral = work_services.refer(obj=obj, by=self.users[spec.by], agency=to,
                                           due_date=due, instructions=spec.instructions)
        self.created["referrals"] += 1
        handler = self.users.get(spec.handled_by)
        if spec.acknowledged:
            with time_machine.travel(at + timedelta(days=1), tick=False):
                referral = work_services.referral_acknowledge(referral=referral, by=handler)
        if spec.outcome:
            with time_machine.travel(at + timedelta(days=2), tick=False):
                work_services.referral_close(referral=referral, by=handler, outcome=spec.outcome,
                                             outcome_text=spec.outcome_text)

    def _attempt(self, label, tell, *args):
        """Tell one story in a savepoint. When the data of a running demo was changed so that a
        service refuses a step (someone moved a demo person to another agency), that story is
        left out whole and named, and `make run` still starts."""
        counted = self.created.copy()
        try:
            with transaction.atomic():
                tell(*args)
        except REFUSALS as error:
            self.created = counted
            reason = "; ".join(getattr(error, "messages", None) or [str(error)])
            self.skipped.append(f"{label}: {reason}")

    @contextmanager
    def _step(self, story):
        """One step of a story, run with the clock at the story's next moment: whatever the
        step writes (rows, timeline, access log, outbox) is stamped with it."""
        at = story.clock.tick()
        with time_machine.travel(at, tick=False):
            yield at

    def _tell_case(self, spec):
        opener = self.users[spec.by]
        story = Story(clock=StoryClock(
            self.started, days_ago=spec.opened_days_ago, span_days=spec.span_days,
            steps=spec.step_count(),
        ))
        with self._step(story):
            case = case_services.case_create(
                by=opener, number=spec.number, title=spec.title, summary=spec.summary,
                lead_center=self.centers[spec.lead], tlp=spec.tlp, les=spec.les,
                jurisdictions=[_place(place) for place in spec.places],
            )
        story.case = case
        self.created["cases"] += 1
        for place in spec.added_places:
            with self._step(story):
                case_services.jurisdiction_add(case=case, by=opener, **_place(place))
        for subject in spec.subjects:
            with self._step(story):
                self._link(subject, by=opener, case=case)
        for share_spec in spec.shares:
            with self._step(story):
                self._share(case, share_spec, creator=opener)
        for item_spec in spec.items:
            self._tell_item(item_spec, story, case=case)
        for note in spec.notes:
            self._annotate(note, story, case=case)
        for task in spec.tasks:
            self._task(task, story, case=case)
        if spec.status != Case.Status.OPEN:
            with self._step(story):
                case.refresh_from_db(fields=["version"])
                case_services.case_update(
                    case=case, by=opener, version=case.version, status=spec.status
                )

    @staticmethod
    def _cfr23_labels(spec, author):
        """A demo record's 28 CFR Part 23 predicate and labels (none for the kinds not under
        the rule, nor for information pending review); its author is its control official."""
        if not cfr23.is_under_rule(spec.kind) or spec.pending:
            return {}
        return {
            "predicate": spec.predicate or (
                "Reasonable suspicion that the subjects traffic persons for commercial sex "
                "(18 U.S.C. 1591), from the facts reported here."),
            "criminal_activity": cfr23.CriminalActivity.HUMAN_TRAFFICKING,
            "no_protected_activity": True,
            "control_official": author,
            "sensitivity": cfr23.Sensitivity.SENSITIVE,
            "source_reliability": cfr23.SourceReliability.B,
            "content_validity": cfr23.ContentValidity.PROBABLE,
        }

    def _tell_item(self, spec, story, case=None, in_response_to=None):
        author = self.users[spec.by]
        with self._step(story) as at:
            review_by = (
                at.date() + timedelta(days=spec.review_in_days) if spec.review_in_days else None
            )
            item = case_services.item_create(
                by=author, kind=spec.kind, title=spec.title, body=spec.body, tlp=spec.tlp,
                les=spec.les, case=case, in_response_to=in_response_to, review_by=review_by,
                behaviours=spec.behaviours, **self._cfr23_labels(spec, author),
            )
        self.created["intelligence items"] += 1
        story.item_ids.append(item.pk)
        if spec.request:
            # Addressed first: the request's share (view) is then raised by the item's own.
            self._request(spec.request, story, rfi=item, asker=author)
        for subject in spec.subjects:
            with self._step(story):
                self._link(subject, by=author, item=item)
        for share_spec in spec.shares:
            with self._step(story):
                self._share(item, share_spec, creator=author)
        for note in spec.notes:
            self._annotate(note, story, item=item)
        for response in spec.responses:
            self._tell_item(response, story, case=case, in_response_to=item)
        if spec.corrected:
            with self._step(story):
                item.refresh_from_db(fields=["version"])
                case_services.item_update(item=item, by=author, version=item.version,
                                          body=spec.corrected)
        if spec.purged:
            with self._step(story):
                reviewer = next(user for user in self.users.values()
                                if user.agency_id == author.agency_id and user.intelligence_reviewer)
                case_services.item_purge(item=item, by=reviewer, reason=spec.purged)

    def _request(self, spec, story, *, rfi, asker):
        """The RFI addressed as the story says (due relative to the day the demo is seeded, so
        that one is overdue), and taken by someone of the addressed side if it is."""
        to_center = isinstance(spec.to, tuple)
        with self._step(story):
            request = work_services.rfi_address(
                rfi=rfi, by=asker,
                due_date=timezone.localdate(self.started) + timedelta(days=spec.due_in_days),
                agency=None if to_center else self.agencies[spec.to],
                center=self.centers[spec.to] if to_center else None,
            )
        self.created["requests for information"] += 1
        if spec.taken_by:
            with self._step(story):
                work_services.rfi_take(request=request, by=self.users[spec.taken_by])

    def _task(self, spec, story, *, case):
        """A task on the case, assigned and due as the story says (due relative to the day the
        demo is seeded, so that some are overdue and some are not), and done if it is."""
        by = self.users[spec.by]
        with self._step(story):
            task = case_services.task_add(
                case=case, by=by, title=spec.title,
                assignee=self.users[spec.assignee] if spec.assignee else None,
                due_date=(timezone.localdate(self.started) + timedelta(days=spec.due_in_days)
                          if spec.due_in_days is not None else None),
            )
        self.created["tasks"] += 1
        if spec.done:
            with self._step(story):
                case_services.task_update(task=task, by=by, version=task.version, status="done")

    def _annotate(self, note, story, *, case=None, item=None):
        """A note, and its later correction when the story has one (kept as a revision)."""
        author = self.users[note.by]
        with self._step(story):
            annotation = case_services.annotation_add(
                by=author, body=note.body, case=case, item=item
            )
        self.created["annotations"] += 1
        if note.revised:
            with self._step(story):
                case_services.annotation_edit(
                    annotation=annotation, by=author, version=annotation.version,
                    body=note.revised,
                )

    def _link(self, subject, *, by, case=None, item=None):
        case_services.entity_link(
            by=by, kind=subject.kind, label=subject.label, role=subject.role, case=case, item=item,
            **subject.keyword_values(),
        )

    def _share(self, obj, spec, *, creator):
        by = self.users[spec.by] if spec.by else creator
        case_services.share_grant(
            obj=obj, by=by, level=spec.level, target=spec.target,
            agency=self.agencies[spec.recipient] if spec.target == Share.Target.AGENCY else None,
            center=self.centers[spec.recipient] if spec.target == Share.Target.CENTER else None,
            reason=getattr(spec, "reason", "") or "Need to know: the recipient works the case.",
        )
        self.created["shares"] += 1


def _place(place):
    state, county, city = place
    return {"state": state, "county": county, "city": city}


# What the command runs and prints -------------------------------------------------------------


def seed_demo():
    """Seed the demo network. Returns the seeder: `created` counts what was created, by kind
    (empty when it all existed); `skipped` names the stories a service refused, and why."""
    seeder = DemoSeeder().run()
    # What beat does hourly: the requests due tomorrow reminded, the overdue ones escalated to
    # the admins of both sides (once each, however often the demo is seeded).
    remind_and_escalate()
    _date_notifications(since=seeder.started)
    return seeder


def _date_notifications(*, since):
    """The in-app notifications of the seeding were delivered when it committed (tasks run in
    process); each takes the moment of its event, the story step that caused it. (With a
    worker, those it has not delivered yet keep the time of their delivery.)"""
    moment = OutboxEvent.objects.filter(pk=OuterRef("event_id")).values("created_at")[:1]
    Notification.objects.filter(created_at__gte=since).update(created_at=Subquery(moment))


def demo_logins():
    """(username, agency name, what to show with it) for the short table of demo logins."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[name for name, _ in DEMO_LOGINS])
        .select_related("agency")
    }
    return [
        (name, users[name].agency.name if users[name].agency else "—", role)
        for name, role in DEMO_LOGINS
        if name in users
    ]


def demo_totals():
    return {
        "fusion centers": FusionCenter.objects.count(),
        "agencies": Agency.objects.count(),
        "users": User.objects.count(),
        "cases": Case.objects.count(),
        "intelligence items": IntelligenceItem.objects.count(),
        "shares": Share.objects.count(),
    }


