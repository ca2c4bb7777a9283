"""manage.py rotate_webhook_secret_keys: re-seal every webhook secret under the newest key."""

from django.core.management.base import BaseCommand, CommandError

from notifications.sealing import InvalidToken
from notifications.webhooks import endpoint_secrets_reseal


class Command(BaseCommand):
    help = (
        "Re-seals every webhook secret under the first key of WEBHOOK_SECRET_KEYS. To rotate the "
        "key: put a new key first in WEBHOOK_SECRET_KEYS (keeping the old ones after it), restart, "
        "run this command, then remove the old keys. The partner systems notice nothing: the "
        "secrets that sign their webhooks do not change."
    )

    def handle(self, *args, **options):
        try:
            count = endpoint_secrets_reseal()
        except InvalidToken:
            raise CommandError(
                "A webhook secret is sealed under a key that is not in WEBHOOK_SECRET_KEYS: put the "
                "old key back (after the new one) and run this again."
            ) from None
        self.stdout.write(f"Re-sealed {count} webhook secret{'s' if count != 1 else ''} under the "
                          "first key of WEBHOOK_SECRET_KEYS.")
