"""The portal's URLs plus the empty page of the pages benchmark (devtools.bench_settings)."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

EMPTY_PATH = "/bench/empty/"


@require_GET
def empty(request):
    """Nothing but what every request pays: the middleware (the signed-in session is read when
    the benchmark's cookie comes with the request), the URL resolver and a response."""
    return HttpResponse(b"", content_type="text/plain")


urlpatterns = [
    path(EMPTY_PATH.strip("/") + "/", empty, name="bench-empty"),
    path("", include("fusionportal.urls")),
]
