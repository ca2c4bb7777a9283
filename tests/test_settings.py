"""Settings come from the environment, and a bad environment is named, not a traceback of int().

Each case starts a fresh Python with a controlled environment, as a server start-up would: the
settings module is read once per process, so it cannot be re-read inside the test process.
"""

import ast
import os
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

# Everything the settings read; a test names what it wants and inherits none of the rest.
SETTINGS_VARIABLES = {
    "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "API_KEY_HMAC_SECRET", "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS", "DATABASE_URL", "DB_CONN_MAX_AGE", "REDIS_URL", "CACHE_KEY_PREFIX",
    "ATTACHMENT_ROOT", "ATTACHMENT_MAX_BYTES", "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT",
    "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL", "SESSION_COOKIE_AGE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "LOG_LEVEL", "WEBHOOK_ALLOWED_PRIVATE_NETWORKS", "WEBHOOK_SECRET_KEYS",
    "ACCESS_LOG_RETENTION_MONTHS", "BROKER_CONNECT_TIMEOUT", "SESSION_IDLE_SECONDS",
    "SAML_SP_KEY_FILE", "SAML_SP_CERT_FILE", "SAML_XMLSEC_BINARY", "SAML_SP_ENTITY_ID",
    "SAML_CLOCK_SKEW_SECONDS", "SAML_REQUEST_SECONDS",
    "ACCOUNT_INACTIVE_DAYS",
}

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "API_KEY_HMAC_SECRET": secrets.token_urlsafe(50),
    "WEBHOOK_SECRET_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "portal.example.gov",
    "EMAIL_HOST": "smtp.example.gov",
    "EMAIL_PORT": "587",
    "EMAIL_HOST_USER": "portal",
    "EMAIL_HOST_PASSWORD": "mail-password",
    "DEFAULT_FROM_EMAIL": "FusionPortal <noreply@portal.example.gov>",
}


def run(args, **variables):
    """Runs `python <args>` in the project folder with only `variables` of the settings set."""
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environment.update(variables)
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=environment,
        capture_output=True, text=True, timeout=120,
    )


def load_settings(**variables):
    return run(["-c", "import fusionportal.settings"], **variables)


def test_production_settings_pass_the_deploy_check_without_a_warning():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_production_without_secret_key_refuses_to_start_and_says_why():
    without_key = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}

    result = run(["manage.py", "check"], **without_key)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "refuses to start" in result.stderr


def test_production_without_webhook_secret_keys_refuses_to_start_and_says_why():
    without_key = {k: v for k, v in PRODUCTION.items() if k != "WEBHOOK_SECRET_KEYS"}

    result = run(["manage.py", "check"], **without_key)

    assert result.returncode != 0
    assert "WEBHOOK_SECRET_KEYS is not set" in result.stderr
    assert "refuses to start" in result.stderr


def test_a_webhook_secret_key_that_is_no_fernet_key_is_named():
    result = load_settings(**{**PRODUCTION, "WEBHOOK_SECRET_KEYS": f"{Fernet.generate_key().decode()},"
                                                                    "not-a-key"})

    assert result.returncode != 0
    assert "WEBHOOK_SECRET_KEYS must be comma-separated Fernet keys" in result.stderr
    assert "not-a-key" not in result.stderr  # a key is never printed


def test_development_derives_its_webhook_key_from_secret_key():
    show = ["-c", "from fusionportal import settings as s; print(s.WEBHOOK_SECRET_KEYS)"]

    first = run(show, DEBUG="1", SECRET_KEY="dev-one")
    again = run(show, DEBUG="1", SECRET_KEY="dev-one")
    other = run(show, DEBUG="1", SECRET_KEY="dev-two")

    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout != other.stdout
    Fernet(ast.literal_eval(first.stdout)[0])  # a valid key


def test_development_starts_without_secret_key():
    result = run(["manage.py", "check"], DEBUG="1")

    assert result.returncode == 0, result.stderr


def test_bad_debug_value_is_named():
    result = run(["manage.py", "check"], **{**PRODUCTION, "DEBUG": "maybe"})

    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG must be one of 1/0, true/false" in result.stderr
    assert "'maybe'" in result.stderr


@pytest.mark.parametrize(
    "name, value",
    [
        ("EMAIL_PORT", "smtp"),
        ("EMAIL_TIMEOUT", "30s"),
        ("DB_CONN_MAX_AGE", "1.5"),
        ("ATTACHMENT_MAX_BYTES", "25MB"),
        ("SESSION_COOKIE_AGE", "12h"),
        ("SECURE_HSTS_SECONDS", "one year"),
    ],
)
def test_bad_number_is_named_not_a_traceback_of_int(name, value):
    result = load_settings(**{**PRODUCTION, name: value})

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == (
        f"django.core.exceptions.ImproperlyConfigured: {name} must be a whole number; got {value!r}"
    )
    assert "invalid literal for int()" not in result.stderr


def test_negative_number_is_named():
    result = load_settings(**{**PRODUCTION, "EMAIL_PORT": "0"})

    assert result.returncode != 0
    assert "EMAIL_PORT must be at least 1; got 0" in result.stderr


