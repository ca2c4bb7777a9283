"""The portal's records as STIX 2.1 objects, and back: the one mapping the TAXII server uses.

- An intelligence item is a `report` (a response to an RFI: a `note` on the RFI's report), with
  `object_marking_refs` naming its TLP 2.0 marking definition (the OASIS ones, their ids fixed by
  the TLP 2.0 extension) and, for LES, the portal's LES marking definition.
- A finished product is one report whose description is the version the reader's agency is
  entitled to (products.tearline): a withheld portion is its notice, never its text. Its portions
  travel in the portal's handling extension (a property extension, `HANDLING_EXTENSION`).
- Each agency is an `identity` (the report's `created_by_ref`); each state a `location`
  (the states of the item's case, in `object_refs`); a subject's e-mail address an `indicator`
  (STIX has no object for a phone number or a plate, so those stay in the portal).

A record's id carries the record's own id (`record_uuid`: the portal's fixed prefix, a tag
naming the kind of record, the id), so that a record keeps its STIX id, an id asked for is read
back to its row by one indexed lookup (never a scan of what the agency sees), and a version is
named by `modified` (the record's updated_at). The portal's own reference objects (markings,
the extension, identities, states) are uuid5 of their names under the portal's namespace.
"""

import uuid
from datetime import UTC, datetime

from core.handling import LES_RULE, TLP
from core.states import STATES as STATE_NAMES

# The portal's namespace for uuid5 ids: fixed for ever (changing it renames every object).
NAMESPACE = uuid.UUID("9f6c2d4e-3b1a-5c8d-9e7f-2a4b6c8d0e1f")

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"

# The TLP 2.0 marking definitions as OASIS publishes them (cti-stix-common-objects,
# extension-definition-specifications/tlp-2.0): ids, names and `created` are theirs.
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_MARKING_IDS = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_OF_MARKING = {marking: tlp for tlp, marking in TLP2_MARKING_IDS.items()}

# When the portal's own reference objects (markings, the extension, identities, states) were
# added to every collection: before any record, so that they come first in every feed.
REFERENCE_ADDED = datetime(2022, 10, 1, tzinfo=UTC)
REFERENCE_STAMP = "2022-10-01T00:00:00.000Z"


def stix_id(kind, name):
    return f"{kind}--{uuid.uuid5(NAMESPACE, name)}"


# The kinds of record whose ids carry their own id (record_uuid), one tag each (14 bits).
REPORT, NOTE, INDICATOR, CASE_COLLECTION = 1, 2, 3, 4
# Laid out as RFC 4122 version 4 ids (the form STIX 2.1 and its validator ask of an object's
# id), though not random: the first 60 bits are the portal's own (its namespace's, fixed for
# ever), then the tag (the clock sequence's 14 bits), then the record's id (the node's 48 bits:
# ids below 2**48). Unique, since no other producer's random id begins with the portal's bits
# but by a chance of one in 2**60.
_PREFIX = (NAMESPACE.time_low, NAMESPACE.time_mid, 0x4000 | (NAMESPACE.time_hi_version & 0x0FFF))


def record_uuid(tag, pk):
    if not 0 < pk < 2**48:
        raise ValueError(f"A record id of 48 bits is expected, not {pk}.")
    return uuid.UUID(fields=(*_PREFIX, 0x80 | (tag >> 8), tag & 0xFF, pk))


def record_pk(value, tag):
    """The record id a `record_uuid` of this tag carries, or None for any other text (another
    tag, another layout, not a UUID at all)."""
    try:
        found = uuid.UUID(str(value))
    except ValueError:
        return None
    if (found.time_low, found.time_mid, found.time_hi_version) != _PREFIX \
            or found.variant != uuid.RFC_4122 or found.clock_seq != tag or not found.node:
        return None
    return found.node


