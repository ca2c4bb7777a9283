"""What a POST of objects changes: STIX 2.1 reports imported as intelligence items of the key's
agency, with their TLP 2.0 marking (and LES) kept.

All or nothing: the envelope is checked whole first, and written in one transaction; one object
refused refuses the lot, each object's status saying why (its own reason, or that another was
refused). Idempotent by STIX id: a report an agency imported already is not imported again.
The status of every POST is kept (a TAXII 2.1 status resource) for the agency's keys to read.
"""

from dataclasses import dataclass

import stix2
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from stix2.exceptions import STIXError

from cases import services as case_services
from cases.models import IntelligenceItem
from core.handling import TLP

from . import stix
from .models import ImportedObject, ImportStatus

# Reference objects a partner's envelope may carry besides its reports: the markings this server
# knows (kept as they are) and identities (an imported report is owned by the key's agency).
KNOWN_MARKINGS = {*stix.TLP_OF_MARKING, stix.LES_MARKING_ID}
TITLE_LENGTH = IntelligenceItem._meta.get_field("title").max_length


@dataclass
class Checked:
    id: str
    version: str | None
    message: str = ""
    refused: bool = False
    report: dict | None = None  # a report to import


def _version(obj):
    if isinstance(obj, dict):
        value = obj.get("modified") or obj.get("created")
        return str(value) if value else None
    return None


def _check_report(obj, parsed):
    markings = list(obj.get("object_marking_refs") or [])
    unknown = [m for m in markings if m not in KNOWN_MARKINGS]
    if unknown:
        return (f"Unknown marking {unknown[0]}: only the TLP 2.0 marking definitions and "
                "FusionPortal's LES marking are understood, so the report was not imported.")
    if obj.get("granular_markings"):
        return "Granular markings are not imported: mark the whole report (object_marking_refs)."
    tlps = [stix.TLP_OF_MARKING[m] for m in markings if m in stix.TLP_OF_MARKING]
    if len(tlps) != 1:
        return ("A report names exactly one TLP 2.0 marking definition in object_marking_refs; "
                f"this one names {len(tlps)}.")
    if len(parsed.name) > TITLE_LENGTH:
        return f"name: at most {TITLE_LENGTH} characters."
    return None


def _check(obj, agency_id, seen, imported):
    """The status of one object of the envelope, before anything is written."""
    if not isinstance(obj, dict):
        return Checked(id="", version=None, refused=True, message="Not a STIX object.")
    checked = Checked(id=str(obj.get("id", "")), version=_version(obj))
    try:
        parsed = stix2.parse(obj, allow_custom=True, version="2.1")
    except (STIXError, ValueError, TypeError, KeyError) as error:
        checked.refused, checked.message = True, f"Not valid STIX 2.1: {error}"
        return checked
    if checked.id in seen:
        checked.message = "Named twice in this envelope: imported once."
        return checked
    seen.add(checked.id)
    kind = obj["type"]
    if kind == "report":
        refusal = _check_report(obj, parsed)
        if refusal:
            checked.refused, checked.message = True, refusal
        elif checked.id in imported:
            checked.message = f"Imported already, as item {imported[checked.id]}; nothing changed."
        else:
            checked.report = {
                "title": parsed.name, "body": obj.get("description", ""),
                "tlp": stix.TLP_OF_MARKING[next(m for m in obj["object_marking_refs"]
                                               if m in stix.TLP_OF_MARKING)],
                "les": stix.LES_MARKING_ID in obj["object_marking_refs"],
            }
    elif kind == "marking-definition":
        if checked.id not in KNOWN_MARKINGS:
            checked.refused = True
            checked.message = (f"Unknown marking definition {checked.id}: only the TLP 2.0 "
                               "marking definitions and FusionPortal's LES marking are understood.")
        else:
            checked.message = "A marking this server knows: kept as it is."
    elif kind == "identity":
        checked.message = "Not kept: an imported report is owned by your agency."
    else:
        checked.refused = True
        checked.message = f"Only reports are imported (with their markings); not a {kind}."
    return checked


def _entry(checked, message=None):
    entry = {"id": checked.id, "message": message or checked.message}
    if checked.version:
        entry["version"] = checked.version
    return entry


def objects_import(*, by, key, objects, case=None):
    """Import an envelope's reports as items of `by`'s agency (on `case`, which needs annotate
    there, when the collection is a case's); returns the ImportStatus. Every refusal is named in
    the status; nothing of a refused envelope is written but its status."""
    agency_id = by.agency_id
    ids = [str(o.get("id", "")) for o in objects if isinstance(o, dict)]
    imported = dict(
        ImportedObject.objects.filter(agency_id=agency_id, stix_id__in=ids).values_list(
            "stix_id", "item_id")
    )
    seen = set()
    checked = [_check(obj, agency_id, seen, imported) for obj in objects]
    refused = next((c for c in checked if c.refused), None)
    successes, failures = [], []
    if refused is None:
        entry = None
        try:
            with transaction.atomic():
                for entry in checked:
                    if entry.report is not None:
                        item = case_services.item_create(
                            by=by, kind=IntelligenceItem.Kind.REPORT, case=case, **entry.report
                        )
                        ImportedObject.objects.create(
                            agency_id=agency_id, stix_id=entry.id, version=entry.version or "",
                            item=item,
                        )
                        entry.message = f"Imported as item {item.pk} ({TLP(item.tlp).label})."
                    successes.append(_entry(entry))
        except (ValidationError, PermissionDenied) as error:
            reason = "; ".join(getattr(error, "messages", None) or [str(error)])
            refused = entry  # the report whose item the portal refused
            refused.refused, refused.message = True, f"Refused by the portal: {reason}"
            successes = []
    if refused is not None:
        for entry in checked:
            if entry.refused:
                failures.append(_entry(entry))
            else:
                failures.append(_entry(entry, "Not written: another object of this envelope was "
                                              f"refused ({refused.id or 'not a STIX object'})."))
    return ImportStatus.objects.create(
        agency_id=agency_id, api_key=key, successes=successes, failures=failures,
    )


def status_resource(status):
    """A status as TAXII 2.1 says it (section 4.3.1): every import is complete when answered."""
    return {
        "id": str(status.id), "status": "complete",
        "request_timestamp": stix.timestamp(status.request_timestamp),
        "total_count": len(status.successes) + len(status.failures),
        "success_count": len(status.successes), "successes": status.successes,
        "failure_count": len(status.failures), "failures": status.failures,
        "pending_count": 0, "pendings": [],
    }
