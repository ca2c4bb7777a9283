"""Handling markings: TLP 2.0 and the law-enforcement caveat LES.

A marking bounds how far an object may be shared; it never grants access by itself.
The rules that apply a marking to a share live in sharing.permissions.
"""

from django.db import models


class TLP(models.TextChoices):
    CLEAR = "CLEAR", "TLP:CLEAR"
    GREEN = "GREEN", "TLP:GREEN"
    AMBER = "AMBER", "TLP:AMBER"
    AMBER_STRICT = "AMBER+STRICT", "TLP:AMBER+STRICT"
    RED = "RED", "TLP:RED"


# Most restrictive last.
TLP_ORDER = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]


def most_restrictive(tlps):
    return max(tlps, key=TLP_ORDER.index, default=TLP.CLEAR)


def least_restrictive(tlps):
    return min(tlps, key=TLP_ORDER.index, default=TLP.CLEAR)


def handling_label(tlp, les):
    return _HANDLING_LABELS[tlp, bool(les)]


_HANDLING_LABELS = {
    (tlp.value, les): f"{tlp.label} · LES" if les else tlp.label
    for tlp in TLP
    for les in (False, True)
}


class Level(models.IntegerChoices):
    """What an agency may do with one object, each level including those below it."""

    VIEW = 1, "View"
    ANNOTATE = 2, "Annotate"
    EDIT = 3, "Edit"
    MANAGE = 4, "Manage (may share on)"
    OWNER = 5, "Owner"


# The guardian permission codename (without the model suffix) that each level adds.
LEVEL_ACTIONS = {
    Level.VIEW: "view",
    Level.ANNOTATE: "annotate",
    Level.EDIT: "change",
    Level.MANAGE: "manage",
}
SHAREABLE_LEVELS = [Level.VIEW, Level.ANNOTATE, Level.EDIT, Level.MANAGE]

# What each marking means, in the words the pages show beside it.
HANDLING_RULES = {
    TLP.CLEAR: "Disclosure is not limited: may be shared anywhere, including network-wide.",
    TLP.GREEN: "Limited to the community: may be shared with any agency of the network, "
    "not published.",
    TLP.AMBER: "Limited disclosure: recipients may share it on only within their own "
    "fusion center(s), on a need-to-know basis.",
    TLP.AMBER_STRICT: "Limited disclosure, restricted to the recipient's own agency: "
    "no onward sharing.",
    TLP.RED: "For the eyes of the named agencies only: the owner shares it; no recipient "
    "may share it on.",
}


LES_RULE = "Law Enforcement Sensitive: for law-enforcement use only; not for public release."
