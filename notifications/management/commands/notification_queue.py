"""manage.py notification_queue: how the notification queue stands (and, with --sweep, a sweep)."""

from django.core.management.base import BaseCommand

from notifications.models import Delivery
from notifications.selectors import queue_stats
from notifications.tasks import sweep as outbox_sweep

LABELS = {"events": "Events (in-app + e-mail)", "emails": "E-mails", "webhooks": "Webhooks"}


def age(seconds):
    if seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


class Command(BaseCommand):
    help = (
        "Shows the notification queue: pending, being delivered, delivered and failed events, "
        "e-mails and webhook deliveries, and the age of the oldest pending one. --sweep hands "
        "over to the workers (or runs in process, without REDIS_URL) whatever is overdue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sweep", action="store_true",
            help="Deliver what is overdue now, as the beat task does every minute.",
        )

    def handle(self, *args, sweep=False, **options):
        if sweep:
            events, webhook_ids = outbox_sweep()
            self.stdout.write(
                f"Swept: {len(events)} event(s) and {len(webhook_ids)} webhook delivery(ies) "
                "handed over."
            )
        stats = queue_stats()
        columns = "".join(f"{status:>12}" for status in Delivery.values)
        self.stdout.write(f"{'':26}{columns}{'oldest pending':>16}")
        for name, row in stats.items():
            self.stdout.write(
                f"{LABELS[name]:26}"
                + "".join(f"{row[s]:>12}" for s in Delivery.values)
                + f"{age(row['oldest_pending_age']):>16}"
            )
