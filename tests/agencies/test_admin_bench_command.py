"""The access-log export benchmark (make bench-accesslog): its parts, on the test database."""

import pytest
from django.core.management import CommandError, call_command

from audit.models import AccessLog
from devtools.management.commands.bench_accesslog import Command

from .admin_actors import *  # noqa: F403 (the fixtures)


@pytest.mark.parametrize("sizes", ["ten", "100000,10000", "0", ""])
def test_bad_sizes_are_refused_before_any_database_is_touched(sizes):
    with pytest.raises(CommandError, match="--sizes"):
        call_command("bench_accesslog", sizes=sizes)


def test_it_writes_the_rows_and_exports_them_through_the_page_view(ocso, admin_cfix, cfix,
                                                                    analyst_fl2):
    command = Command()
    before = AccessLog.objects.count()
    command._write_rows(120, 0, ocso, [analyst_fl2])
    assert AccessLog.objects.count() == before + 120
    size, seconds = command._export(cfix, admin_cfix, measure_memory=False)
    assert size > 120 * 40 and seconds > 0
    _, peak = command._export(cfix, admin_cfix, measure_memory=True)
    assert 0 < peak < 20 * 1024 * 1024
    # Each export is itself recorded as a download of the log.
    assert AccessLog.objects.filter(action="download", actor=admin_cfix).count() == 2
