"""The "Stay signed in" button of the idle warning (static/js/session.js)."""

import time

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from ..sessions import ACTIVE_AT


@login_required
@require_POST
def session_keepalive(request):
    """The person is still there: the idle clock starts again (204, nothing to show)."""
    request.session[ACTIVE_AT] = time.time()
    return HttpResponse(status=204)
