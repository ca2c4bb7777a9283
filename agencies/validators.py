import re

from django.core.exceptions import ValidationError

from core.states import STATE_CODES

ORI_PATTERN = re.compile(r"^[A-Z]{2}[A-Z0-9]{7}$")
ORI_REGEX = r"^[A-Z]{2}[A-Z0-9]{7}$"


def validate_state(value):
    if value not in STATE_CODES:
        raise ValidationError(
            "%(value)s is not a US state, DC or territory code (USPS, upper case, e.g. FL).",
            code="invalid_state",
            params={"value": value},
        )


def validate_ori(value):
    """An NCIC Originating Agency Identifier: the state's USPS code + 7 letters or digits."""
    if not ORI_PATTERN.match(value or ""):
        raise ValidationError(
            "An ORI is 9 characters: a two-letter state code and 7 letters or digits "
            "(e.g. FL0480000); got %(value)r.",
            code="invalid_ori",
            params={"value": value},
        )
    if value[:2] not in STATE_CODES:
        raise ValidationError(
            "An ORI starts with the code of a US state or territory; %(code)s is none.",
            code="invalid_ori_state",
            params={"code": value[:2]},
        )
