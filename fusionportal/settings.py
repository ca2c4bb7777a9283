"""FusionPortal settings, read from the environment.

Unset, everything falls back to the embedded default: an SQLite file in the project
folder, tasks run in process, a local-memory cache. DATABASE_URL and REDIS_URL switch
to the production parts (PostgreSQL, Redis as Celery broker and cache).
"""

import base64
import binascii
import hashlib
import ipaddress
import os
import shutil
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from . import saml_keys

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}"
    )


def env_int(name, default, *, minimum=0):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {number}")
    return number


def env_seconds(name, default):
    """A positive number of seconds, fractions allowed (0.5)."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        seconds = float(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number of seconds; got {value!r}") from None
    if not seconds > 0:
        raise ImproperlyConfigured(f"{name} must be more than 0 seconds; got {value!r}")
    return seconds


def env_list(name, default=""):
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def env_choice(name, default, choices):
    value = os.environ.get(name) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. In production (DEBUG=0) the portal refuses to start without "
            "one: set SECRET_KEY to a long random string, or DEBUG=1 for local development."
        )
    # Development only: sessions survive restarts, and nothing of value is signed with it.
    SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"

# API keys are stored only as HMAC-SHA256 under this server-side secret: a copy of the database
# alone cannot be used to find or forge a key. Production refuses to start without it.
API_KEY_HMAC_SECRET = os.environ.get("API_KEY_HMAC_SECRET", "")
if not API_KEY_HMAC_SECRET:
    if not DEBUG:
        raise ImproperlyConfigured(
            "API_KEY_HMAC_SECRET is not set. In production (DEBUG=0) the portal refuses to start "
            "without one: set it to a long random string, distinct from SECRET_KEY."
        )
    # Development only: derived from SECRET_KEY, so a development key survives restarts.
    API_KEY_HMAC_SECRET = hashlib.sha256(f"api-key-hmac:{SECRET_KEY}".encode()).hexdigest()

# Webhook secrets are stored only sealed (Fernet) under these keys: a copy of the database alone
# does not give the secrets that sign the portal's webhooks. Comma-separated Fernet keys; the first
# seals, every one opens (to rotate: put a new key first, run `manage.py
# rotate_webhook_secret_keys`, then drop the old key). Production refuses to start without it.
WEBHOOK_SECRET_KEYS = env_list("WEBHOOK_SECRET_KEYS")
if not WEBHOOK_SECRET_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "WEBHOOK_SECRET_KEYS is not set. In production (DEBUG=0) the portal refuses to start "
            "without it: set it to a Fernet key, made with python3 -c 'from cryptography.fernet "
            "import Fernet; print(Fernet.generate_key().decode())'."
        )
    # Development only: derived from SECRET_KEY, so development secrets survive restarts.
    WEBHOOK_SECRET_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(f"webhook-secrets:{SECRET_KEY}".encode()).digest())
        .decode()
    ]
for _key in WEBHOOK_SECRET_KEYS:
    try:
        _key_is_fernet = len(base64.urlsafe_b64decode(_key.encode())) == 32
    except (binascii.Error, ValueError):
        _key_is_fernet = False
    if not _key_is_fernet:
        raise ImproperlyConfigured(
            "WEBHOOK_SECRET_KEYS must be comma-separated Fernet keys (32 bytes in URL-safe "
            "base64, as Fernet.generate_key() makes them); one of them is not."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The reverse proxies whose X-Forwarded-For is believed (core.net.client_address); gunicorn reads
# the same variable for the scheme.
FORWARDED_ALLOW_IPS = env_list("FORWARDED_ALLOW_IPS", "127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    # Multi-factor sign-in (agencies/mfa.py): django-otp's devices, and its TOTP device for the
    # authenticator app.
    "django_otp",
    "django_otp.plugins.otp_totp",
    # The portal's rooms, lowest first (the layering is written down in pyproject.toml's
    # import-linter contracts).
    "core",
    "audit",
    "agencies",
    "cases",
    "sharing",
    "products",
    "notifications",
    "work",
    "taxii",
]
# Demo seeding and benchmarks (devtools/): never part of production unless asked for.
DEVTOOLS = env_bool("DEVTOOLS", default=DEBUG)
if DEVTOOLS:
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "agencies.sessions.SessionLimitsMiddleware",
    # Until the second factor passes, a signed-in session reaches only its pages (CJIS IA-2).
    "agencies.mfa.SecondFactorMiddleware",
    "agencies.time_zones.UserTimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "audit.middleware.AccessContextMiddleware",
]

ROOT_URLCONF = "fusionportal.urls"
WSGI_APPLICATION = "fusionportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.notifications",
                "agencies.context_processors.session_limits",
                "agencies.context_processors.second_factor",
            ],
            # {% moment %}: one way of showing time on every page (core/templatetags/moments.py).
            "builtins": ["core.templatetags.moments"],
        },
    },
]

# Lower-case: not a setting, so the password in it never shows on a debug page.
_database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
except ValueError as error:  # dj_database_url's UnknownSchemeError and ParseError
    raise ImproperlyConfigured(
        "DATABASE_URL must look like postgres://user:password@host:5432/name "
        f"(or sqlite:////absolute/path); could not read it: {error!r}"
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: WAL so the demo server and a seed command can share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    # ModelBackend that first refuses a locked account and a throttled address (CJIS AC-7).
    "agencies.signins.LockoutBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Every account belongs to an agency; guardian's anonymous user would belong to none.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The password rules (CJIS IA-5(1), agencies/passwords.py): at least 8 characters and at most 128
# (passphrases fit, nothing is cut), not breached (the shipped list of 100,000 and Django's own),
# not built from the username, the agency's name or the portal's name, not a repeated pattern,
# keyboard run or sequence. No rule ever expires a password (no forced periodic change).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "agencies.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "agencies.passwords.BreachedPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "agencies.passwords.PortalContextValidator"},
    {"NAME": "agencies.passwords.RepetitionAndSequenceValidator", "OPTIONS": {"max_length": 128}},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Attachments live outside the static and public folders and have no URL of their
    # own: they are served only by a view that checks permissions first.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": os.environ.get("ATTACHMENT_ROOT", str(BASE_DIR / "var" / "attachments")),
            "base_url": None,
        },
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024, minimum=1)
ATTACHMENT_CONTENT_TYPES = [
    "application/pdf",
    "image/jpeg",
    "image/png",
    "text/plain",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Redis: the Celery broker and the cache. Unset: tasks run in process, cache in memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        f"REDIS_URL must start with redis://, rediss:// or unix://; got {REDIS_URL!r}"
    )
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "fusionportal"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A commit never waits for the broker (the change is saved, its outbox row written; the hand-over
# to Redis is a courtesy that the beat sweep stands in for). kombu's default, when it sets up a
# connection to send a message, is to try again for broker_connection_timeout seconds (about 6 s
# with a stopped Redis, per message, whatever `retry=False` says: that covers the publish, not the
# connection). So sending makes one connection attempt (`max_retries` 0) bounded at
# BROKER_CONNECT_TIMEOUT seconds (0.5). Who needs patience has it elsewhere: the worker reconnects
# with broker_connection_max_retries, beat and the tasks' own sends retry by the publish retry
# policy. Measured by tests/integration/test_commit_without_broker.py.
BROKER_CONNECT_TIMEOUT = env_seconds("BROKER_CONNECT_TIMEOUT", 0.5)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "max_retries": 0,
    "socket_connect_timeout": BROKER_CONNECT_TIMEOUT,
}
# Two queues: the default one for the events (inbox rows, e-mails) and the beat sweep, and one for
# webhook deliveries, which wait on partners' servers (docker-compose.yml runs a worker for each;
# a worker started without --queues takes both).
CELERY_TASK_DEFAULT_QUEUE = "celery"
NOTIFICATION_WEBHOOK_QUEUE = "webhooks"
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in (CELERY_TASK_DEFAULT_QUEUE, NOTIFICATION_WEBHOOK_QUEUE)
]
# A worker that starts before Redis answers keeps trying instead of exiting.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tasks are idempotent and acknowledged late: when the broker connection drops, cancel what is
# running so the redelivered copy is the only one that finishes.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Notifications (notifications.tasks): beat sweeps the outbox so that an event a crash left behind
# (between commit and enqueue, or a worker killed mid-task) is delivered within about a minute.
NOTIFICATION_SWEEP_AFTER = env_int("NOTIFICATION_SWEEP_AFTER", 60, minimum=1)
NOTIFICATION_CLAIM_LEASE = env_int("NOTIFICATION_CLAIM_LEASE", 60, minimum=1)
# The access log (audit.partitions): months kept on PostgreSQL. 0 keeps every month (the
# default); otherwise at least 12: a year of log is always kept.
ACCESS_LOG_RETENTION_MONTHS = env_int("ACCESS_LOG_RETENTION_MONTHS", 0)
if 0 < ACCESS_LOG_RETENTION_MONTHS < 12:
    raise ImproperlyConfigured(
        "ACCESS_LOG_RETENTION_MONTHS must be 0 (keep the access log forever) or at least 12 "
        f"(a year is the minimum kept); got {ACCESS_LOG_RETENTION_MONTHS}")
# The account life cycle (CJIS AC-2(3), agencies.lifecycle): a person's account unused for this
# many days is disabled by the daily check, and its agency's admins are told. No "off": CJIS asks
# for it on every system, so 1 to 90 days.
ACCOUNT_INACTIVE_DAYS = env_int("ACCOUNT_INACTIVE_DAYS", 90, minimum=1)
if ACCOUNT_INACTIVE_DAYS > 90:
    raise ImproperlyConfigured(
        "ACCOUNT_INACTIVE_DAYS must be from 1 to 90 (CJIS AC-2(3) disables accounts unused for "
        f"90 days at most); got {ACCOUNT_INACTIVE_DAYS}")
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep": {
        "task": "notifications.tasks.sweep_outbox",
        "schedule": float(env_int("NOTIFICATION_SWEEP_EVERY", 60, minimum=1)),
    },
    # The next months' access-log partitions, and retention: daily, idempotent.
    "audit-partitions": {
        "task": "audit.tasks.maintain_access_log_partitions",
        "schedule": 24 * 3600.0,
    },
    # Accounts unused for ACCOUNT_INACTIVE_DAYS, and expired ones, disabled: daily, idempotent.
    "accounts-lifecycle": {
        "task": "agencies.tasks.disable_unused_accounts",
        "schedule": 24 * 3600.0,
    },
    # 28 CFR 23.20(h): control officials told of their records due for review, daily.
    "cfr23-review-queue": {
        "task": "cases.tasks.review_queue_daily",
        "schedule": 24 * 3600.0,
    },
    # Requests for information: reminded before they are due, escalated once overdue (once each).
    "rfi-reminders": {
        "task": "work.tasks.remind_and_escalate",
        "schedule": 3600.0,
    },
    # Bulk imports of tips whose hand-over to a worker was lost (the broker down): the queued
    # jobs run, the imported subjects deconflicted and their watchers told; every minute.
    "tip-import-sweep": {
        "task": "work.tasks.tip_import_sweep",
        "schedule": 60.0,
    },
}
# Requests for information: how many days before its due date a request is reminded.
RFI_REMIND_DAYS_BEFORE = env_int("RFI_REMIND_DAYS_BEFORE", 1, minimum=0)
# Webhooks: seconds to wait for a partner's answer; plain http:// only in development.
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10, minimum=1)
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", default=DEBUG)
# Webhooks go to public addresses only (notifications.destinations). A partner system on a private
# network is reached only when its network is listed here, e.g. "10.20.0.0/16,fd12:3456::/48".
WEBHOOK_ALLOWED_PRIVATE_NETWORKS = env_list("WEBHOOK_ALLOWED_PRIVATE_NETWORKS")
for _network in WEBHOOK_ALLOWED_PRIVATE_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            "WEBHOOK_ALLOWED_PRIVATE_NETWORKS must be comma-separated networks such as "
            f"10.20.0.0/16; got {_network!r}"
        ) from None

# E-mail: the console in development, SMTP from the environment in production.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if not os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# Port 465 speaks TLS from the first byte (EMAIL_USE_SSL); 587 upgrades with STARTTLS.
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=EMAIL_PORT == 465)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=not EMAIL_USE_SSL)
if EMAIL_USE_SSL and EMAIL_USE_TLS:
    raise ImproperlyConfigured("Set only one of EMAIL_USE_SSL and EMAIL_USE_TLS.")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "FusionPortal <noreply@fusionportal.invalid>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. Production (DEBUG=0) passes `manage.py check --deploy` without warnings.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# CJIS AC-11/AC-12 (agencies.sessions): a session is locked after this long without activity,
# with a warning two minutes before; and ends SESSION_COOKIE_AGE after sign-in whatever happens.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=180)
SESSION_ABSOLUTE_SECONDS = SESSION_COOKIE_AGE
SESSION_WARN_SECONDS = 120
# Lockout (CJIS AC-7, agencies/signins.py): this many refused log-ons of one account within the
# window lock it until an admin releases it; this many from one address within the window refuse
# every log-on from that address until its failures are older than the window.
LOCKOUT_FAILURES = env_int("LOCKOUT_FAILURES", 5, minimum=1)
LOCKOUT_WINDOW_MINUTES = env_int("LOCKOUT_WINDOW_MINUTES", 15, minimum=1)
ADDRESS_LOCKOUT_FAILURES = env_int("ADDRESS_LOCKOUT_FAILURES", 50, minimum=1)
if ADDRESS_LOCKOUT_FAILURES < LOCKOUT_FAILURES:
    raise ImproperlyConfigured(
        f"ADDRESS_LOCKOUT_FAILURES must be at least LOCKOUT_FAILURES ({LOCKOUT_FAILURES}): one "
        f"person's mistyped password would lock every account behind that address; got "
        f"{ADDRESS_LOCKOUT_FAILURES}")
# Federated sign-in (SAML 2.0, agencies/federation.py): the portal is a service provider of the
# identity providers a superuser connects in Django admin. Its own key and certificate: both files
# or neither. Without them federated sign-in is off (the log-in page offers none); the demo
# (DEBUG=1) makes a development pair under var/saml/. xmlsec1 (Debian: apt-get install xmlsec1)
# signs and checks the messages.
SAML_SP_KEY_FILE = os.environ.get("SAML_SP_KEY_FILE", "")
SAML_SP_CERT_FILE = os.environ.get("SAML_SP_CERT_FILE", "")
SAML_XMLSEC_BINARY = os.environ.get("SAML_XMLSEC_BINARY") or shutil.which("xmlsec1") or ""
if bool(SAML_SP_KEY_FILE) != bool(SAML_SP_CERT_FILE):
    raise ImproperlyConfigured(
        "Set both SAML_SP_KEY_FILE and SAML_SP_CERT_FILE (the service provider's PEM key and "
        "certificate for federated sign-in), or neither (federated sign-in off).")
if not SAML_SP_KEY_FILE and DEBUG and SAML_XMLSEC_BINARY:
    SAML_SP_KEY_FILE, SAML_SP_CERT_FILE = saml_keys.development_pair(BASE_DIR / "var" / "saml")
if SAML_SP_KEY_FILE:
    _problem = saml_keys.check_pair(SAML_SP_KEY_FILE, SAML_SP_CERT_FILE)
    if _problem:
        raise ImproperlyConfigured(f"SAML_SP_KEY_FILE / SAML_SP_CERT_FILE: {_problem}.")
    if not (SAML_XMLSEC_BINARY and os.access(SAML_XMLSEC_BINARY, os.X_OK)):
        raise ImproperlyConfigured(
            "Federated sign-in (SAML_SP_KEY_FILE is set) needs xmlsec1, which is not installed "
            f"or not executable ({SAML_XMLSEC_BINARY or 'not on PATH'}): apt-get install xmlsec1, "
            "or name it in SAML_XMLSEC_BINARY.")
# The portal's entity id; empty: the URL of its metadata (/saml/metadata/) as the request names it.
SAML_SP_ENTITY_ID = os.environ.get("SAML_SP_ENTITY_ID", "")
# How far the identity provider's clock may be from ours, and how long a sign-in started here may
# take at the identity provider (its request is forgotten after that).
SAML_CLOCK_SKEW_SECONDS = env_int("SAML_CLOCK_SKEW_SECONDS", 60)
SAML_REQUEST_SECONDS = env_int("SAML_REQUEST_SECONDS", 600, minimum=60)
# Multi-factor (CJIS IA-2, agencies/mfa.py): every account passes a second factor after its
# password; there is no setting that turns it off. The issuer names the portal in the
# authenticator app. A refused code counts towards the lockout above, so django-otp's own
# throttle (a growing delay that refuses even a right code for a while) is off; the window stays
# one step (30 s) either side of the server's clock, without drift.
OTP_TOTP_ISSUER = (os.environ.get("MFA_ISSUER") or "FusionPortal").strip()
if not OTP_TOTP_ISSUER or ":" in OTP_TOTP_ISSUER or len(OTP_TOTP_ISSUER) > 64:
    raise ImproperlyConfigured(
        "MFA_ISSUER names the portal in authenticator apps: 1 to 64 characters, no colon; got "
        f"{OTP_TOTP_ISSUER!r}")
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_TOTP_SYNC = False
# Django admin lists the devices without their secrets (and without a QR code of them).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Security keys and passkeys (WebAuthn) are bound to this domain (the relying party id), e.g.
# portal.example.gov; unset, the host the browser asked for. WebAuthn refuses an IP address.
WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "").strip().lower()
if WEBAUTHN_RP_ID:
    try:
        ipaddress.ip_address(WEBAUTHN_RP_ID.strip("[]"))
    except ValueError:
        pass
    else:
        raise ImproperlyConfigured(
            f"WEBAUTHN_RP_ID must be a domain name (WebAuthn refuses an IP address); got "
            f"{WEBAUTHN_RP_ID!r}")
    if not all(part and len(part) <= 63 and part.replace("-", "").isalnum()
               for part in WEBAUTHN_RP_ID.split(".")):
        raise ImproperlyConfigured(
            f"WEBAUTHN_RP_ID must be a domain name such as portal.example.gov; got "
            f"{WEBAUTHN_RP_ID!r}")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp) on every response: the portal's pages run only the
# scripts and styles it serves itself; no inline script, inline style, eval, plug-in, frame or
# form sent elsewhere. Written out so that a page that needs more fails in the browser tests
# (tests/browser/test_csp.py) rather than loosening the policy here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # TLS ends at the reverse proxy or load balancer in front of gunicorn (README, Production);
    # it must set X-Forwarded-Proto and strip any copy of that header sent by the client.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
    },
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # pysaml2 loads its XML schemas at start-up and xmlschema says so at INFO on every command.
        "xmlschema": {"level": "WARNING"},
        # WeasyPrint (the PDF exports) tells each step of its layout at INFO, its own style sheets
        # on import too: on every command and every export.
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# The REST API for partner systems (/api/v1/, see README "REST API").
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "agencies.api.auth.ApiKeyAuthentication",
        "agencies.api.auth.PortalSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["agencies.api.auth.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["agencies.api.auth.PerKeyThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.OrjsonRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.ApiJSONParser"],
    "DEFAULT_METADATA_CLASS": "core.api.metadata.ApiMetadata",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Requests per key (or per portal user) and minute; the counter lives in the cache (Redis).
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "600/min")
# Sync lists hold back what changed in the last API_SYNC_SETTLE_SECONDS: a change is stamped when
# it is saved and visible when its transaction commits, so a cursor that has moved past a stamp
# must not see a row with an earlier stamp appear later. The lag covers slow commits and the
# clock difference between web servers.
API_SYNC_SETTLE = timedelta(seconds=env_int("API_SYNC_SETTLE_SECONDS", 10))
SPECTACULAR_SETTINGS = {
    "TITLE": "FusionPortal API",
    "DESCRIPTION": (
        "Partner systems pull the cases and intelligence items their agency may see, keep their "
        "copy in sync (updated_after, cursor, /api/v1/changes/ tombstones) and write annotations. "
        "Lists show a change once it is a few seconds old (API_SYNC_SETTLE_SECONDS, 10 by "
        "default), so that a cursor never moves past a change still being committed. "
        "Authenticate with `Authorization: Bearer <key>`; an agency admin creates keys in the portal."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TlpEnum": "core.handling.TLP",
        "EntityKindEnum": "cases.models.Entity.Kind",
        "ItemKindEnum": "cases.models.IntelligenceItem.Kind",
        "CenterKindEnum": "agencies.models.FusionCenter.Kind",
        "CaseStatusEnum": "cases.models.Case.Status",
        "TaskStatusEnum": "cases.models.CaseTask.Status",
        "RfiStatusEnum": "work.models.RfiRequest.Status",
        "SarBehaviourEnum": "cases.sar.Behaviour",
        "ReferralStatusEnum": "work.models.Referral.Status",
        "ReferralOutcomeEnum": "work.models.Referral.Outcome",
        "TipStatusEnum": "work.models.TipTriage.Status",
        "TipSubjectKindEnum": "work.api.tips.SUBJECT_KINDS",
        "TipHintTypeEnum": "work.api.tips.HINT_TYPES",
    },
}
