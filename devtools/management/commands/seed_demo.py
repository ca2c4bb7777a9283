"""`manage.py seed_demo`: the demo network, seeded once; later runs detect it and skip."""

import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.test.utils import override_settings

from devtools.demo import DEMO_PASSWORD, demo_logins, demo_totals, seed_demo

# Celery's logger of each task run (in process without a broker: one line per delivery), and
# kombu's, which warns that the in-process broker (memory://) names no host.
QUIETED = {"celery.app.trace": logging.WARNING, "kombu.connection": logging.ERROR}


@contextmanager
def _quietly():
    """The seeding tells the demo's people what happened, as the portal would: some 90 e-mails
    and as many task runs. Printed, they scroll the logins away, so for the seeding the e-mails
    go nowhere (the in-app notifications are kept) and only a task's warnings and errors are
    logged."""
    loggers = {logging.getLogger(name): level for name, level in QUIETED.items()}
    before = {logger: logger.level for logger in loggers}
    for logger, level in loggers.items():
        logger.setLevel(level)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            yield
    finally:
        for logger, level in before.items():
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Seed the demo network: the 78 fusion centers, member agencies in 8 states, their "
        "people and their cases (among them the trafficking case of the design). Idempotent: "
        "what exists is skipped. Every demo account shares one published password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true",
            help="Seed even with DEBUG off. The demo accounts, a superuser among them, share a "
                 "published password: never on a portal that holds real data.",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts (a superuser among them) with a published password, "
                "so it runs only with DEBUG=1. On a demo machine without DEBUG, pass --force."
            )
        began = time.monotonic()
        try:
            with _quietly():
                seeded = seed_demo()
        except (ValidationError, PermissionDenied, Http404) as error:
            # A service refused a step of the network itself; the transaction rolled back.
            raise CommandError(f"Seeding stopped and wrote nothing: {error}") from error
        elapsed = time.monotonic() - began

        created = seeded.created
        for story in seeded.skipped:
            self.stderr.write(self.style.WARNING(f"Left out {story}"))
        if created:
            made = ", ".join(f"{count} {kind}" for kind, count in created.items())
            message = f"Demo network seeded in {elapsed:.1f} s: {made}."
            self.stdout.write(self.style.SUCCESS(message))
        else:
            self.stdout.write(f"Demo network already in place; nothing to do ({elapsed:.2f} s).")
        totals = ", ".join(f"{count} {kind}" for kind, count in demo_totals().items())
        self.stdout.write(f"In the database: {totals}.")
        self._print_logins()

    def _print_logins(self):
        """The demo logins and how to sign in: the last lines `make run` prints before the
        server starts."""
        rows = [("Username", "Agency", "Role in the demo"), *demo_logins()]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for every demo account: {DEMO_PASSWORD})")
        for number, (username, agency, role) in enumerate(rows):
            self.stdout.write(f"  {username.ljust(widths[0])}  {agency.ljust(widths[1])}  {role}")
            if number == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths))
        self.stdout.write(
            "Every agency also has analyst_<code> and admin_<code> (e.g. analyst_nypd, admin_nypd)."
        )
        self.stdout.write(
            "To sign in: open the portal, enter a username and the password above, and tick the "
            "box under the system-use notice (consent to monitoring); then the authenticator "
            "code, which make code USER=analyst_fl prints (or .venv/bin/python manage.py "
            "demo_code analyst_fl)."
        )
