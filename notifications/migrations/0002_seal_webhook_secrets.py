"""Webhook secrets are stored sealed under WEBHOOK_SECRET_KEYS (notifications.sealing): every
existing secret is sealed under the first key, and the plain-text column dropped. Reversed, each
secret is opened (with any of the keys) back into a plain-text column."""

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import migrations, models


def _box():
    return MultiFernet([Fernet(key) for key in settings.WEBHOOK_SECRET_KEYS])


def seal_secrets(apps, schema_editor):
    endpoints = apps.get_model("notifications", "WebhookEndpoint")
    box = _box()
    for pk, secret in endpoints.objects.values_list("pk", "secret"):
        sealed = box.encrypt(secret.encode()).decode()
        endpoints.objects.filter(pk=pk).update(sealed_secret=sealed, secret="")


def open_secrets(apps, schema_editor):
    endpoints = apps.get_model("notifications", "WebhookEndpoint")
    box = _box()
    for pk, sealed in endpoints.objects.values_list("pk", "sealed_secret"):
        secret = box.decrypt(sealed.encode()).decode()
        endpoints.objects.filter(pk=pk).update(secret=secret, sealed_secret="")


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookendpoint",
            name="sealed_secret",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        # Blank while both columns exist, so that the plain-text column can be emptied here and
        # re-created on the way back.
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.RunPython(seal_secrets, open_secrets),
        migrations.RemoveField(
            model_name="webhookendpoint",
            name="secret",
        ),
    ]
