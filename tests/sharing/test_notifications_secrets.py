"""Webhook secrets at rest: the database holds them only sealed under WEBHOOK_SECRET_KEYS, the
deliveries are still signed with them, a new encryption key can be rolled in without losing one,
and a new secret is shown in the answer to the request that made it, never kept in the session.
(Production refusing to start without the key: tests/test_settings.py.)"""

import json
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from notifications import tasks, webhooks
from notifications.models import OutboxEvent, WebhookEndpoint
from notifications.sealing import InvalidToken
from tests.base import HttpsClient
from tests.sharing.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def in_process(monkeypatch, settings):
    from fusionportal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)
    settings.WEBHOOK_ALLOW_HTTP = True


@pytest.fixture
def endpoint(nopd_admin):
    return webhooks.endpoint_register(by=nopd_admin, url="https://rms.example.gov/h")


def stored_row(endpoint):
    """The endpoint's row as the database holds it: every column, as text."""
    table = WebhookEndpoint._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [endpoint.pk])  # noqa: S608
        return " ".join(str(value) for value in cursor.fetchone())


def test_the_database_holds_no_plaintext_secret(endpoint):
    secret = endpoint.secret
    assert secret.startswith("whsec_")
    row = stored_row(endpoint)
    assert secret not in row
    assert secret[len("whsec_"):] not in row
    assert "whsec_" not in row
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == secret


def test_a_rotated_secret_is_sealed_too(endpoint, nopd_admin):
    webhooks.endpoint_rotate_secret(endpoint=endpoint, by=nopd_admin)
    assert endpoint.secret not in stored_row(endpoint)


def test_deliveries_are_signed_with_the_secret_read_back_from_the_database(
    nopd_admin, la_safe, trafficking_case
):
    with Receiver() as receiver:
        registered = webhooks.endpoint_register(by=nopd_admin, url=receiver.url)
        receiver.secret = WebhookEndpoint.objects.get(pk=registered.pk).secret  # opened again
        tasks.deliver_event(OutboxEvent.objects.get(case=trafficking_case,
                                                    center__short_name="LA-SAFE").pk)
    headers, body, _ = receiver.requests[0]
    webhooks.verify_signature(
        secret=registered.secret, timestamp=headers["X-FusionPortal-Timestamp"],
        signature=headers["X-FusionPortal-Signature"], body=body,
    )
    assert len(receiver.processed) == 1  # the receiver verified it as well


def test_a_new_encryption_key_keeps_the_old_secrets_readable(nopd_admin, settings):
    settings.WEBHOOK_SECRET_KEYS = [OLD_KEY]
    endpoint = webhooks.endpoint_register(by=nopd_admin, url="https://rms.example.gov/h")
    secret = endpoint.secret
    sealed_under_old = WebhookEndpoint.objects.get(pk=endpoint.pk).sealed_secret

    settings.WEBHOOK_SECRET_KEYS = [NEW_KEY, OLD_KEY]  # the new key first, the old one kept
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == secret
    out = StringIO()
    call_command("rotate_webhook_secret_keys", stdout=out)
    assert "Re-sealed 1 webhook secret " in out.getvalue()
    resealed = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert resealed.sealed_secret != sealed_under_old
    assert secret not in stored_row(endpoint)

    settings.WEBHOOK_SECRET_KEYS = [NEW_KEY]  # the old key removed
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == secret


def test_removing_the_old_key_before_re_sealing_is_refused_clearly(nopd_admin, settings):
    settings.WEBHOOK_SECRET_KEYS = [OLD_KEY]
    endpoint = webhooks.endpoint_register(by=nopd_admin, url="https://rms.example.gov/h")
    settings.WEBHOOK_SECRET_KEYS = [NEW_KEY]
    with pytest.raises(InvalidToken):
        WebhookEndpoint.objects.get(pk=endpoint.pk).secret  # noqa: B018
    with pytest.raises(CommandError, match="put the old key back"):
        call_command("rotate_webhook_secret_keys", stdout=StringIO())


def everything_in_the_sessions():
    """Every session as stored (the encoded column) and as decoded."""
    return " ".join(
        session.session_data + json.dumps(session.get_decoded(), default=str)
        for session in Session.objects.all()
    )


def test_a_new_secret_is_shown_in_the_answer_and_never_kept_in_the_session(nopd_admin):
    client = HttpsClient()
    client.force_login(nopd_admin)
    registered = client.post(reverse("webhook-list"),
                             {"url": "https://rms.example.gov/hooks", "description": "RMS"})
    endpoint = WebhookEndpoint.objects.get()
    first = endpoint.secret
    assert first in registered.content.decode()
    assert "no-store" in registered["Cache-Control"]
    assert first not in everything_in_the_sessions()

    rotated = client.post(reverse("webhook-action", args=[endpoint.pk, "rotate"]))
    endpoint.refresh_from_db()
    second = endpoint.secret
    assert second != first
    assert rotated.status_code == 200
    assert second in rotated.content.decode()
    sessions = everything_in_the_sessions()
    assert Session.objects.exists()  # there is a session to look into
    assert first not in sessions and second not in sessions
    assert second not in client.get(reverse("webhook-detail", args=[endpoint.pk])).content.decode()


# The migration -----------------------------------------------------------------------------------

BEFORE = [("notifications", "0001_initial")]
AFTER = [("notifications", "0002_seal_webhook_secrets")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_existing_secrets_and_its_reverse_opens_them(nopd_admin):
    try:
        old = migrate(BEFORE)
        endpoints = old.get_model("notifications", "WebhookEndpoint")
        pk = endpoints.objects.create(
            agency_id=nopd_admin.agency_id, url="https://rms.example.gov/h",
            secret="whsec_plain-old-secret", created_by_id=nopd_admin.pk,
        ).pk

        migrate(AFTER)
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM sharing_webhookendpoint WHERE id = %s", [pk])
            row = " ".join(str(value) for value in cursor.fetchone())
        assert "plain-old-secret" not in row
        assert WebhookEndpoint.objects.get(pk=pk).secret == "whsec_plain-old-secret"

        back = migrate(BEFORE)
        assert (back.get_model("notifications", "WebhookEndpoint").objects.get(pk=pk).secret
                == "whsec_plain-old-secret")
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