def timestamp(value):
    """A STIX timestamp: UTC, with its microseconds (at least millisecond precision)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


PORTAL_IDENTITY_ID = stix_id("identity", "portal")
HANDLING_EXTENSION = stix_id("extension-definition", "handling:1")
LES_MARKING_ID = stix_id("marking-definition", "les")


def tlp_marking(tlp):
    return {
        "type": "marking-definition", "spec_version": "2.1", "id": TLP2_MARKING_IDS[tlp],
        "created": TLP2_CREATED, "name": TLP(tlp).label,
        "extensions": {TLP2_EXTENSION: {
            "extension_type": "property-extension", "tlp_2_0": TLP(tlp).value.lower(),
        }},
    }


PORTAL_IDENTITY = {
    "type": "identity", "spec_version": "2.1", "id": PORTAL_IDENTITY_ID,
    "created": REFERENCE_STAMP, "modified": REFERENCE_STAMP, "name": "FusionPortal",
    "identity_class": "system",
    "description": "The portal of the National Network of Fusion Centers that serves this feed.",
}

HANDLING_EXTENSION_DEFINITION = {
    "type": "extension-definition", "spec_version": "2.1", "id": HANDLING_EXTENSION,
    "created_by_ref": PORTAL_IDENTITY_ID, "created": REFERENCE_STAMP, "modified": REFERENCE_STAMP,
    "name": "FusionPortal handling",
    "description": "The law-enforcement caveat LES on a marking definition, and the portions of a "
    "finished product with their own markings.",
    "schema": "A property extension. On a marking-definition: `caveat` (\"LES\") and "
    "`statement` (its handling rule). On a report of a finished product: `product_type` and "
    "`portions`, each with `position`, `marking` (e.g. \"TLP:AMBER · LES\"), `marking_refs` "
    "(its TLP 2.0 and LES marking definitions), `withheld` (true: `text` is the notice of why, "
    "and `heading` is empty), `heading`, `text` and `rel_to` (the foreign partners it is "
    "released to; empty: US only).",
    "version": "1.0.0", "extension_types": ["property-extension"],
}

LES_MARKING = {
    "type": "marking-definition", "spec_version": "2.1", "id": LES_MARKING_ID,
    "created_by_ref": PORTAL_IDENTITY_ID, "created": REFERENCE_STAMP, "name": "LES",
    "extensions": {HANDLING_EXTENSION: {
        "extension_type": "property-extension", "caveat": "LES", "statement": LES_RULE,
    }},
}


def state_location_id(state):
    return stix_id("location", f"state:{state}")


def state_location(state):
    return {
        "type": "location", "spec_version": "2.1", "id": state_location_id(state),
        "created_by_ref": PORTAL_IDENTITY_ID, "created": REFERENCE_STAMP,
        "modified": REFERENCE_STAMP, "name": STATE_NAMES.get(state, state),
        "country": "US", "administrative_area": f"US-{state}",
    }


# Every collection starts with these, in this order (the feed's first positions).
REFERENCE_OBJECTS = [
    *(tlp_marking(tlp) for tlp in TLP2_MARKING_IDS),
    PORTAL_IDENTITY,
    HANDLING_EXTENSION_DEFINITION,
    LES_MARKING,
    *(state_location(state) for state in sorted(STATE_NAMES)),
]


def agency_identity_id(agency_id):
    return stix_id("identity", f"agency:{agency_id}")


def agency_identity(agency):
    """An agency as an identity: its name and ORI, what the directory shows every key."""
    return {
        "type": "identity", "spec_version": "2.1", "id": agency_identity_id(agency["id"]),
        "created_by_ref": PORTAL_IDENTITY_ID, "created": REFERENCE_STAMP,
        "modified": REFERENCE_STAMP, "name": agency["name"], "identity_class": "organization",
        "description": f"ORI {agency['ori']}",
    }


def item_object_id(item_id, *, note=False):
    return f"note--{record_uuid(NOTE, item_id)}" if note else \
        f"report--{record_uuid(REPORT, item_id)}"


def subject_indicator_id(link_id):
    return f"indicator--{record_uuid(INDICATOR, link_id)}"


def item_pk_of(object_id):
    """The item whose report or note bears this STIX id, or None."""
    kind, _, value = str(object_id).partition("--")
    tag = {"report": REPORT, "note": NOTE}.get(kind)
    return record_pk(value, tag) if tag else None


def subject_link_pk_of(object_id):
    """The subject link whose indicator bears this STIX id, or None."""
    kind, _, value = str(object_id).partition("--")
    return record_pk(value, INDICATOR) if kind == "indicator" else None


def marking_refs(tlp, les):
    return [TLP2_MARKING_IDS[tlp], *([LES_MARKING_ID] if les else [])]


def is_note(item):
    return item.kind == "rfi_response" and item.in_response_to_id is not None


def _pattern_text(value):
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _subject_indicator(link, item, markings):
    stamp = timestamp(link["linked_at"])
    return {
        "type": "indicator", "spec_version": "2.1", "id": subject_indicator_id(link["id"]),
        "created_by_ref": agency_identity_id(item.owner_id), "created": stamp, "modified": stamp,
        "name": f"E-mail address of a subject{' (' + link['role'] + ')' if link['role'] else ''}",
        "indicator_types": ["attribution"],
        "pattern": f"[email-addr:value = '{_pattern_text(link['key'])}']",
        "pattern_type": "stix", "valid_from": stamp, "object_marking_refs": markings,
    }


def _product_text(version):
    parts = []
    for portion in version.portions:
        heading = f" {portion.heading}" if portion.heading else ""
        parts.append(f"({portion.marking}){heading}\n{portion.text}")
    return "\n\n".join(parts)


def _portions(version):
    return [
        {
            "position": portion.position, "marking": portion.marking,
            "marking_refs": marking_refs(portion.tlp, portion.les), "withheld": portion.withheld,
            "heading": portion.heading, "text": portion.text, "rel_to": list(portion.rel_to),
        }
        for portion in version.portions
    ]


REPORT_TYPES = {"sar": ["observed-data"]}


def item_objects(item, *, states=(), subjects=(), version=None, product_type=None):
    """The STIX objects of one item as the reader receives it, the report (or note) first:
    `states` of its case, its e-mail `subjects` (rows: id, key, role, linked_at) and, for a
    product, the reader's `version` (products.tearline)."""
    tlp, les = (version.tlp, version.les) if version is not None else (item.tlp, item.les)
    markings = marking_refs(tlp, les)
    indicators = [_subject_indicator(link, item, markings) for link in subjects]
    common = {
        "spec_version": "2.1", "id": item_object_id(item.pk, note=is_note(item)),
        "created_by_ref": agency_identity_id(item.owner_id),
        "created": timestamp(item.created_at), "modified": timestamp(max(item.updated_at, item.created_at)),
        "labels": [item.kind], "object_marking_refs": markings,
        "external_references": [{"source_name": "FusionPortal", "external_id": f"item-{item.pk}"}],
    }
    refs = [
        agency_identity_id(item.owner_id),
        *(state_location_id(state) for state in states),
        *(indicator["id"] for indicator in indicators),
    ]
    if is_note(item):
        record = {
            "type": "note", **common, "abstract": item.title,
            "content": item.body or item.title,
            "object_refs": [item_object_id(item.in_response_to_id), *refs],
        }
    else:
        record = {
            "type": "report", **common, "name": item.title,
            "report_types": REPORT_TYPES.get(item.kind, ["threat-report"]),
            "published": common["created"], "object_refs": refs,
        }
        description = _product_text(version) if version is not None else item.body
        if description:
            record["description"] = description
        if version is not None:
            record["extensions"] = {HANDLING_EXTENSION: {
                "extension_type": "property-extension", "product_type": product_type,
                "portions": _portions(version),
            }}
    return [record, *indicators]
