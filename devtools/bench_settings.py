"""The settings of the servers that `make bench-pages` starts: the portal's own settings, as the
environment makes them (DEBUG=0), plus an empty page to measure the floor against and a
middleware that reports each request's server time and query count. Never used in production:
only the benchmark names this module (DJANGO_SETTINGS_MODULE) for the servers it starts."""

from django.core.exceptions import ImproperlyConfigured

from fusionportal.settings import *  # noqa: F403 (the portal's settings, unchanged)
from fusionportal.settings import INSTALLED_APPS, MIDDLEWARE

if "devtools" not in INSTALLED_APPS:
    raise ImproperlyConfigured("devtools.bench_settings needs DEVTOOLS=1.")

ROOT_URLCONF = "devtools.bench_urls"
MIDDLEWARE = ["devtools.bench_middleware.ServerTimingMiddleware", *MIDDLEWARE]
