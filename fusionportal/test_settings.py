"""Settings for the test suite: the same settings, with a key and fast password hashing."""

import os
from datetime import timedelta

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("API_KEY_HMAC_SECRET", "test-only-api-key-secret-" + "y" * 40)
os.environ.setdefault("WEBHOOK_SECRET_KEYS", "dGVzdC1vbmx5LXdlYmhvb2stc2VjcmV0LWtleS0wMDA=")

# The service provider's key pair for federated sign-in: made for this test process (never a
# committed key), in the temp dir.
if not os.environ.get("SAML_SP_KEY_FILE"):
    import tempfile

    from .saml_keys import development_pair

    _saml_key, _saml_cert = development_pair(
        os.path.join(tempfile.gettempdir(), f"fusionportal-test-saml-{os.getpid()}"))
    os.environ["SAML_SP_KEY_FILE"], os.environ["SAML_SP_CERT_FILE"] = _saml_key, _saml_cert

from .settings import *  # noqa: E402,F403

if "devtools" not in INSTALLED_APPS:  # noqa: F405  (the suite tests the demo and benchmarks too)
    INSTALLED_APPS.append("devtools")  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Lists show a change at once (tests/api/test_sync.py checks the production lag on its own).
API_SYNC_SETTLE = timedelta(0)
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The tests' webhook receivers listen on 127.0.0.1: allow-listed here, never by default.
WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
STORAGES["default"]["OPTIONS"]["location"] = str(BASE_DIR / "var" / "test-attachments")  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: the integration tests' web server and Celery worker are other
    # processes and open the same test database. One file per test run (pid), in the temp dir.
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"fusionportal-test-{os.getpid()}.sqlite3")
    }
