"""Normalised match keys, so that the same subject is recognised across agencies.

Every kind has one function from what an analyst typed to a canonical key. Two agencies
that enter "(504) 555-0142" and "+1 504 555 0142" get the same key: +15045550142.
"""

import re
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.states import STATE_CODES

_SPACES = re.compile(r"\s+")
_PLATE_JUNK = re.compile(r"[^A-Z0-9]")
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def _collapse(text):
    return _SPACES.sub(" ", (text or "").strip())


def plate_key(plate, state):
    plate = _PLATE_JUNK.sub("", (plate or "").upper())
    state = (state or "").strip().upper()
    if not plate:
        raise ValidationError("A plate needs its characters.", code="invalid_plate")
    if state not in STATE_CODES:
        raise ValidationError("A plate needs the state that issued it (e.g. FL).",
                              code="invalid_plate_state")
    return f"{state}:{plate}"


def vin_key(vin):
    vin = _PLATE_JUNK.sub("", (vin or "").upper())
    if not _VIN.match(vin):
        raise ValidationError(
            "A VIN is 17 letters and digits, without I, O or Q.", code="invalid_vin"
        )
    return vin


def phone_key(number, region="US"):
    """E.164: +15045550142, whatever the punctuation the analyst typed."""
    try:
        parsed = phonenumbers.parse(number or "", region)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(f"Not a phone number: {number!r}.", code="invalid_phone") from error
    if not phonenumbers.is_possible_number(parsed):
        raise ValidationError(f"Not a possible phone number: {number!r}.", code="invalid_phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def email_key(address):
    address = (address or "").strip().lower()
    validate_email(address)
    return address


def person_key(name, dob):
    name = _collapse(name).lower()
    if not name:
        raise ValidationError("A person needs a name.", code="invalid_person")
    if dob is None:
        return name
    if isinstance(dob, str):
        try:
            dob = date.fromisoformat(dob)
        except ValueError as error:
            raise ValidationError("A date of birth is YYYY-MM-DD.", code="invalid_dob") from error
    return f"{name}|{dob.isoformat()}"


def text_key(text):
    text = _collapse(text).lower()
    if not text:
        raise ValidationError("This entity needs a value.", code="invalid_entity")
    return text


def account_key(platform, handle):
    platform = _collapse(platform).lower()
    handle = _collapse(handle).lower().lstrip("@")
    if not platform or not handle:
        raise ValidationError("An online account needs a platform and a handle.", code="invalid_account")
    return f"{platform}:{handle}"


# What an analyst types for a subject: one value, with the plate's issuing state, the person's
# date of birth or the account's platform (the page's form and the API's input alike).

# The field of the typed input that a key's refusal belongs to (by its code); else the value.
FIELD_OF_REFUSAL = {"invalid_dob": "dob", "invalid_account": "platform",
                    "invalid_plate_state": "state"}


def typed_values(kind, value, *, state="", dob=None, platform=""):
    """The keyword values of Entity.normalise and cases.services.entity_link for a subject of
    `kind` typed as one value."""
    match kind:
        case "person":
            return {"name": value, "dob": dob}
        case "vehicle":
            return {"plate": value, "state": state}
        case "vin":
            return {"vin": value}
        case "phone":
            return {"number": value}
        case "email":
            return {"address": value}
        case "account":
            return {"platform": platform, "handle": value}
    return {"text": value}


def typed_label(kind, value, *, state="", platform=""):
    """The label a link keeps when none is given: the value, with the plate's state or the
    account's platform."""
    if kind == "vehicle" and state:
        return f"{value} ({state})"
    if kind == "account" and platform:
        return f"{platform}: {value}"
    return value
