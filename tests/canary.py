"""The canary network: a generated network of centers, agencies, cases and items in which every
title, summary, body, annotation, subject and file name carries a unique token, and an oracle
that says which agency may see which token, at which step of the story.

The network is made through the services (cases.services, sharing through share_grant, the
membership services, webhooks.endpoint_register, api_key_create), so the in-app notifications,
e-mails and webhook payloads are the ones the portal really produces. Each step's notifications
are delivered before the next step (as the worker would right after the commit), so a share
withdrawn later was told while it stood.

The oracle is written from DESIGN.md's rules, not from the permission service: an agency sees a
case or item it owns, one shared with it, one shared with a center where its membership is active
at that moment, one shared with the whole network. tests/test_canary.py checks the oracle against
sharing.permissions, then reads every path for every agency and reports each token of an object
the reader's agency may not see.
"""

import copy
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from unittest import mock

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone

from agencies import services as agency_services
from agencies.api_keys import api_key_create
from agencies.models import Agency, ApiKey, CenterAdmin, FusionCenter, Membership, User
from cases import services as case_services
from cases.access import access_request
from cases.intelligence import is_under_rule
from cases.models import Entity, IntelligenceItem, SubjectMatch
from cases.sar import Behaviour
from core.handling import TLP, Level
from notifications import webhooks
from products import services as product_services
from sharing.models import Share
from sharing.services import unshare
from tests.conftest import PASSWORD, cfr23_labels
from work import services as work_services
from work import tip_services
from work.models import Referral, RfiRequest
from work.tasks import remind_and_escalate, remind_and_escalate_referrals

TOKEN = re.compile(r"canary-[a-z]+-\d+-[0-9a-f]{8}", re.IGNORECASE)


@contextmanager
def webhook_bodies_captured(sink):
    """Every webhook the portal sends while this is open is appended to `sink` as
    (endpoint, body bytes), and answered 200 without leaving the process.

    The seam is the one function that sends one delivery (notifications.webhooks.post): the body
    is what webhooks.body_of serialises for it, the bytes a partner receives. If the sender
    moves, re-point this function only."""

    def sent(endpoint, delivery, **_):
        sink.append((endpoint, webhooks.body_of(delivery)))
        return 200, ""

    with mock.patch.object(webhooks, "post", sent):
        yield


@dataclass
class Grant:
    """A share in the plan: an object, a recipient, from which step until which step."""

    obj: tuple
    target: str
    recipient: int | None
    since: int
    until: int | None = None
    record: Share | None = None


