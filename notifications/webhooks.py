"""Webhooks for partner systems: registering endpoints, signing, delivering with backoff.

Every delivery is an HTTP POST of a JSON body with these headers:

    Content-Type: application/json
    X-FusionPortal-Event: case.spans_state_lines | case.shared | item.shared
    X-FusionPortal-Delivery: <uuid>      the same on every retry of one delivery
    X-FusionPortal-Timestamp: <unix seconds of this attempt>
    X-FusionPortal-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

A receiver verifies it with `verify_signature` (or the same few lines in its own language):
recompute the HMAC over the timestamp, a dot and the raw body bytes with the endpoint's
secret, compare in constant time, refuse a timestamp more than five minutes from its clock,
and refuse a delivery id it has already processed (a replay, or a retry of a delivery it did
process). It answers 2xx once it has the event; anything else, or no answer within
WEBHOOK_TIMEOUT seconds, is retried with exponential backoff for up to 24 hours.

Only public addresses receive webhooks (notifications.destinations), checked at registration and
again at every delivery; a failed connection is logged here in full and shown to the agency admin
only as a generic failure, so that the delivery log tells nothing of the network behind it.
"""

import hashlib
import hmac
import http.client
import json
import logging
import secrets
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from agencies.gate import is_agency_admin
from audit.services import log_access

from . import destinations
from .claims import claim_many
from .destinations import DestinationRefused, resolve
from .models import Delivery, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .sealing import reseal

SIGNATURE_HEADER = "X-FusionPortal-Signature"
TIMESTAMP_HEADER = "X-FusionPortal-Timestamp"
DELIVERY_HEADER = "X-FusionPortal-Delivery"
EVENT_HEADER = "X-FusionPortal-Event"
# A receiver refuses a timestamp further than this from its own clock (seconds).
REPLAY_TOLERANCE = 300
# What the delivery log says when no HTTP answer came: never the socket error itself, whose
# wording (refused, timed out, reset) would map the ports behind the destination.
UNREACHABLE = "Could not deliver: the destination refused or was unreachable."
REFUSED_DESTINATION = "Could not deliver: the destination is not a public internet address."

logger = logging.getLogger(__name__)


class SignatureInvalid(Exception):
    """The delivery is not from the portal, was altered, or is too old (a replay)."""


def sign(secret, timestamp, body):
    """The signature header's value for `body` (bytes) sent at `timestamp` (unix seconds)."""
    message = f"{int(timestamp)}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(*, secret, timestamp, signature, body, now=None, tolerance=REPLAY_TOLERANCE):
    """What a receiver does with a delivery. Raises SignatureInvalid naming the problem.

    Replays are refused twice over: an old timestamp fails here, and the receiver keeps the
    delivery ids it has processed (at least for `tolerance` seconds) and refuses a repeat.
    """
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        raise SignatureInvalid("The timestamp header is missing or not a number.") from None
    now = time.time() if now is None else now
    if abs(now - sent_at) > tolerance:
        raise SignatureInvalid("The timestamp is too far from now: a replay, or a wrong clock.")
    if not signature or not hmac.compare_digest(sign(secret, sent_at, body), signature):
        raise SignatureInvalid("The signature does not match the body and timestamp.")


# Endpoints: an agency admin's part ---------------------------------------------------------------


def _new_secret():
    return "whsec_" + secrets.token_urlsafe(32)


def _require_agency_admin(by):
    if not is_agency_admin(by):
        raise ValidationError("Only an agency admin can manage its agency's webhooks.")


def _allowed_schemes():
    allow_http = getattr(settings, "WEBHOOK_ALLOW_HTTP", settings.DEBUG)
    return ["https", "http"] if allow_http else ["https"]


def _default_port(parts):
    return parts.port or (443 if parts.scheme == "https" else 80)


def clean_url(url):
    url = (url or "").strip()
    schemes = _allowed_schemes()
    try:
        URLValidator(schemes=schemes)(url)
    except ValidationError:
        needed = "https://" if schemes == ["https"] else "http:// or https://"
        raise ValidationError({"url": f"Enter a full URL starting with {needed}."}) from None
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ValidationError({"url": "Put no user name or password in the URL; the signature "
                                      "proves the sender."})
    try:
        resolve(parts.hostname, _default_port(parts))
    except DestinationRefused as refused:
        raise ValidationError({"url": str(refused)}) from None
    except (OSError, UnicodeError):
        # A name that does not resolve yet (a partner's DNS not live) is accepted: every delivery
        # resolves and checks it again before connecting.
        pass
    return url


