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


# Recognising subjects in what a call-taker types (a tip's text): phones by phonenumbers' own
# matcher, e-mails, VINs whose check digit holds, and plates written beside their issuing state.
# Each recognised value comes back with its kind and its key, as the normalisers above make it.

_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_VIN_IN_TEXT = re.compile(r"\b[A-HJ-NPR-Z0-9]{17}\b", re.IGNORECASE)
_STATES = "|".join(sorted(STATE_CODES))
# "FL plate LKR-7Q2", "plate LKR 7Q2 (FL)", "tag # LKR7Q2 FL", "Florida tag"-less forms are
# not guessed: a plate without its state is not a key.
_PLATE_WORD = r"(?:plate|tag|license|licence|lic\.?)\s*(?:#|no\.?|number)?\s*"
_PLATE_VALUE = r"(?P<plate>(?=[A-Z0-9 -]*\d)[A-Z0-9]{1,4}(?:[ -]?[A-Z0-9]{1,4})?)"
_PLATE_BEFORE = re.compile(rf"\b(?P<state>{_STATES})\s+{_PLATE_WORD}{_PLATE_VALUE}\b",
                           re.IGNORECASE)
_PLATE_AFTER = re.compile(rf"\b{_PLATE_WORD}{_PLATE_VALUE}\s*[(,]?\s*(?P<state>{_STATES})\b\)?",
                          re.IGNORECASE)
_VIN_VALUES = {**{str(d): d for d in range(10)},
               **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
               **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
               **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit_holds(vin):
    """Whether a 17-character VIN's ninth character is its check digit (49 CFR 565.15)."""
    vin = (vin or "").upper()
    if not _VIN.match(vin):
        return False
    total = sum(_VIN_VALUES[char] * weight for char, weight in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return vin[8] == ("X" if remainder == 10 else str(remainder))


def recognise_subjects(text, region="US"):
    """The subjects written in `text`, in the order they appear, each once by key:
    [{"kind", "value" (as written), "key", "state" (a plate's)}]."""
    text = text or ""
    found = []

    def add(start, kind, value, key, state=""):
        found.append((start, {"kind": kind, "value": value, "key": key, "state": state}))

    for match in phonenumbers.PhoneNumberMatcher(text, region):
        key = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        add(match.start, "phone", match.raw_string, key)
    for match in _EMAIL_IN_TEXT.finditer(text):
        try:
            add(match.start(), "email", match.group(), email_key(match.group().rstrip(".")))
        except ValidationError:
            continue
    for match in _VIN_IN_TEXT.finditer(text):
        if vin_check_digit_holds(match.group()):
            add(match.start(), "vin", match.group(), vin_key(match.group()))
    for pattern in (_PLATE_BEFORE, _PLATE_AFTER):
        for match in pattern.finditer(text):
            plate, state = match.group("plate").strip(), match.group("state").upper()
            add(match.start("plate"), "vehicle", plate, plate_key(plate, state), state)
    seen, subjects = set(), []
    for _, subject in sorted(found, key=lambda pair: pair[0]):
        if (subject["kind"], subject["key"]) not in seen:
            seen.add((subject["kind"], subject["key"]))
            subjects.append(subject)
    return subjects
