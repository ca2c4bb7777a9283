"""The shapes the demo stories are written in: a case, its subjects, items, shares and notes.

A story names people by username and centers by (short name, state); the seeding resolves
them and runs every step through the services, as the people of the story would.
"""

from dataclasses import dataclass

from cases.models import Entity
from core.handling import TLP, Level


@dataclass(frozen=True)
class Subject:
    kind: str
    label: str
    role: str
    values: tuple  # (name, value) pairs for Entity.normalise

    def keyword_values(self):
        return dict(self.values)


def person(name, dob=None, role=""):
    return Subject(Entity.Kind.PERSON, name, role, (("name", name), ("dob", dob)))


def plate(characters, state, description, role=""):
    return Subject(
        Entity.Kind.VEHICLE, f"{description}, {state} {characters}", role,
        (("plate", characters), ("state", state)),
    )


def phone(number, role=""):
    return Subject(Entity.Kind.PHONE, number, role, (("number", number),))


def email(address, role=""):
    return Subject(Entity.Kind.EMAIL, address, role, (("address", address),))


def account(platform, handle, role=""):
    return Subject(
        Entity.Kind.ACCOUNT, f"{handle} on {platform}", role,
        (("platform", platform), ("handle", handle)),
    )


def organisation(name, role=""):
    return Subject(Entity.Kind.ORGANISATION, name, role, (("text", name),))


def address(text, role=""):
    return Subject(Entity.Kind.ADDRESS, text, role, (("text", text),))


@dataclass(frozen=True)
class ShareSpec:
    target: str  # "agency", "center" or "network"
    recipient: object  # agency code, (short name, state) of a center, or None
    level: int
    by: str | None = None  # username; the creator of the object when None


def to_agency(code, level=Level.VIEW, by=None):
    return ShareSpec("agency", code, level, by)


def to_center(center, level=Level.VIEW, by=None):
    return ShareSpec("center", center, level, by)


def to_network(by=None):
    return ShareSpec("network", None, Level.VIEW, by)


@dataclass(frozen=True)
class Note:
    by: str
    body: str
    revised: str = ""  # the text it was later corrected to, if it was

    def step_count(self):
        return 2 if self.revised else 1


@dataclass(frozen=True)
class RequestSpec:
    """An RFI's request (work.services): addressed to an agency (its code) or a center ((short
    name, state)), due some days from the day the demo is seeded (negative: overdue), perhaps
    taken by a person of the addressed side. Its responses (the ItemSpec's) answer it."""

    to: object
    due_in_days: int
    taken_by: str | None = None

    def step_count(self):
        return 1 + bool(self.taken_by)


def asked_of(to, due_in_days, taken_by=None):
    return RequestSpec(to, due_in_days, taken_by)


@dataclass(frozen=True)
class ItemSpec:
    kind: str
    by: str
    title: str
    body: str
    tlp: str = TLP.AMBER
    les: bool = False
    subjects: tuple = ()
    shares: tuple = ()
    notes: tuple = ()
    responses: tuple = ()  # ItemSpecs of kind rfi_response, for an RFI
    request: RequestSpec | None = None  # for an RFI: to whom it is addressed, by when
    review_in_days: int | None = None
    days_ago: int = 30  # stand-alone items only: when it was written
    # A SAR's behaviours of the ISE-SAR Functional Standard (cases/sar.py): at least one.
    behaviours: tuple = ()
    # 28 CFR Part 23: a tip, SAR, report or RFI response is seeded as criminal intelligence
    # (its predicate and labels from the seeding), unless it is pending a reviewer's decision.
    pending: bool = False
    predicate: str = ""
    # 28 CFR 23.20(h), after the shares: the text corrected (every recipient is told), and the
    # reason a reviewer of the agency purged it (the tombstone stays).
    corrected: str = ""
    purged: str = ""

    def step_count(self):
        return (
            1 + len(self.subjects) + len(self.shares) + sum(n.step_count() for n in self.notes)
            + sum(response.step_count() for response in self.responses)
            + bool(self.corrected) + bool(self.purged)
            + (self.request.step_count() if self.request else 0)
        )


@dataclass(frozen=True)
class TaskSpec:
    by: str  # who adds it
    title: str
    assignee: str | None = None
    due_in_days: int | None = None  # from the day the demo is seeded (negative: overdue)
    done: bool = False

    def step_count(self):
        return 2 if self.done else 1


@dataclass(frozen=True)
class CaseSpec:
    by: str  # the analyst who opened it; the case is owned by their agency
    number: str
    title: str
    summary: str
    lead: tuple  # (short name, state) of the lead fusion center
    places: tuple  # (state, county, city) at opening
    tlp: str = TLP.AMBER
    les: bool = False
    status: str = "open"
    added_places: tuple = ()  # added later, one at a time (the case comes to span states)
    subjects: tuple = ()
    shares: tuple = ()
    items: tuple = ()
    notes: tuple = ()
    tasks: tuple = ()
    opened_days_ago: int = 60
    span_days: int = 20

    def step_count(self):
        return (
            1 + len(self.added_places) + len(self.subjects) + len(self.shares)
            + sum(item.step_count() for item in self.items)
            + sum(note.step_count() for note in self.notes)
            + sum(task.step_count() for task in self.tasks)
            + (self.status != "open")
        )


@dataclass(frozen=True)
class ReferralSpec:
    """A case (by its number) or an item (by its title) of the referrer's agency, referred to
    an agency for action `days_ago`, due `due_in_days` from the day the demo is seeded
    (negative: overdue); perhaps acknowledged, and closed with an outcome, by `handled_by`."""

    by: str
    to: str  # agency code
    instructions: str
    days_ago: int
    due_in_days: int
    case_number: str = ""
    item_title: str = ""
    handled_by: str = ""  # the addressee's person who acknowledged (and closed) it
    acknowledged: bool = False
    outcome: str = ""  # Referral.Outcome: closed with it
    outcome_text: str = ""