@transaction.atomic
def endpoint_register(*, by, url, description=""):
    """Register a partner system's URL for the actor's agency (agency admins only), if it leads
    to a public address (clean_url). The secret is stored sealed and is readable on the returned
    endpoint: show it to the admin in the answer to this request, and keep it nowhere else."""
    _require_agency_admin(by)
    endpoint = WebhookEndpoint(
        agency=by.agency, url=clean_url(url), description=(description or "").strip()[:200],
        secret=_new_secret(), created_by=by,
    )
    endpoint.full_clean()
    endpoint.save()
    log_access(action="admin", actor=by, obj=endpoint,
               detail={"webhook_registered": endpoint.url})
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint, by):
    """A new secret, stored sealed; the old one stops signing at once. Like registering, show
    the new secret in the answer to this request only."""
    _require_agency_admin(by)
    if endpoint.agency_id != by.agency_id:
        raise ValidationError("Not your agency's webhook.")
    endpoint.secret = _new_secret()
    endpoint.save(update_fields=["sealed_secret"])
    log_access(action="admin", actor=by, obj=endpoint, detail={"webhook_secret_rotated": True})
    return endpoint


@transaction.atomic
def endpoint_set_active(*, endpoint, by, active):
    _require_agency_admin(by)
    if endpoint.agency_id != by.agency_id:
        raise ValidationError("Not your agency's webhook.")
    endpoint.is_active = active
    endpoint.save(update_fields=["is_active"])
    log_access(action="admin", actor=by, obj=endpoint, detail={"webhook_active": active})
    return endpoint


def endpoint_secrets_reseal():
    """Seal every webhook secret under the first key of WEBHOOK_SECRET_KEYS (after a new key was
    put first), one row at a time, each row locked while it is re-sealed. Returns how many were
    re-sealed. A secret that no configured key opens raises InvalidToken: remove no old key
    before this has run through."""
    count = 0
    for pk in WebhookEndpoint.objects.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            sealed = (WebhookEndpoint.objects.select_for_update().filter(pk=pk)
                      .values_list("sealed_secret", flat=True).first())
            if sealed is None:  # deleted meanwhile
                continue
            WebhookEndpoint.objects.filter(pk=pk).update(sealed_secret=reseal(sealed))
            count += 1
    return count


# Delivering ---------------------------------------------------------------------------------------


def retry_for():
    return timedelta(seconds=getattr(settings, "WEBHOOK_RETRY_FOR", 24 * 60 * 60))


def backoff(attempt):
    """Seconds to wait after failed attempt number `attempt`: 30 s, 1, 2, 4 … min, at most 4 h."""
    base = getattr(settings, "WEBHOOK_BACKOFF_BASE", 30)
    return min(base * 2 ** (attempt - 1), 4 * 60 * 60)


