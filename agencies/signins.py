"""Sign-in security: log-on, log-off and refused log-on as security events in the access log
(CJIS AU-2, AU-3), and the lockout (AC-7).

Django's auth signals are the one seam every way of signing in passes through (the log-in page,
Django admin's, a test client): each writes one row with the event, the UTC time, the client's
address (core.net), the outcome and the identity. A refused log-on names the username as typed
(never the password) and, when an account has that name, the account and its agency, so that
the admins of that agency's centers see it and nobody else does.

Lockout: LOCKOUT_FAILURES refused log-ons of one account within LOCKOUT_WINDOW_MINUTES lock it
until an admin of its agency (or of a center it is an active member of) releases it
(services.user_release); ADDRESS_LOCKOUT_FAILURES refused log-ons from one address within the
window refuse every log-on from that address until they are older than the window. Both are
counted from the refused log-ons the access log holds, so the record the auditor reads and the
count that locks are the same rows. A locked account and a throttled address are refused as a
wrong password is, with the same words and status: the page never tells which.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from audit.models import AccessLog
from audit.services import log_access
from core.net import client_address

from .models import User

# Longer than any username; what someone typed into the field is cut there.
TYPED_USERNAME_MAX = 150


def _address(request):
    return client_address(request) if request is not None else None


def _window_start():
    return timezone.now() - timedelta(minutes=settings.LOCKOUT_WINDOW_MINUTES)


def _refusals(since):
    return AccessLog.objects.filter(action=AccessLog.Action.LOGIN_FAILED, at__gte=since)


def address_throttled(ip_address):
    """True when the address has had ADDRESS_LOCKOUT_FAILURES refused log-ons within the window
    (counted no further than the limit)."""
    if not ip_address:
        return False
    limit = settings.ADDRESS_LOCKOUT_FAILURES
    return _refusals(_window_start()).filter(ip_address=ip_address)[:limit].count() >= limit


class LockoutBackend(ModelBackend):
    """Django's username and password check, which a locked account or a throttled address does
    not reach: they are refused as a wrong password is (Django then signals the failure). A
    temporary account past its expiry (CJIS AC-2(3)) is refused the same way, and its open
    sessions end at their next request (Django asks the same question of a session's user)."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not user.has_expired()

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        locked = User.objects.filter(username=username, locked_at__isnull=False).exists()
        if locked or (request is not None and address_throttled(client_address(request))):
            # The work of a password check all the same, so that the time taken tells nothing.
            User().set_password(password)
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _lock_when_due(account, ip_address):
    """Lock the account when its refusals within the window, since its last release, reach
    LOCKOUT_FAILURES; one `lockout` row however many requests race here."""
    since = _window_start()
    if account.lock_released_at is not None and account.lock_released_at > since:
        since = account.lock_released_at
    limit = settings.LOCKOUT_FAILURES
    refused = _refusals(since).filter(actor=account)[:limit].count()
    if refused < limit:
        return
    with transaction.atomic():
        now = timezone.now()
        if User.objects.filter(pk=account.pk, locked_at__isnull=True).update(locked_at=now):
            log_access(action=AccessLog.Action.LOCKOUT, actor=account, agency=account.agency,
                       obj=account, ip_address=ip_address, detail={
                           "outcome": "locked", "failures": refused,
                           "window_minutes": settings.LOCKOUT_WINDOW_MINUTES,
                       })


@receiver(user_logged_in, dispatch_uid="agencies.signins.logged_in")
def log_logged_in(sender, request, user, **kwargs):
    """The first step of a log-on: the password (its second factor writes a row of its own,
    second_factor_passed), or an identity provider's answer, which names the provider and says
    whether it asserted multi-factor (agencies.views.federation)."""
    federated = getattr(request, "federated_sign_in", None)
    if federated:
        detail = {"outcome": "success", "step": "identity provider", **federated}
    else:
        detail = {"outcome": "success", "step": "password"}
    log_access(action=AccessLog.Action.LOGIN, actor=user, obj=user,
               ip_address=_address(request), detail=detail)


@receiver(user_logged_out, dispatch_uid="agencies.signins.logged_out")
def log_logged_out(sender, request, user, **kwargs):
    if user is None or not user.is_authenticated:
        return  # nobody was signed in: nothing ended
    # Why the session ended: the person signed out, or the session limits ended it
    # (agencies.sessions: "idle" or "limit").
    reason = getattr(request, "session_end_reason", "signed out")
    log_access(action=AccessLog.Action.LOGOUT, actor=user, obj=user,
               ip_address=_address(request), detail={"outcome": "success", "reason": reason})


@receiver(user_login_failed, dispatch_uid="agencies.signins.login_failed")
def log_login_failed(sender, credentials, request=None, **kwargs):
    # Django hands the credentials over with the password already masked; only the username
    # is read from them.
    typed = str(credentials.get(User.USERNAME_FIELD) or "")[:TYPED_USERNAME_MAX]
    account = User.objects.filter(username=typed).select_related("agency").first() if typed else None
    ip_address = _address(request)
    log_access(
        action=AccessLog.Action.LOGIN_FAILED,
        actor=account,
        agency=account.agency if account is not None else None,
        obj=account,
        ip_address=ip_address,
        detail={"outcome": "failure", "username": typed},
    )
    if account is not None and account.locked_at is None:
        _lock_when_due(account, ip_address)


def second_factor_passed(*, user, request, method):
    """A passed second factor (agencies.mfa: "totp", "recovery code" or "security key") is the
    log-on's second row: the password's row says the password passed, this one that the session
    now passed its second factor too (CJIS IA-2, AU-3: the outcome of each step)."""
    log_access(action=AccessLog.Action.LOGIN, actor=user, obj=user,
               ip_address=_address(request),
               detail={"outcome": "success", "step": "second factor", "method": method})


def second_factor_refused(*, user, request, factor):
    """A refused second-factor code (agencies.mfa) is a refused log-on like a wrong password: the
    same row, which the lockout counts, so that 5 wrong codes lock the account as 5 wrong
    passwords do (a six-digit code would otherwise be guessed). Returns True when the account is
    now locked."""
    ip_address = _address(request)
    log_access(
        action=AccessLog.Action.LOGIN_FAILED, actor=user, agency=user.agency, obj=user,
        ip_address=ip_address,
        detail={"outcome": "failure", "username": user.username[:TYPED_USERNAME_MAX],
                "step": "second factor", "factor": factor},
    )
    _lock_when_due(user, ip_address)
    return User.objects.filter(pk=user.pk, locked_at__isnull=False).exists()
