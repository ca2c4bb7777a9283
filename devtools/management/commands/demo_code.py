"""`manage.py demo_code USERNAME` (or `make code USER=...`): the code a demo account's
authenticator app shows now, for the second step of signing in to the demo."""

from django.core.management.base import BaseCommand, CommandError

from agencies.models import User
from devtools.demo.second_factors import NotADemoAuthenticator, demo_code


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo account (the demo's second factor)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="A demo account, e.g. analyst_fl")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account is called {username!r}. The demo logins are printed "
                               "by `make run` (e.g. analyst_fl).")
        try:
            code, valid = demo_code(user)
        except NotADemoAuthenticator:
            raise CommandError(
                f"{username} has no demo authenticator (it enrolled one of its own, or an admin "
                "reset it): its codes are on that person's phone. Sign in to enrol, or use "
                "another demo account.") from None
        self.stdout.write(code)
        self.stderr.write(f"(the code of {username}'s authenticator, valid for about {valid} s; "
                          "each code works once)")
