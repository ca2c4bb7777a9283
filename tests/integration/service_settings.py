"""Settings of the web server and the Celery worker that the integration tests start as other
processes: the test settings, on the test session's own database, with e-mail written to files
and the production redirect to HTTPS off (the test talks plain HTTP to 127.0.0.1)."""

import os

from fusionportal.test_settings import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["FP_TEST_DATABASE_NAME"]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["FP_TEST_EMAIL_DIR"]
# Every key the web server and the worker keep in Redis for Celery (queues, bindings,
# unacknowledged messages) starts with the test's own prefix: the Redis may be shared.
CELERY_BROKER_TRANSPORT_OPTIONS = {  # noqa: F405
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "global_keyprefix": os.environ["FP_TEST_BROKER_PREFIX"],
}
WEBHOOK_ALLOW_HTTP = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
