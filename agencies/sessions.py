"""Session limits (CJIS AC-11, AC-12): a session is locked after SESSION_IDLE_SECONDS without
activity and ends SESSION_ABSOLUTE_SECONDS after sign-in, whatever the activity. A locked or
ended session is signed out (the access log says why) and the next page asks to log in again.

Activity is a request of the person (a page, a form, the "Stay signed in" button of the warning
that static/js/session.js shows before the lock), not a page's background refresh
(core.activity.passive). The last activity is written to the session at most once a minute, so a
busy analyst does not cost a session write per request.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import redirect

from core.activity import is_passive

SIGNED_IN_AT = "signed_in_at"
ACTIVE_AT = "active_at"
# How stale the recorded activity may get before a request writes it again (seconds).
ACTIVITY_WRITE_EVERY = 60
IDLE_LEFT_HEADER = "X-Session-Idle-Left"


@receiver(user_logged_in, dispatch_uid="agencies.sessions.signed_in")
def remember_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = now
        request.session[ACTIVE_AT] = now


def ended(session, now):
    """Why the session is over ("idle" or "limit"), or None while it is open."""
    started = session.get(SIGNED_IN_AT)
    if started is None:
        return None  # a session from before the limits: it gets them from its next request
    if now - started > settings.SESSION_ABSOLUTE_SECONDS:
        return "limit"
    if now - session.get(ACTIVE_AT, started) > settings.SESSION_IDLE_SECONDS:
        return "idle"
    return None


def idle_left(session, now):
    """Seconds until the session is locked for inactivity, as the server counts them."""
    active_at = session.get(ACTIVE_AT, now)
    return max(0, int(settings.SESSION_IDLE_SECONDS - (now - active_at)))


ENDED_MESSAGES = {
    "idle": "Your session was locked after {idle} without activity. Log in again.",
    "limit": "Your session reached its limit of {limit}. Log in again.",
    "mfa reset": "An administrator reset your second factors. Log in again to enrol a new one.",
}


def duration(seconds):
    """12 hours, 30 minutes, 90 seconds: the largest whole unit."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


class SessionLimitsMiddleware:
    """After AuthenticationMiddleware: signs out a session that is idle or past its limit, and
    records the activity of the others."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        idle_left = getattr(request, "session_idle_left", None)
        if idle_left is not None:
            # For the idle warning: the seconds left as the server counts them, after this
            # request (static/js/session.js reads it from the answers to requests made in place).
            response[IDLE_LEFT_HEADER] = str(idle_left)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return None
        now = time.time()
        session = request.session
        if SIGNED_IN_AT not in session:
            session[SIGNED_IN_AT] = session[ACTIVE_AT] = now
        reason = ended(session, now)
        if reason is not None:
            return self.sign_out(request, reason)
        if is_passive(view_func):
            return None
        if now - session.get(ACTIVE_AT, 0) >= ACTIVITY_WRITE_EVERY:
            session[ACTIVE_AT] = now
        request.session_idle_left = idle_left(session, now)
        return None

    def sign_out(self, request, reason):
        return sign_out(request, reason)


def sign_out(request, reason):
    """End the session for `reason` (a key of ENDED_MESSAGES), say why on the log-in page, and
    send the person there (the access log's log-off row carries the reason)."""
    request.session_end_reason = reason
    logout(request)
    messages.info(request, ENDED_MESSAGES[reason].format(
        idle=duration(settings.SESSION_IDLE_SECONDS),
        limit=duration(settings.SESSION_ABSOLUTE_SECONDS),
    ))
    htmx = getattr(request, "htmx", False)
    # Back to where the person was after logging in again: the page (for a request made in
    # place, the page it was made from, never the fragment); a form's POST cannot be
    # repeated, so after one, the home page.
    if htmx:
        back = htmx.current_url_abs_path
    else:
        back = request.get_full_path() if request.method == "GET" else None
    login = redirect_to_login(back) if back else redirect(settings.LOGIN_URL)
    if htmx:
        # htmx follows a redirect inside the fragment; tell it to load the log-in page.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login["Location"]
        return response
    return login
