"""28 CFR Part 23 as the portal applies it: what makes an item criminal intelligence.

The rule's vocabulary lives here (which kinds hold information about people, the criminal
activity categories, the labels of 23.20(c), the five-year limit of 23.20(h)) and the checks a
submission and a review must pass; cases.services applies them, so that a page, the API and a
command refuse the same things with the same words.

Which kinds are under the rule (23.3(b)(3): a criminal intelligence system receives, stores and
disseminates information about individuals and organisations suspected of criminal activity):
- a tip or lead, a SAR, a report and a response to an RFI name people and what they are
  suspected of: they are criminal intelligence with a predicate, or information pending review;
- a request for information is a question put to other agencies: what it asks about is answered
  (and kept) in the responses, which are under the rule; the request itself stores nothing
  about anyone and is not kept as intelligence;
- a bulletin or product is a finished, disseminated analysis (threats, trends, officer safety)
  whose facts about people come from the records it cites: those records carry the predicate;
  a bulletin is a product of the system, not a record kept in it.
"""

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models

# 28 CFR 23.20(h): retained at most five years unless reviewed and validated.
RETENTION_YEARS = 5
# The review queue shows, and the daily notice counts, what is due within this many days.
REVIEW_SOON_DAYS = 30


class Status(models.TextChoices):
    NOT_APPLICABLE = "", "Not under 28 CFR Part 23"
    PENDING = "pending", "Information pending review"
    INTELLIGENCE = "intelligence", "Criminal intelligence"
    REJECTED = "rejected", "Rejected: not criminal intelligence"
    # 23.20(h): destroyed after its review, or for want of one. The row stays as the tombstone
    # (kind, owner, labels, dates, who decided and why) with its dissemination record and its
    # access-log rows; its content, files and subject links are gone.
    PURGED = "purged", "Purged"


class CriminalActivity(models.TextChoices):
    DRUGS = "drugs", "Drug trafficking"
    HUMAN_TRAFFICKING = "human_trafficking", "Human trafficking"
    CHILD_EXPLOITATION = "child_exploitation", "Child sexual exploitation"
    TERRORISM = "terrorism", "Terrorism"
    GANGS = "gangs", "Gang activity"
    ORGANISED_CRIME = "organised_crime", "Organised crime"
    WEAPONS = "weapons", "Weapons trafficking"
    FRAUD = "fraud", "Fraud and financial crime"
    CYBER = "cyber", "Cybercrime"
    VIOLENT = "violent", "Violent crime"
    PROPERTY = "property", "Property crime"
    OTHER = "other", "Other criminal conduct"


class Sensitivity(models.TextChoices):
    ROUTINE = "routine", "Routine"
    SENSITIVE = "sensitive", "Sensitive"
    HIGHLY_SENSITIVE = "highly_sensitive", "Highly sensitive"


class SourceReliability(models.TextChoices):
    """The source half of the 4×4 evaluation."""

    A = "A", "A: reliable"
    B = "B", "B: usually reliable"
    C = "C", "C: unreliable"
    D = "D", "D: reliability unknown"


class ContentValidity(models.TextChoices):
    """The content half of the 4×4 evaluation."""

    CONFIRMED = "1", "1: confirmed"
    PROBABLE = "2", "2: probably true"
    DOUBTFUL = "3", "3: doubtfully true"
    UNKNOWN = "4", "4: cannot be judged"


# The kinds whose items are under the rule (see the module docstring for RFI and bulletin).
KINDS_ABOUT_PEOPLE = frozenset({"tip", "sar", "report", "rfi_response"})

# What a submission or an acceptance names, besides the submitter (the item's created_by).
LABEL_FIELDS = (
    "predicate",
    "criminal_activity",
    "no_protected_activity",
    "control_official",
    "sensitivity",
    "source_reliability",
    "content_validity",
)

ATTESTATION = (
    "28 CFR 23.20(b): this record holds no information about political, religious or social "
    "views, associations or activities, unless it relates directly to the criminal conduct and "
    "the subject is reasonably suspected of it."
)

