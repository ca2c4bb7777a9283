"""What the idle warning (static/js/session.js) needs to know of the session limits."""

import time

from django.conf import settings

from .mfa import second_factor_verified
from .sessions import idle_left


def session_limits(request):
    """The idle limit, the warning's lead, and the seconds of idleness left as the server counts
    them (no query: the session is already read). Nothing for a visitor who is not signed in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    return {
        "session_idle_seconds": settings.SESSION_IDLE_SECONDS,
        "session_idle_left": idle_left(request.session, time.time()),
        "session_warn_seconds": settings.SESSION_WARN_SECONDS,
    }


def second_factor(request):
    """While the second factor has not passed, the page shows no navigation (SecondFactorMiddleware
    would refuse every link of it) and no counts: only the step itself and log-out."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"second_factor_pending": not second_factor_verified(request)}