@pytest.mark.parametrize(
    "variables, message",
    [
        ({"DATABASE_URL": "mysqlx://db/portal"}, "DATABASE_URL must look like postgres://"),
        ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL must start with redis://"),
        ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING"),
        ({"EMAIL_USE_SSL": "1", "EMAIL_USE_TLS": "1"}, "Set only one of EMAIL_USE_SSL and"),
        ({"SECURE_SSL_REDIRECT": "sometimes"}, "SECURE_SSL_REDIRECT must be one of 1/0"),
        ({"WEBHOOK_ALLOWED_PRIVATE_NETWORKS": "10.20.0.0/16,partners"},
         "WEBHOOK_ALLOWED_PRIVATE_NETWORKS must be comma-separated networks"),
        ({"ACCESS_LOG_RETENTION_MONTHS": "6"},
         "ACCESS_LOG_RETENTION_MONTHS must be 0 (keep the access log forever) or at least 12"),
        ({"BROKER_CONNECT_TIMEOUT": "half a second"},
         "BROKER_CONNECT_TIMEOUT must be a number of seconds"),
        ({"BROKER_CONNECT_TIMEOUT": "0"}, "BROKER_CONNECT_TIMEOUT must be more than 0 seconds"),
        ({"LOCKOUT_FAILURES": "five"}, "LOCKOUT_FAILURES must be a whole number; got 'five'"),
        ({"LOCKOUT_FAILURES": "0"}, "LOCKOUT_FAILURES must be at least 1; got 0"),
        ({"LOCKOUT_WINDOW_MINUTES": "15m"},
         "LOCKOUT_WINDOW_MINUTES must be a whole number; got '15m'"),
        ({"LOCKOUT_WINDOW_MINUTES": "0"}, "LOCKOUT_WINDOW_MINUTES must be at least 1; got 0"),
        ({"ADDRESS_LOCKOUT_FAILURES": "4"},
         "ADDRESS_LOCKOUT_FAILURES must be at least LOCKOUT_FAILURES (5)"),
        ({"SESSION_IDLE_SECONDS": "30m"}, "SESSION_IDLE_SECONDS must be a whole number; got '30m'"),
        # The warning comes two minutes before the lock: a shorter limit leaves no time.
        ({"SESSION_IDLE_SECONDS": "60"}, "SESSION_IDLE_SECONDS must be at least 180; got 60"),
        ({"ACCOUNT_INACTIVE_DAYS": "0"}, "ACCOUNT_INACTIVE_DAYS must be at least 1; got 0"),
        ({"ACCOUNT_INACTIVE_DAYS": "120"}, "ACCOUNT_INACTIVE_DAYS must be from 1 to 90"),
        ({"ACCOUNT_INACTIVE_DAYS": "ninety"},
         "ACCOUNT_INACTIVE_DAYS must be a whole number; got 'ninety'"),
        ({"MFA_ISSUER": "Fusion:Portal"}, "MFA_ISSUER names the portal in authenticator apps"),
        ({"MFA_ISSUER": " "}, "MFA_ISSUER names the portal in authenticator apps"),
        ({"WEBAUTHN_RP_ID": "10.0.0.5"}, "WEBAUTHN_RP_ID must be a domain name (WebAuthn refuses"),
        ({"WEBAUTHN_RP_ID": "https://portal.example.gov"},
         "WEBAUTHN_RP_ID must be a domain name such as portal.example.gov"),
    ],
    ids=["database-url", "redis-url", "log-level", "ssl-and-tls", "ssl-redirect",
         "webhook-networks", "access-log-retention", "broker-timeout-words",
         "broker-timeout-zero", "lockout-failures-words", "lockout-failures-zero",
         "lockout-window-words", "lockout-window-zero", "address-below-account",
         "idle-words", "idle-too-short", "inactive-days-zero", "inactive-days-over-90",
         "inactive-days-words", "mfa-issuer-colon", "mfa-issuer-empty",
         "webauthn-rp-ip", "webauthn-rp-url"],
)
def test_bad_value_is_named(variables, message):
    result = load_settings(**{**PRODUCTION, **variables})

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr


def test_sending_a_task_makes_one_broker_connection_attempt_bounded_in_time():
    """A commit never waits for Redis: kombu, setting up a connection to send, tries once, for at
    most BROKER_CONNECT_TIMEOUT seconds (tests/integration/test_commit_without_broker.py)."""
    show = ["-c", "from fusionportal import settings as s; "
            "print(s.CELERY_BROKER_CONNECTION_TIMEOUT, s.CELERY_BROKER_TRANSPORT_OPTIONS)"]
    result = run(show, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "0.5 {'visibility_timeout': 3600, 'max_retries': 0, 'socket_connect_timeout': 0.5}")
    result = run(show, **{**PRODUCTION, "BROKER_CONNECT_TIMEOUT": "0.25"})
    assert result.stdout.startswith("0.25 ") and "'socket_connect_timeout': 0.25" in result.stdout


def test_production_allow_lists_no_private_network_for_webhooks():
    result = run(
        ["-c", "from fusionportal import settings as s; print(s.WEBHOOK_ALLOWED_PRIVATE_NETWORKS)"],
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_port_465_speaks_tls_from_the_first_byte():
    result = run(
        ["-c", "from fusionportal import settings as s; print(s.EMAIL_USE_SSL, s.EMAIL_USE_TLS)"],
        **{**PRODUCTION, "EMAIL_PORT": "465"},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]


def test_multi_factor_has_no_switch_and_defaults_to_the_portals_name():
    show = ["-c", "from fusionportal import settings as s; print(s.OTP_TOTP_ISSUER, "
            "s.OTP_TOTP_THROTTLE_FACTOR, s.OTP_TOTP_SYNC, repr(s.WEBAUTHN_RP_ID), "
            "'agencies.mfa.SecondFactorMiddleware' in s.MIDDLEWARE)"]
    result = run(show, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "FusionPortal 0 False '' True"
    result = run(show, **{**PRODUCTION, "WEBAUTHN_RP_ID": "Portal.Example.gov"})
    assert "'portal.example.gov'" in result.stdout
