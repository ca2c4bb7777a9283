"""Import tips from a CSV or JSON file for one agency (work.tip_import): prints the counts and
each bad row; exits non-zero when bad rows refused the import."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencies.models import User

from ...tip_import import ImportRefused, rows_from_file, tips_import


class Command(BaseCommand):
    help = ("Import tips (CSV or JSON, a source_id per row) into an agency's triage queue. "
            "All or nothing unless --good-only; a re-import creates nothing twice.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="FILE.csv or FILE.json")
        parser.add_argument("--agency", required=True, help="The agency's ORI.")
        parser.add_argument("--user", required=True,
                            help="The username of the person of that agency importing.")
        parser.add_argument("--good-only", action="store_true",
                            help="Import the good rows even when some are bad (reported).")

    def handle(self, *args, file, agency, user, good_only, **options):
        person = User.objects.filter(username=user, is_active=True).select_related("agency") \
            .first()
        if person is None:
            raise CommandError(f"No active user {user}.")
        if person.agency is None or person.agency.ori != agency:
            raise CommandError(f"{user} is not a person of the agency {agency}.")
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}.") from error
        try:
            result = tips_import(by=person, rows=rows_from_file(path.name, data),
                                 good_only=good_only, source=path.name)
        except ImportRefused as refusal:
            raise CommandError(" ".join(refusal.messages)) from refusal
        for error in result.errors:
            place = f"line {error['line']}" if "line" in error else f"index {error['index']}"
            field = f" {error['field']}" if error["field"] else ""
            self.stdout.write(f"{place}{field}: {error['reason']} [{error['code']}]")
        summary = (f"{result.total} rows: {result.created} created, {result.already} already "
                   f"imported, {result.as_dict()['bad_rows']} bad")
        if not result.written:
            raise CommandError(f"{summary}; nothing imported (fix the bad rows, or "
                               "--good-only).")
        self.stdout.write(self.style.SUCCESS(summary + "."))
