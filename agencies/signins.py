"""Log-on, log-off and refused log-on as security events in the access log (CJIS AU-2, AU-3).

Django's auth signals are the one seam every way of signing in passes through (the log-in page,
Django admin's, a test client): each writes one row with the event, the UTC time, the client's
address (core.net), the outcome and the identity. A refused log-on names the username as typed
(never the password) and, when an account has that name, the account and its agency, so that
the admins of that agency's centers see it and nobody else does.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import AccessLog
from audit.services import log_access
from core.net import client_address

from .models import User

# Longer than any username; what someone typed into the field is cut there.
TYPED_USERNAME_MAX = 150


def _address(request):
    return client_address(request) if request is not None else None


@receiver(user_logged_in, dispatch_uid="agencies.signins.logged_in")
def log_logged_in(sender, request, user, **kwargs):
    log_access(action=AccessLog.Action.LOGIN, actor=user, obj=user,
               ip_address=_address(request), detail={"outcome": "success"})


@receiver(user_logged_out, dispatch_uid="agencies.signins.logged_out")
def log_logged_out(sender, request, user, **kwargs):
    if user is None or not user.is_authenticated:
        return  # nobody was signed in: nothing ended
    log_access(action=AccessLog.Action.LOGOUT, actor=user, obj=user,
               ip_address=_address(request), detail={"outcome": "success"})


@receiver(user_login_failed, dispatch_uid="agencies.signins.login_failed")
def log_login_failed(sender, credentials, request=None, **kwargs):
    # Django hands the credentials over with the password already masked; only the username
    # is read from them.
    typed = str(credentials.get(User.USERNAME_FIELD) or "")[:TYPED_USERNAME_MAX]
    account = User.objects.filter(username=typed).select_related("agency").first() if typed else None
    log_access(
        action=AccessLog.Action.LOGIN_FAILED,
        actor=account,
        agency=account.agency if account is not None else None,
        obj=account,
        ip_address=_address(request),
        detail={"outcome": "failure", "username": typed},
    )