@dataclass
class Canary:
    """The generated network and what the oracle knows of it."""

    step: int = 0
    centers: dict = field(default_factory=dict)       # short name -> FusionCenter
    agencies: dict = field(default_factory=dict)      # short name -> Agency
    analysts: dict = field(default_factory=dict)      # short name -> User
    admins: dict = field(default_factory=dict)        # short name -> agency admin User
    center_admins: dict = field(default_factory=dict)  # center short name -> User
    api_keys: dict = field(default_factory=dict)      # short name -> plaintext
    endpoints: dict = field(default_factory=dict)     # endpoint id -> agency id
    owners: dict = field(default_factory=dict)        # ("case"|"item", pk) -> owner agency id
    tokens: dict = field(default_factory=dict)        # token (lower case) -> set of object keys
    token_kind: dict = field(default_factory=dict)    # token -> what it names
    grants: list = field(default_factory=list)
    # (agency id, center id) -> [(since, until)], the intervals of an active membership
    memberships: dict = field(default_factory=dict)
    emails: list = field(default_factory=list)        # (step, EmailMessage)
    webhook_bodies: list = field(default_factory=list)  # (step, agency id, body bytes)
    objects: dict = field(default_factory=dict)       # kind -> [ids]
    retired: set = field(default_factory=set)         # tokens replaced since (an old title)
    # 28 CFR Part 23: item key -> its status ("pending", "intelligence"); agencies outside law
    # enforcement, by id.
    cfr23_status: dict = field(default_factory=dict)
    not_law_enforcement: set = field(default_factory=set)
    # Foreign partners (agency ids), the cases and items marked LES, the finished products, and
    # per portion token the agencies its tearline withholds it from.
    foreign: set = field(default_factory=set)
    les_objects: set = field(default_factory=set)
    products: set = field(default_factory=set)
    withheld_from: dict = field(default_factory=dict)
    counter: int = 0

    def fork(self):
        """A copy whose story can go on (in a test's own savepoint) without changing this one."""
        forked = copy.copy(self)
        for name in ("owners", "tokens", "token_kind", "objects", "memberships", "retired",
                     "cfr23_status", "not_law_enforcement", "foreign", "les_objects", "products",
                     "withheld_from"):
            setattr(forked, name, copy.copy(getattr(self, name)))
        for name in ("grants", "emails", "webhook_bodies"):
            setattr(forked, name, list(getattr(self, name)))
        return forked

    # Tokens ---------------------------------------------------------------------------------

    def token(self, kind, *objects):
        """A new token naming `kind`, belonging to the objects (case/item keys) it is shown with."""
        self.counter += 1
        text = f"CANARY-{kind}-{self.counter}-{secrets.token_hex(4)}"
        self.tokens[text.lower()] = set(objects)
        self.token_kind[text.lower()] = kind
        return text

    def found(self, text):
        """The canary tokens in a text (any case: subject keys are lower-cased)."""
        return {match.lower() for match in TOKEN.findall(text)}

    # The oracle ----------------------------------------------------------------------------

    def active_centers(self, agency_id, at=None):
        at = self.step if at is None else at
        return {
            center_id for (agency, center_id), spans in self.memberships.items()
            if agency == agency_id and any(
                since <= at and (until is None or at < until) for since, until in spans
            )
        }

    def sees(self, agency_id, obj, at=None):
        """DESIGN.md: the owner; a share to the agency, to a center where it is an active member,
        or to the network, standing at step `at` (default: now)."""
        at = self.step if at is None else at
        if self.owners[obj] == agency_id:
            return True
        # 28 CFR Part 23: information pending review is its agency's alone (23.20(a)); criminal
        # intelligence reaches law-enforcement agencies only (23.20(e)), whatever was shared.
        status = self.cfr23_status.get(obj)
        if status == "pending":
            return False
        if status and agency_id in self.not_law_enforcement:
            return False
        # LES and criminal intelligence never reach a foreign partner; a product does, torn.
        if agency_id in self.foreign and obj not in self.products and (
                status or obj in self.les_objects):
            return False
        centers = self.active_centers(agency_id, at)
        for grant in self.grants:
            if grant.obj != obj or grant.since > at or (grant.until is not None and at >= grant.until):
                continue
            if grant.target == Share.Target.NETWORK:
                return True
            if grant.target == Share.Target.AGENCY and grant.recipient == agency_id:
                return True
            if grant.target == Share.Target.CENTER and grant.recipient in centers:
                return True
        return False

    def token_visible(self, agency_id, token, at=None):
        if agency_id in self.withheld_from.get(token, ()):
            return False
        return any(self.sees(agency_id, obj, at) for obj in self.tokens[token])

    def leaks(self, agency_id, text, where, at=None):
        """The tokens in `text` of objects that agency may not see, as readable findings."""
        return [
            f"{where}: {token} ({self.token_kind[token]} of "
            f"{', '.join(f'{k} {pk}' for k, pk in sorted(self.tokens[token]))}) reached "
            f"{self.agency_name(agency_id)}"
            for token in sorted(self.found(text))
            if token in self.tokens and not self.token_visible(agency_id, token, at)
        ]

    def agency_name(self, agency_id):
        return next(short for short, agency in self.agencies.items() if agency.pk == agency_id)

    def visible_keys(self, agency_id, kind):
        return {pk for (k, pk) in self.owners if k == kind and self.sees(agency_id, (k, pk))}

    # Writing the story, one delivered step at a time --------------------------------------------

    @contextmanager
    def next_step(self):
        """One change of the story: its notifications are delivered when it ends, and the e-mails
        and webhook bodies sent are kept with the step (what the oracle judges them against)."""
        self.step += 1
        sent = []
        with webhook_bodies_captured(sent), TestCase.captureOnCommitCallbacks(execute=True):
            yield
        self.emails += [(self.step, message) for message in mail.outbox]
        mail.outbox = []
        self.webhook_bodies += [
            (self.step, self.endpoints[endpoint.pk], body) for endpoint, body in sent
        ]

    def user(self, user):
        """The same user as the next request would read it (no memoised visibility)."""
        return User.objects.select_related("agency").get(pk=user.pk)

    def add_center(self, short, name, state, kind=FusionCenter.Kind.PRIMARY):
        self.centers[short] = FusionCenter.objects.create(
            name=name, short_name=short, state=state, kind=kind
        )

    def add_agency(self, short, name, ori, level, state, *centers, law_enforcement=True,
                   foreign_partner=False):
        agency = Agency.objects.create(
            name=name, ori=ori, level=level, home_state=state,
            contact_name=f"Duty officer, {name}", contact_email=f"duty@{ori.lower()}.example.gov",
            law_enforcement=law_enforcement, foreign_partner=foreign_partner,
        )
        if not law_enforcement:
            self.not_law_enforcement.add(agency.pk)
        if foreign_partner:
            self.foreign.add(agency.pk)
        self.agencies[short] = agency
        for center in centers:
            Membership.objects.create(center=self.centers[center], agency=agency)
            self.memberships[(agency.pk, self.centers[center].pk)] = [(0, None)]
        self.analysts[short] = self._person(f"analyst_{short.lower()}", agency, User.Role.ANALYST)
        self.admins[short] = self._person(f"admin_{short.lower()}", agency, User.Role.AGENCY_ADMIN)
        return agency

    def _person(self, username, agency, role):
        return User.objects.create_user(
            username=username, password=PASSWORD, agency=agency, role=role,
            email=f"{username}@example.gov", first_name=username.title(), last_name="Canary",
        )

    def add_center_admin(self, center, agency):
        user = self._person(f"centeradmin_{center.lower()}", self.agencies[agency],
                            User.Role.AGENCY_ADMIN)
        CenterAdmin.objects.create(user=user, center=self.centers[center])
        self.center_admins[center] = user

    def partner_systems(self):
        """An API key and a webhook for every agency (the webhooks are never really called)."""
        for short, admin in self.admins.items():
            self.api_keys[short] = api_key_create(
                by=admin, name=f"{short} records system", scope=ApiKey.Scope.READ
            ).plaintext
            endpoint = webhooks.endpoint_register(
                by=admin, url=f"https://127.0.0.1/hooks/{short.lower()}"
            )
            self.endpoints[endpoint.pk] = admin.agency_id

    def case(self, owner, number, tlp, states, *, les=False, lead=None, involved=False):
        agency = self.agencies[owner]
        title = self.token("casetitle")
        summary = self.token("casesummary")
        with self.next_step():
            case = case_services.case_create(
                by=self.user(self.analysts[owner]), number=number, title=title, summary=summary,
                lead_center=self.centers[lead or self._home_center(owner)], tlp=tlp, les=les,
                jurisdictions=[{"state": state} for state in states],
                share_with_involved_centers=involved,
            )
        key = ("case", case.pk)
        self.owners[key] = agency.pk
        if les:
            self.les_objects.add(key)
        for token in (title, summary):
            self.tokens[token.lower()] = {key}
        if involved and tlp != TLP.RED:
            # DESIGN.md: the primary center of every other state is given view (never for RED).
            for center in self.centers.values():
                if (center.kind == FusionCenter.Kind.PRIMARY and center.state in states
                        and center.pk != case.lead_center_id):
                    self.grants.append(Grant(key, Share.Target.CENTER, center.pk, self.step))
        self.objects.setdefault("case", []).append(case.pk)
        return case

    def _home_center(self, short):
        agency = self.agencies[short]
        return next(
            center_short for center_short, center in self.centers.items()
            if (agency.pk, center.pk) in self.memberships
        )

    def item(self, owner, kind, tlp, *, case=None, in_response_to=None, les=False, pending=False):
        title = self.token("itemtitle")
        body = self.token("itembody")
        by = self.user(self.analysts[owner])
        labels = cfr23_labels(by) if is_under_rule(kind) and not pending else {}
        behaviours = [Behaviour.PHOTOGRAPHY] if kind == IntelligenceItem.Kind.SAR else []
        with self.next_step():
            item = case_services.item_create(
                by=by, kind=kind, title=title, body=body, tlp=tlp,
                les=les, case=case, in_response_to=in_response_to, behaviours=behaviours,
                **labels,
            )
        key = ("item", item.pk)
        self.owners[key] = self.agencies[owner].pk
        if les:
            self.les_objects.add(key)
        if item.intelligence_status:
            self.cfr23_status[key] = item.intelligence_status
        for token in (title, body):
            self.tokens[token.lower()] = {key}
        if in_response_to is not None and item.share_back_refusal is None:
            self.grants.append(Grant(key, Share.Target.AGENCY, in_response_to.owner_id, self.step))
        self.objects.setdefault("item", []).append(item.pk)
        return item

    def share(self, obj, by, level, *, agency=None, center=None, network=False):
        target = (Share.Target.NETWORK if network else
                  Share.Target.CENTER if center else Share.Target.AGENCY)
        recipient = (None if network else self.centers[center].pk if center
                     else self.agencies[agency].pk)
        with self.next_step():
            record = case_services.share_grant(
                obj=obj, by=self.user(self.analysts[by]), level=level, target=target,
                agency=self.agencies.get(agency), center=self.centers.get(center),
                reason=self.token("sharereason", _key(obj)),
            )
        grant = Grant(_key(obj), target, recipient, self.step, record=record)
        self.grants.append(grant)
        self.objects.setdefault("share", []).append(record.pk)
        return grant

    def product(self, owner, portions, *, to):
        """A finished product of `owner` whose portions are (tlp, les, rel_to shorts, withheld
        from shorts), published to the agencies `to` (each a share by the owner)."""
        title = self.token("producttitle")
        texts = [self.token("portion") for _ in portions]
        with self.next_step():
            product = product_services.product_create(
                by=self.user(self.analysts[owner]), type="bulletin", title=title, portions=[
                    {"text": text, "tlp": tlp, "les": les,
                     "rel_to": [self.agencies[short] for short in rel_to]}
                    for text, (tlp, les, rel_to, _) in zip(texts, portions, strict=True)
                ])
        key = ("item", product.item_id)
        self.owners[key] = self.agencies[owner].pk
        self.products.add(key)
        if product.item.les:
            self.les_objects.add(key)
        self.tokens[title.lower()] = {key}
        for text, (_, _, _, withheld) in zip(texts, portions, strict=True):
            self.tokens[text.lower()] = {key}
            self.withheld_from[text.lower()] = {self.agencies[short].pk for short in withheld}
        with self.next_step():
            releases, refused = product_services.publish(
                product=product, by=self.user(self.analysts[owner]),
                agencies=[self.agencies[short] for short in to],
            )
        assert refused == [], refused
        for release in releases:
            record = Share.objects.get(item_id=product.item_id, target_agency=release.agency)
            self.grants.append(Grant(key, Share.Target.AGENCY, release.agency_id, self.step,
                                     record=record))
            self.objects.setdefault("share", []).append(record.pk)
        self.objects.setdefault("item", []).append(product.item_id)
        return product

    def withdraw(self, grant, by):
        with self.next_step():
            record = Share.objects.get(pk=grant.record.pk)
            unshare(share_record=record, by=self.user(self.analysts[by]))
        grant.until = self.step

    def annotate(self, obj, by, *, edit=False):
        key = _key(obj)
        body = self.token("annotation", key)
        with self.next_step():
            annotation = case_services.annotation_add(
                by=self.user(self.analysts[by]), body=body, **{key[0]: obj}
            )
        if edit:
            self.retired.add(body.lower())
            later = self.token("annotationedit", key)
            with self.next_step():
                annotation = case_services.annotation_edit(
                    annotation=annotation, by=self.user(self.analysts[by]),
                    version=annotation.version, body=later,
                )
        self.objects.setdefault("annotation", []).append(annotation.pk)
        return annotation

    def subject(self, obj, by, kind, *, same_as=None, alias="", born=None):
        """Link a subject of `kind`; its label carries a token, and so does its key where the kind
        lets a key hold one (a name, an e-mail address, a text, an account handle). `same_as`: the
        values of a subject another agency linked (the same normalised key). A person's name may
        go on with an `alias` (its own token first) and be `born` on a given day."""
        key = _key(obj)
        label = self.token("subject", key)
        word = label.lower()
        values = same_as or {
            Entity.Kind.PERSON: {"name": label + alias,
                                 "dob": born or date(1990, 1, 1 + self.counter % 27)},
            Entity.Kind.VEHICLE: {"plate": f"C{self.counter:06d}", "state": "FL"},
            Entity.Kind.VIN: {"vin": f"1HGCM82633A{self.counter:06d}"},
            Entity.Kind.PHONE: {"number": f"+1 504 555 {self.counter % 10000:04d}"},
            Entity.Kind.EMAIL: {"address": f"{word}@example.org"},
            Entity.Kind.ADDRESS: {"text": f"{label} Canal Street, New Orleans"},
            Entity.Kind.ORGANISATION: {"text": label},
            Entity.Kind.ACCOUNT: {"platform": "instagram", "handle": label},
        }[kind]
        with self.next_step():
            entity = case_services.entity_link(
                by=self.user(self.analysts[by]), kind=kind, label=label, role="suspect",
                **{key[0]: obj}, **values,
            )
        self.objects.setdefault("entity", []).append(entity.pk)
        entity.values = values
        return entity

    def watch(self, by, entity):
        """`by`'s analyst watches the key of `entity` (a subject another agency linked)."""
        with self.next_step():
            case_services.watch_set(user=self.user(self.analysts[by]), kind=entity.kind,
                                    **entity.values)

    def request_access(self, by, match, *, of):
        """`by`'s analyst asks for access from the deconfliction notice of `match` to the
        record `of` (the other side); the reason carries a token of that record and of the
        requester's own."""
        with self.next_step():
            request = access_request(
                by=self.user(self.analysts[by]), match_id=match.pk,
                reason=self.token("accessreason", _key(of), _key(match.new_object)),
            )
        self.objects.setdefault("accessrequest", []).append(request.pk)
        return request

    def task(self, case, by, *, assignee=None):
        """A task on `case` by `by`'s analyst, assigned to `assignee`'s analyst (told by e-mail
        and in-app); its title carries a token of the case."""
        title = self.token("task", _key(case))
        with self.next_step():
            task = case_services.task_add(
                case=case, by=self.user(self.analysts[by]), title=title,
                assignee=self.user(self.analysts[assignee]) if assignee else None,
            )
        self.objects.setdefault("task", []).append(task.pk)
        return task

    def rfi_request(self, rfi, by, *, agency=None, center=None, taken_by=None, answered=False,
                    overdue=False):
        """Address an RFI already shared with its addressee (the share is the canary's grant);
        perhaps taken, answered by a response written before, or overdue and escalated."""
        with self.next_step():
            request = work_services.rfi_address(
                rfi=rfi, by=self.user(self.analysts[by]), agency=self.agencies.get(agency),
                center=self.centers.get(center), due_date=timezone.localdate())
            if taken_by:
                request = work_services.rfi_take(request=request,
                                                 by=self.user(self.analysts[taken_by]))
            if answered:
                work_services.rfi_answered(response=rfi.responses.first())
            if overdue:
                RfiRequest.objects.filter(pk=request.pk).update(
                    due_date=timezone.localdate() - timedelta(days=2))
                remind_and_escalate()
        self.objects.setdefault("rfirequest", []).append(request.pk)
        return request

    def referral(self, obj, by, *, agency, acknowledged=False, closed=False, overdue=False):
        """Refer an object already shared with its addressee (the share is the canary's grant,
        so the referral shares nothing more); perhaps acknowledged, closed with an outcome, or
        overdue and escalated. Its instructions and outcome carry tokens of the object."""
        key = _key(obj)
        with self.next_step():
            referral = work_services.refer(
                obj=obj, by=self.user(self.analysts[by]), agency=self.agencies[agency],
                due_date=timezone.localdate(), instructions=self.token("referral", key))
            addressee = self.user(self.analysts[agency])
            if acknowledged:
                referral = work_services.referral_acknowledge(referral=referral, by=addressee)
            if closed:
                referral = work_services.referral_close(
                    referral=referral, by=addressee, outcome="action_taken",
                    outcome_text=self.token("outcome", key))
            if overdue:
                Referral.objects.filter(pk=referral.pk).update(
                    due_date=timezone.localdate() - timedelta(days=2))
                remind_and_escalate_referrals()
        self.objects.setdefault("referral", []).append(referral.pk)
        return referral

    def tip(self, owner):
        """A tip taken down by `owner`'s analyst into its center's triage queue (work/): its
        text, place and caller carry tokens of the tip, which the center's admin of another
        agency reads the queue of (by pointer: the tip is information pending review)."""
        what, where, caller = (self.token("tiptext"), self.token("tipplace"),
                               self.token("tipcaller"))
        with self.next_step():
            triage = tip_services.tip_take_down(by=self.user(self.analysts[owner]), what=what,
                                                where=where, caller_name=caller)
        key = ("item", triage.tip_id)
        self.owners[key] = self.agencies[owner].pk
        self.cfr23_status[key] = triage.tip.intelligence_status
        for token in (what, where, caller):
            self.tokens[token.lower()] = {key}
        self.objects.setdefault("item", []).append(triage.tip_id)
        return triage

    def attach(self, obj, by):
        key = _key(obj)
        name = self.token("filename", key)
        content = self.token("filecontent", key)
        with self.next_step():
            attachment = case_services.attachment_add(
                by=self.user(self.analysts[by]),
                uploaded_file=SimpleUploadedFile(f"{name}.txt", content.encode(), "text/plain"),
                **{key[0]: obj},
            )
        self.objects.setdefault("attachment", []).append(attachment.pk)
        return attachment

    def rename(self, obj, by):
        """A new title: the old one stays in the history, and is still the object's."""
        key = _key(obj)
        title = self.token("renamed", key)
        update = case_services.case_update if key[0] == "case" else case_services.item_update
        obj.refresh_from_db()
        self.retired.add(obj.title.lower())
        with self.next_step():
            return update(**{key[0]: obj}, by=self.user(self.analysts[by]), version=obj.version,
                          title=title)

    def add_state(self, case, by, state):
        with self.next_step():
            case_services.jurisdiction_add(case=case, by=self.user(self.analysts[by]), state=state)

    def admit(self, center, agency):
        with self.next_step():
            agency_services.membership_admit(
                center=self.centers[center], agency=self.agencies[agency],
                by=self.user(self.center_admins[center]), reason="Admitted to the center",
            )
        self.memberships[(self.agencies[agency].pk, self.centers[center].pk)] = [(self.step, None)]

    def suspend(self, center, agency):
        key = (self.agencies[agency].pk, self.centers[center].pk)
        with self.next_step():
            agency_services.membership_suspend(
                membership=Membership.objects.get(agency_id=key[0], center_id=key[1]),
                by=self.user(self.center_admins[center]), reason="Suspended pending review",
            )
        since, _ = self.memberships[key][-1]
        self.memberships[key][-1] = (since, self.step)


