"""The access-log scale benchmark (make bench-accesslog-scale): its parts, on the test database."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import AccessLog
from devtools.management.commands.bench_accesslog_scale import Command

POSTGRES = connection.vendor == "postgresql"


@pytest.mark.parametrize("sizes", ["ten", "10000000,10000", "0", ""])
def test_bad_sizes_are_refused_before_any_database_is_touched(sizes):
    with pytest.raises(CommandError, match="--sizes"):
        call_command("bench_accesslog_scale", sizes=sizes)


@pytest.mark.django_db
def test_it_seeds_a_year_set_based_and_measures_the_write_and_the_page():
    if not POSTGRES:
        with pytest.raises(CommandError, match="needs PostgreSQL"):
            call_command("bench_accesslog_scale", sizes="100")
        return
    command = Command()
    center, admin, agencies, users = command._network()
    assert command._seed(600, agencies, users) == 600
    assert command._seed(600, agencies, users) == 0  # a size already seeded is kept
    rows = AccessLog.objects.filter(detail__bench=1)
    assert rows.count() == 600
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT tableoid) FROM sharing_accesslog"
                       " WHERE detail ? 'bench'")
        assert cursor.fetchone()[0] >= 12  # a year of months, each in its partition
    median, p95, plan = command._write_cost(admin)
    assert 0 < median <= p95 and plan["buffers"] > 0 and plan["db_ms"] > 0
    median, p95, plan = command._page_cost(center, admin, {}, depth=1)
    assert median > 0 and plan["partitions"] >= 1 and "Limit" in plan["plan"]
