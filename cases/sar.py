"""Suspicious-activity reports as the ISE-SAR Functional Standard (version 1.5.5) files them: by
the behaviours they report.

The standard lists sixteen behaviours in two groups: seven that define criminal activity and nine
that are potentially criminal or non-criminal and call for more information. A SAR names at least
one of them; no other kind of item names any. The vocabulary and that rule live here, so that a
page, the API and a command refuse the same things in the same words; cases.services applies it.
"""

from django.core.exceptions import ValidationError
from django.db import models

STANDARD = "ISE-SAR Functional Standard 1.5.5"


class Behaviour(models.TextChoices):
    """The sixteen behaviours, in the standard's order (its numbers 1 to 16)."""

    # Defining criminal activity.
    BREACH = "breach", "Breach/Attempted Intrusion"
    MISREPRESENTATION = "misrepresentation", "Misrepresentation"
    THEFT = "theft_loss_diversion", "Theft/Loss/Diversion"
    SABOTAGE = "sabotage_tampering_vandalism", "Sabotage/Tampering/Vandalism"
    CYBERATTACK = "cyberattack", "Cyberattack"
    THREAT = "expressed_implied_threat", "Expressed or Implied Threat"
    AVIATION = "aviation_activity", "Aviation Activity"
    # Potential criminal or non-criminal activity requiring additional information.
    ELICITING = "eliciting_information", "Eliciting Information"
    TESTING = "testing_probing_security", "Testing or Probing of Security"
    RECRUITING = "recruiting_financing", "Recruiting/Financing"
    PHOTOGRAPHY = "photography", "Photography"
    OBSERVATION = "observation_surveillance", "Observation/Surveillance"
    MATERIALS = "materials_acquisition_storage", "Materials Acquisition/Storage"
    EXPERTISE = "acquisition_of_expertise", "Acquisition of Expertise"
    WEAPONS = "weapons_collection_discovery", "Weapons Collection/Discovery"
    SECTOR_SPECIFIC = "sector_specific_incident", "Sector-Specific Incident"


DEFINING = "Defining criminal activity"
POTENTIAL = "Potential criminal or non-criminal activity requiring additional information"
GROUPS = {
    DEFINING: [Behaviour.BREACH, Behaviour.MISREPRESENTATION, Behaviour.THEFT,
               Behaviour.SABOTAGE, Behaviour.CYBERATTACK, Behaviour.THREAT, Behaviour.AVIATION],
    POTENTIAL: [Behaviour.ELICITING, Behaviour.TESTING, Behaviour.RECRUITING,
                Behaviour.PHOTOGRAPHY, Behaviour.OBSERVATION, Behaviour.MATERIALS,
                Behaviour.EXPERTISE, Behaviour.WEAPONS, Behaviour.SECTOR_SPECIFIC],
}
# The choices of a form or a filter, under the standard's two headings.
GROUPED_CHOICES = [
    (group, [(behaviour.value, behaviour.label) for behaviour in members])
    for group, members in GROUPS.items()
]
# The standard's number of each behaviour (1 to 16), which also orders them wherever listed.
NUMBER = {behaviour.value: n for n, behaviour in enumerate(Behaviour, 1)}
LABEL = dict(Behaviour.choices)
MAX_LENGTH = max(len(value) for value in Behaviour.values)

SAR_KIND = "sar"


def in_order(values):
    """The behaviours named, each once, in the standard's order."""
    return sorted(set(values or ()), key=lambda value: NUMBER.get(value, len(NUMBER) + 1))


def labelled(values):
    """[(number, label)] of the behaviours named, in the standard's order."""
    return [(NUMBER[value], LABEL[value]) for value in in_order(values) if value in LABEL]


def check_behaviours(kind, behaviours, kind_label="item"):
    """The behaviours of an item of `kind`, cleaned (each once, in order), or a ValidationError
    naming the field `behaviours`: a SAR names at least one, another kind none, and every one is
    a behaviour of the standard."""
    given = list(behaviours or ())
    unknown = sorted({str(value) for value in given if value not in LABEL})
    if unknown:
        raise ValidationError({"behaviours": ValidationError(
            f"Not a behaviour of the {STANDARD}: {', '.join(unknown)}.",
            code="sar_behaviour_unknown",
        )})
    if kind == SAR_KIND and not given:
        raise ValidationError({"behaviours": ValidationError(
            f"A suspicious-activity report names at least one behaviour of the {STANDARD} "
            "(e.g. Observation/Surveillance).", code="sar_behaviour_missing",
        )})
    if kind != SAR_KIND and given:
        raise ValidationError({"behaviours": ValidationError(
            f"Only a suspicious-activity report names ISE-SAR behaviours; a {kind_label} takes "
            "none.", code="sar_behaviour_not_sar",
        )})
    return in_order(given)