def _key(obj):
    return ("case" if obj._meta.model_name == "case" else "item", obj.pk)


def build():
    """The story the canary reads: 5 centers, 9 agencies, cases and items at every marking,
    shares of every kind, a re-share, a withdrawn share, a suspended membership, a late admission,
    cases crossing state lines, annotations, subjects of every kind, attachments, tasks and their
    assignees' notices, an RFI, and connecting the dots: subject matches (told to both sides; to
    the holder alone), a possible match, a watched subject linked by another agency, a pending
    access request."""
    net = Canary()
    mail.outbox = []
    net.add_center("CFIX", "Central Florida Intelligence Exchange", "FL")
    net.add_center("LA-SAFE", "Louisiana State Analytic and Fusion Exchange", "LA")
    net.add_center("STAC", "California State Threat Assessment Center", "CA")
    net.add_center("OCIAC", "Orange County Intelligence Assessment Center", "CA",
                   FusionCenter.Kind.RECOGNIZED)
    net.add_center("TxFC", "Texas Fusion Center", "TX")
    net.add_agency("MBI", "Metropolitan Bureau of Investigation", "FL0480400", "local", "FL", "CFIX")
    net.add_agency("OCSO", "Orange County Sheriff's Office", "FL0480000", "local", "FL", "CFIX")
    net.add_agency("FBI", "FBI Tampa Field Office", "FLFBITP00", "federal", "FL", "CFIX", "LA-SAFE")
    net.add_agency("NOPD", "New Orleans Police Department", "LA0360200", "local", "LA", "LA-SAFE")
    net.add_agency("LSP", "Louisiana State Police", "LALSP0000", "state", "LA", "LA-SAFE")
    net.add_agency("ANA", "Anaheim Police Department", "CA0300100", "local", "CA", "OCIAC")
    net.add_agency("SDSO", "San Diego Sheriff's Department", "CA0370000", "local", "CA", "STAC")
    net.add_agency("HPD", "Houston Police Department", "TXHPD0000", "local", "TX", "TxFC")
    net.add_agency("LATE", "Shreveport Police Department", "LA0090100", "local", "LA")
    # A member of CFIX that is not law enforcement: criminal intelligence never reaches it.
    net.add_agency("TRANSIT", "Central Florida Regional Transit Authority", "FLTRN0000", "local",
                   "FL", "CFIX", law_enforcement=False)
    # A foreign partner, a member of no center: LES and criminal intelligence never reach it.
    net.add_agency("EUROPOL", "EUROPOL", "DCEUROPOL", "federal", "DC", foreign_partner=True)
    net.add_center_admin("CFIX", "OCSO")
    net.add_center_admin("LA-SAFE", "LSP")
    net.add_center_admin("STAC", "SDSO")
    net.add_center_admin("TxFC", "HPD")
    with net.next_step():
        net.partner_systems()

    kinds = list(Entity.Kind)
    item_kinds = [kind for kind in IntelligenceItem.Kind if kind != IntelligenceItem.Kind.RFI_RESPONSE]
    cases = {}
    items = {}
    # Every owner, every marking; cases spanning state lines (alerts to LA-SAFE, STAC, TxFC).
    spans = {"MBI": ("FL", "LA", "CA"), "NOPD": ("LA", "TX"), "ANA": ("CA", "FL"),
             "HPD": ("TX",)}
    for owner, states in spans.items():
        for n, tlp in enumerate(TLP):
            if owner == "HPD" and tlp in (TLP.AMBER_STRICT, TLP.RED):
                continue  # Houston's part needs no more: the outsider's own cases
            cases[owner, tlp] = net.case(owner, f"{owner}-{n}", tlp, states, les=n % 2 == 1)
            items[owner, tlp] = net.item(owner, item_kinds[n % len(item_kinds)], tlp,
                                         les=n % 2 == 0)
    # The owner's own annotations, subjects of every kind, attachments.
    for n, ((owner, tlp), case) in enumerate(cases.items()):
        net.subject(case, owner, kinds[n % len(kinds)])
        if tlp in (TLP.AMBER, TLP.RED, TLP.GREEN):
            net.annotate(case, owner, edit=tlp == TLP.AMBER)
            net.attach(case, owner)
    for n, ((owner, tlp), item) in enumerate(items.items()):
        if tlp in (TLP.AMBER, TLP.CLEAR):
            net.subject(item, owner, kinds[(n + 3) % len(kinds)])
            net.annotate(item, owner)
            net.attach(item, owner)
    # Two agencies hold the same subject (the same VIN) without knowing of each other.
    held_twice = net.subject(cases["MBI", TLP.RED], "MBI", Entity.Kind.VIN)
    net.subject(cases["HPD", TLP.AMBER], "HPD", Entity.Kind.VIN, same_as=held_twice.values)
    # Connecting the dots. An SDSO analyst watches a phone that Anaheim's case holds; NOPD links
    # it too: Anaheim and NOPD are told of each other (each what it may see), the watcher whom
    # to contact; NOPD asks Anaheim for access from its notice, and waits.
    held_phone = net.subject(cases["ANA", TLP.AMBER], "ANA", Entity.Kind.PHONE)
    net.watch("SDSO", held_phone)
    net.subject(cases["NOPD", TLP.GREEN], "NOPD", Entity.Kind.PHONE, same_as=held_phone.values)
    phone_match = SubjectMatch.objects.get(held_entity__key=held_phone.key,
                                           new_agency=net.agencies["NOPD"])
    net.request_access("NOPD", phone_match, of=cases["ANA", TLP.AMBER])
    # A person Houston links whose name is close to one MBI holds, born the same day: a
    # possible match, told to MBI alone.
    alias, born = " Dwayne Marcus Halvorsen-Pike aka Big D of Gentilly", date(1988, 11, 27)
    net.subject(cases["MBI", TLP.AMBER], "MBI", Entity.Kind.PERSON, alias=alias, born=born)
    net.subject(cases["HPD", TLP.GREEN], "HPD", Entity.Kind.PERSON, alias=alias, born=born)
    # A case whose owner gives the involved centers view (LA-SAFE, TxFC).
    cases["MBI", "involved"] = net.case("MBI", "MBI-INV", TLP.AMBER, ("FL", "LA", "TX"),
                                        involved=True)
    net.rename(items["HPD", TLP.AMBER], "HPD")
    # A case coming to span state lines later.
    net.add_state(cases["HPD", TLP.GREEN], "HPD", "LA")

    # Shares: to an agency, to a center, to the network, at every level.
    reshared = net.share(cases["MBI", TLP.GREEN], "MBI", Level.MANAGE, agency="NOPD")
    net.share(cases["MBI", TLP.GREEN], "NOPD", Level.VIEW, agency="LSP")  # a re-share
    assert reshared
    net.share(cases["MBI", TLP.AMBER], "MBI", Level.ANNOTATE, center="CFIX")
    net.share(cases["MBI", TLP.AMBER_STRICT], "MBI", Level.ANNOTATE, agency="ANA")
    net.share(cases["MBI", TLP.RED], "MBI", Level.VIEW, agency="FBI")
    net.share(cases["MBI", TLP.CLEAR], "MBI", Level.VIEW, network=True)
    net.share(cases["NOPD", TLP.AMBER], "NOPD", Level.EDIT, center="LA-SAFE")
    net.share(cases["ANA", TLP.GREEN], "ANA", Level.VIEW, center="OCIAC")
    net.share(items["NOPD", TLP.AMBER], "NOPD", Level.VIEW, agency="MBI")
    net.share(items["ANA", TLP.GREEN], "ANA", Level.ANNOTATE, center="STAC")
    net.share(items["HPD", TLP.CLEAR], "HPD", Level.VIEW, network=True)
    net.share(items["MBI", TLP.AMBER], "MBI", Level.VIEW, center="CFIX")
    # Withdrawn: Houston was told, then lost the case and the item.
    withdrawn = net.share(cases["NOPD", TLP.GREEN], "NOPD", Level.VIEW, agency="HPD")
    withdrawn_item = net.share(items["NOPD", TLP.GREEN], "NOPD", Level.VIEW, agency="HPD")
    # Referrals (work/): a re-sharer's, acknowledged and closed; an owner's to an agency it
    # shared with, overdue and escalated; and one to Houston, which loses the item below and
    # then reads the referral's pointer only.
    net.referral(cases["MBI", TLP.GREEN], "NOPD", agency="LSP", acknowledged=True, closed=True)
    net.referral(items["NOPD", TLP.AMBER], "NOPD", agency="MBI", overdue=True)
    net.referral(items["NOPD", TLP.GREEN], "NOPD", agency="HPD")

    # Recipients at work: annotations, subjects and files on what was shared with them.
    net.annotate(cases["MBI", TLP.AMBER_STRICT], "ANA")
    net.annotate(cases["MBI", TLP.AMBER], "OCSO", edit=True)
    net.annotate(cases["MBI", TLP.GREEN], "NOPD")
    net.subject(cases["NOPD", TLP.AMBER], "LSP", Entity.Kind.PHONE)
    net.rename(cases["NOPD", TLP.AMBER], "LSP")  # LA-SAFE holds edit
    net.attach(cases["NOPD", TLP.AMBER], "FBI")
    net.attach(items["ANA", TLP.GREEN], "SDSO")
    # Tasks: the owner's, assigned to a member of the center it shared the case with (and to
    # FBI's analyst, whose membership of CFIX is suspended below: the task leaves its lists);
    # a recipient's, assigned to itself and to the owner.
    net.task(cases["MBI", TLP.AMBER], "MBI", assignee="OCSO")
    net.task(cases["MBI", TLP.AMBER], "MBI", assignee="FBI")
    net.task(cases["MBI", TLP.AMBER_STRICT], "ANA", assignee="ANA")
    net.task(cases["NOPD", TLP.AMBER], "LSP", assignee="NOPD")
    net.task(cases["MBI", TLP.RED], "MBI")
    # An item of a recipient linked to the case it annotates, not shared with the case's owner.
    net.item("ANA", IntelligenceItem.Kind.TIP, TLP.AMBER, case=cases["MBI", TLP.AMBER_STRICT])
    # A request for information and its answer (shared back to the agency that asked).
    rfi = net.item("MBI", IntelligenceItem.Kind.RFI, TLP.GREEN)
    net.share(rfi, "MBI", Level.VIEW, agency="NOPD")
    net.item("NOPD", IntelligenceItem.Kind.RFI_RESPONSE, TLP.GREEN, in_response_to=rfi)
    # Requests for information with a status and a due date (work/): one to an agency, answered
    # by the response above once addressed; one to a center, taken, then overdue and escalated.
    net.rfi_request(rfi, "MBI", agency="NOPD", answered=True)
    to_center = net.item("MBI", IntelligenceItem.Kind.RFI, TLP.AMBER)
    net.share(to_center, "MBI", Level.VIEW, center="LA-SAFE")
    net.rfi_request(to_center, "MBI", center="LA-SAFE", taken_by="LSP", overdue=True)
    # A tip taken down by MBI into CFIX's triage queue, whose admin is of OCSO.
    net.tip("MBI")

    # 28 CFR Part 23: information pending review, with a subject, a note and a file, that
    # nobody may share; criminal intelligence shared center-wide with CFIX (TRANSIT is a member).
    pending = net.item("MBI", IntelligenceItem.Kind.SAR, TLP.CLEAR, pending=True)
    net.subject(pending, "MBI", Entity.Kind.PHONE)
    net.annotate(pending, "MBI")
    net.attach(pending, "MBI")
    net.share(items["MBI", TLP.CLEAR], "MBI", Level.VIEW, center="CFIX")

    # A finished product of MBI published to OCSO and EUROPOL: EUROPOL's tearline holds the
    # portion released to it alone; the LES portion and the US-only RED one never reach it.
    net.product("MBI", [
        (TLP.GREEN, False, ["EUROPOL"], []),
        (TLP.AMBER, True, [], ["EUROPOL"]),
        (TLP.RED, False, [], ["EUROPOL"]),
    ], to=["OCSO", "EUROPOL"])
    # EUROPOL's own bulletin and file, which it sees as any owner does.
    net.attach(net.item("EUROPOL", IntelligenceItem.Kind.BULLETIN, TLP.GREEN), "EUROPOL")

    net.withdraw(withdrawn, "NOPD")
    net.withdraw(withdrawn_item, "NOPD")
    # FBI is suspended from CFIX: the center's shares stop reaching it.
    net.suspend("CFIX", "FBI")
    # Shreveport PD joins LA-SAFE after the alerts to LA-SAFE went out.
    net.admit("LA-SAFE", "LATE")
    return net