def body_of(delivery):
    """The bytes POSTed for one delivery (the same on every retry): its JSON document, composed
    for the receiving agency when the event was delivered (notifications.delivery.compose), with
    the delivery's id and the event's time. The one place a webhook body is made."""
    document = {
        "delivery_id": str(delivery.delivery_id),
        "event_id": delivery.event_id,
        "occurred_at": delivery.event.created_at.isoformat(),
        **delivery.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def post(endpoint, delivery, *, timestamp=None):
    """POST one delivery; returns (status code or None, what the delivery log shows).

    The host is resolved and every address checked at each delivery; the request goes over a
    connection to a checked address, kept open for the next delivery when the partner allows
    (notifications.destinations). No redirect is followed: a 3xx is an answer other than 2xx, and
    the registered URL is the only one posted to.
    """
    body = body_of(delivery)
    timestamp = int(time.time()) if timestamp is None else timestamp
    parts = urlsplit(endpoint.url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "FusionPortal-Webhooks/1",
        EVENT_HEADER: delivery.payload.get("event", ""),
        DELIVERY_HEADER: str(delivery.delivery_id),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
    }
    timeout = getattr(settings, "WEBHOOK_TIMEOUT", 10)
    try:
        status, reason = destinations.post(
            parts.scheme, parts.hostname, _default_port(parts), path=path, body=body,
            headers=headers, timeout=timeout,
        )
    except DestinationRefused:
        logger.warning("Webhook delivery %s: %s is not a public address; not sent",
                       delivery.delivery_id, parts.hostname)
        return None, REFUSED_DESTINATION
    except (OSError, UnicodeError, http.client.HTTPException) as error:
        logger.warning("Webhook delivery %s to %s failed: %r",
                       delivery.delivery_id, endpoint.url, error)
        return None, UNREACHABLE
    if 200 <= status < 300:
        return status, ""
    return status, f"HTTP {status} {reason}"[:500]


def deliveries_attempt(*, delivery_ids, now=None, also_due=0):
    """One attempt of each of these webhook deliveries that is due and held by no other task,
    and of up to `also_due` other pending deliveries that are due, oldest first: when deliveries
    queue up (one per alert, many alerts) one task takes a batch of them, and the tasks that
    were to carry those find nothing left to do. Returns the attempts made, each with
    `retry_in`: the seconds until the delivery's next attempt is due (None: no retry), for the
    task (notifications.tasks) to schedule.

    Whatever the number of deliveries, five queries when they all get the same answer: before
    the POSTs, in one transaction, the claim (one conditional UPDATE), the deliveries with their
    endpoints and events (one read, no other), the attempts logged (one INSERT: an attempt cut
    short by a dying worker stays in the log, unfinished); after them, in one transaction, the
    attempts completed and the deliveries marked (one UPDATE each per outcome).
    """
    now = now or timezone.now()
    wanted = list(delivery_ids)
    others = None
    if also_due > 0:
        others = (WebhookDelivery.objects
                  .filter(status=Delivery.PENDING, next_attempt_at__lte=now)
                  .exclude(pk__in=wanted).order_by("next_attempt_at").values("pk")[:also_due])
    with transaction.atomic():
        if not claim_many(WebhookDelivery, wanted, now=now, extra={"next_attempt_at__lte": now},
                          or_among=others):
            return []
        # The deliveries being delivered are few (the index on status): this task's are those
        # it claimed at `now`.
        deliveries = list(
            WebhookDelivery.objects.filter(status=Delivery.DELIVERING, claimed_at=now)
            .select_related("endpoint", "event").order_by("pk")
        )
        attempts = WebhookAttempt.objects.bulk_create(
            [WebhookAttempt(delivery=delivery, number=delivery.attempts, at=now)
             for delivery in deliveries]
        )
    for delivery, attempt in zip(deliveries, attempts, strict=True):
        if not delivery.endpoint.is_active:
            attempt.status_code, attempt.error, attempt.duration_ms = (
                None, "The endpoint is disabled.", 0)
            continue
        started = time.monotonic()
        attempt.status_code, attempt.error = post(delivery.endpoint, delivery)
        attempt.duration_ms = int((time.monotonic() - started) * 1000)
    finished = timezone.now()
    outcomes = {}  # the deliveries' new columns -> their ids: usually one UPDATE for all
    for delivery, attempt in zip(deliveries, attempts, strict=True):
        attempt.retry_in = None
        if attempt.succeeded:
            outcome = {"status": Delivery.DELIVERED, "delivered_at": finished}
        elif not delivery.endpoint.is_active or finished - delivery.created_at >= retry_for():
            outcome = {"status": Delivery.FAILED}
        else:
            attempt.retry_in = backoff(delivery.attempts)
            outcome = {"status": Delivery.PENDING,
                       "next_attempt_at": finished + timedelta(seconds=attempt.retry_in)}
        outcomes.setdefault(tuple(outcome.items()), []).append(delivery.pk)
    answers = {}  # (status code, error) -> the attempts that got it
    for attempt in attempts:
        answers.setdefault((attempt.status_code, attempt.error), []).append(attempt)
    with transaction.atomic():
        for (status_code, error), same in answers.items():
            WebhookAttempt.objects.filter(pk__in=[attempt.pk for attempt in same]).update(
                status_code=status_code, error=error,
                duration_ms=Case(*[When(pk=attempt.pk, then=Value(attempt.duration_ms))
                                   for attempt in same], output_field=IntegerField()),
            )
        for outcome, ids in outcomes.items():
            # Only what this task still holds: a delivery whose lease ran out meanwhile is
            # another's.
            WebhookDelivery.objects.filter(pk__in=ids, claimed_at=now).update(**dict(outcome))
    return attempts


def delivery_attempt(*, delivery_id, now=None):
    """One attempt of one webhook delivery (deliveries_attempt), or None when nothing was done."""
    attempts = deliveries_attempt(delivery_ids=[delivery_id], now=now)
    return attempts[0] if attempts else None