PENDING_NOT_SHARED = (
    "28 CFR 23.20(a): information pending review is not criminal intelligence and is not "
    "shared; a reviewer of your agency accepts it, with its criminal predicate, first."
)
REJECTED_NOT_SHARED = (
    "28 CFR 23.20(a): this information was rejected as criminal intelligence (no criminal "
    "predicate) and is not shared."
)

LAW_ENFORCEMENT_ONLY = (
    "28 CFR 23.20(e): criminal intelligence is disseminated to law-enforcement agencies only."
)


def is_under_rule(kind):
    return kind in KINDS_ABOUT_PEOPLE


def review_limit(since):
    """The latest review date allowed for a record submitted or validated on `since`."""
    day = since.date() if hasattr(since, "date") else since
    try:
        return day.replace(year=day.year + RETENTION_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + RETENTION_YEARS, day=28)


def check_review_by(review_by, *, since):
    """The review date of a criminal intelligence record: given, or the five-year limit;
    later than the limit (or in the past) is refused naming the rule."""
    limit = review_limit(since)
    if review_by is None:
        return limit
    if review_by > limit:
        raise ValidationError({"review_by": ValidationError(
            f"28 CFR 23.20(h): criminal intelligence is reviewed within five years; the review "
            f"date may be {limit:%b %-d, %Y} at the latest.",
            code="cfr23_review_beyond_five_years",
        )})
    today = since.date() if hasattr(since, "date") else since
    if review_by < today:
        raise ValidationError({"review_by": ValidationError(
            "The review date is in the past.", code="review_in_past",
        )})
    return review_by


def given(labels):
    """Whether any predicate field was filled in (a submission that gave none is pending)."""
    return any(labels.get(name) not in (None, "", False) for name in LABEL_FIELDS)


def check_labels(labels, *, owner):
    """Refuse, naming each field, a predicate or label set that 23.20(a)-(c) does not accept.
    Returns the labels cleaned (predicate stripped)."""
    errors = {}
    predicate = (labels.get("predicate") or "").strip()
    if not predicate:
        errors["predicate"] = ValidationError(
            "28 CFR 23.20(a): state the criminal predicate, the reasonable suspicion that the "
            "subject is involved in definable criminal conduct.", code="cfr23_predicate_missing",
        )
    if labels.get("criminal_activity") not in CriminalActivity.values:
        errors["criminal_activity"] = ValidationError(
            "28 CFR 23.20(a): name the criminal activity the subject is suspected of.",
            code="cfr23_category_missing",
        )
    if labels.get("no_protected_activity") is not True:
        errors["no_protected_activity"] = ValidationError(
            ATTESTATION + " Attest it, or remove that information.", code="cfr23_attestation_missing",
        )
    official = labels.get("control_official")
    if official is None:
        errors["control_official"] = ValidationError(
            "28 CFR 23.20(c): name the control official of your agency responsible for the record.",
            code="cfr23_control_official_missing",
        )
    elif official.agency_id != owner.id or not official.is_active or is_service_account(official):
        errors["control_official"] = ValidationError(
            "28 CFR 23.20(c): the control official is an active person of the submitting agency.",
            code="cfr23_control_official_other_agency",
        )
    if labels.get("sensitivity") not in Sensitivity.values:
        errors["sensitivity"] = ValidationError(
            "28 CFR 23.20(c): label the record's sensitivity.", code="cfr23_sensitivity_missing",
        )
    if labels.get("source_reliability") not in SourceReliability.values:
        errors["source_reliability"] = ValidationError(
            "28 CFR 23.20(c): evaluate the source's reliability (A to D).",
            code="cfr23_reliability_missing",
        )
    if labels.get("content_validity") not in ContentValidity.values:
        errors["content_validity"] = ValidationError(
            "28 CFR 23.20(c): evaluate the content's validity (1 to 4).",
            code="cfr23_validity_missing",
        )
    if errors:
        raise ValidationError(errors)
    return {**{name: labels.get(name) for name in LABEL_FIELDS}, "predicate": predicate}


def is_service_account(user):
    """A partner system's service account is not a person who answers for a record."""
    try:
        return user.api_key is not None
    except ObjectDoesNotExist:
        return False
