"""API keys of partner systems: create, revoke, and recognise one on a request.

A key looks like `fpk_1a2b3c4d_<43 random characters>`. Its first 12 characters are the visible
prefix (shown in lists and the access log); the database keeps only the HMAC-SHA256 of the whole
key under settings.API_KEY_HMAC_SECRET, so neither a database copy nor a log holds a usable key.
"""

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import log_access

from .gate import is_agency_admin
from .models import ApiKey, User

KEY_MARK = "fpk_"
PREFIX_LENGTH = len(KEY_MARK) + 8
# last_used_at is written at most this often per key: a busy partner costs no write per request.
LAST_USED_PRECISION = timedelta(minutes=1)


def api_key_digest(plaintext):
    return hmac.new(
        settings.API_KEY_HMAC_SECRET.encode(), plaintext.encode(), hashlib.sha256
    ).hexdigest()


def parse_networks(networks):
    """The allowed networks as normalised CIDR strings; ValidationError naming a bad one."""
    parsed = []
    for raw in networks or []:
        text = str(raw).strip()
        if not text:
            continue
        try:
            parsed.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError:
            raise ValidationError(
                {"allowed_networks": f"{text!r} is not an IP network (e.g. 203.0.113.0/24)."}
            ) from None
    return parsed


@dataclass(frozen=True)
class NewApiKey:
    key: ApiKey
    plaintext: str  # shown once to the agency admin, never stored


def _require_agency_admin(by):
    if not is_agency_admin(by):
        raise ValidationError(
            "Only an agency admin manages the API keys of an agency.", code="not_agency_admin"
        )


@transaction.atomic
def api_key_create(*, by, name, scope=ApiKey.Scope.READ, expires_at=None, allowed_networks=()):
    """Create a key for the admin's own agency and return it with its plaintext (shown once).

    Needs an agency admin. The key acts through a new service account of the agency, which has
    no usable password. Writes an access-log row (without the plaintext).
    """
    _require_agency_admin(by)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the partner system that will use the key."})
    if scope not in ApiKey.Scope.values:
        raise ValidationError({"scope": "Choose read, or write (read and write)."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    networks = parse_networks(allowed_networks)
    prefix = KEY_MARK + secrets.token_hex(4)
    plaintext = f"{prefix}_{secrets.token_urlsafe(32)}"
    service_user = User(
        username=f"apikey.{prefix}",
        agency_id=by.agency_id,
        role=User.Role.ANALYST,
        first_name="API key",
        last_name=name[:150],
    )
    service_user.set_unusable_password()
    service_user.save()
    key = ApiKey.objects.create(
        agency_id=by.agency_id,
        name=name[:100],
        prefix=prefix,
        digest=api_key_digest(plaintext),
        scope=scope,
        allowed_networks=networks,
        expires_at=expires_at,
        user=service_user,
        created_by=by,
    )
    log_access(
        action="admin",
        actor=by,
        detail={
            "operation": "api_key_create",
            "api_key_created": prefix,
            "name": key.name,
            "scope": scope,
            "allowed_networks": networks,
            "before": None,
            "after": {"prefix": prefix, "scope": scope, "allowed_networks": networks,
                      "expires_at": expires_at.isoformat() if expires_at else None},
        },
    )
    return NewApiKey(key=key, plaintext=plaintext)


@transaction.atomic
def api_key_revoke(*, key, by):
    """Revoke a key of the admin's own agency: it stops working on its next request."""
    _require_agency_admin(by)
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.agency_id != by.agency_id:
        raise ValidationError("That key belongs to another agency.", code="not_agency_admin")
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.revoked_by = by
        key.save(update_fields=["revoked_at", "revoked_by"])
        User.objects.filter(pk=key.user_id).update(is_active=False)
        log_access(action="admin", actor=by, detail={
            "operation": "api_key_revoke", "api_key_revoked": key.prefix,
            "before": {"prefix": key.prefix, "revoked": False},
            "after": {"prefix": key.prefix, "revoked": True},
        })
    return key


class KeyRefused(Exception):
    """A presented key that cannot be used; `reason` names why, `message` says it."""

    def __init__(self, reason, message):
        self.reason = reason
        super().__init__(message)


def api_key_authenticate(*, plaintext, ip_address):
    """The key named by `plaintext`, with its user and agency loaded (one query).

    Raises KeyRefused: unknown or malformed ("invalid"), revoked, expired, or used from outside
    its allowed networks ("ip_not_allowed"). Records last use at most once a minute.
    """
    plaintext = (plaintext or "").strip()
    if (
        not plaintext.startswith(KEY_MARK)
        or len(plaintext) < PREFIX_LENGTH + 2
        or len(plaintext) > 200
    ):
        raise KeyRefused("invalid", "The API key is not valid.")
    key = (
        ApiKey.objects.select_related("user", "agency")
        .filter(prefix=plaintext[:PREFIX_LENGTH])
        .first()
    )
    # compare_digest also when the prefix is unknown, so timing says nothing about prefixes.
    expected = key.digest if key is not None else "0" * 64
    if not hmac.compare_digest(expected, api_key_digest(plaintext)) or key is None:
        raise KeyRefused("invalid", "The API key is not valid.")
    now = timezone.now()
    if key.revoked_at is not None:
        raise KeyRefused("revoked", "This API key was revoked by its agency.")
    if key.expires_at is not None and key.expires_at <= now:
        raise KeyRefused("expired", f"This API key expired at {key.expires_at:%Y-%m-%d %H:%M} UTC.")
    if key.allowed_networks and not _address_in(ip_address, key.allowed_networks):
        raise KeyRefused(
            "ip_not_allowed", f"This API key may not be used from {ip_address or 'this address'}."
        )
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
        # Conditional, so concurrent requests write it once.
        ApiKey.objects.filter(pk=key.pk, last_used_at=key.last_used_at).update(last_used_at=now)
        key.last_used_at = now
    return key


def _address_in(ip_address, networks):
    try:
        address = ipaddress.ip_address(ip_address or "")
    except ValueError:
        return False
    for network in networks:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False
