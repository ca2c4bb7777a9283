"""The access log by month (audit.partitions): on PostgreSQL each row lands in its month's
partition or, outside the months created, in the default one; beat's task creates the next months
and drops, whole, the months past the retention; SQLite keeps one plain table and loses nothing."""

import io
from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from audit import partitions
from audit.models import AccessLog
from audit.tasks import maintain_access_log_partitions

POSTGRES = connection.vendor == "postgresql"
pytestmark = pytest.mark.django_db


def partition_of(row):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM sharing_accesslog WHERE id = %s",
                       [row.pk])
        return cursor.fetchone()[0]


def row_at(*args):
    return AccessLog.objects.create(action="read", object_type="case", object_id=1,
                                    at=datetime(*args, tzinfo=UTC))


def test_the_log_is_partitioned_by_month_on_postgresql_and_one_table_on_sqlite():
    assert partitions.is_partitioned() is POSTGRES
    if not POSTGRES:
        assert partitions.access_log_partitions_create() == []
        return
    this_month = partitions.month_start(timezone.now().date())
    # migrate made the current month, the one before and the next ones.
    assert {partitions.add_months(this_month, n) for n in (-1, 0, 1, 2)} <= set(
        partitions.month_partitions())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_partkeydef('sharing_accesslog'::regclass)")
        assert cursor.fetchone()[0] == "RANGE (at)"
        # Each partition has the filters' indexes (defined on the partitioned table).
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s",
                       [partitions.partition_name(this_month)])
        definitions = " ".join(row[0] for row in cursor.fetchall())
    for columns in ("(agency_id, at DESC)", "(actor_id, at DESC)", "(action, at DESC, id DESC)",
                    "(object_type, object_id, at DESC)", "(at DESC, id DESC)", "(id, at)"):
        assert columns in definitions


def test_a_row_lands_in_the_partition_of_its_month():
    now = timezone.now()
    row = AccessLog.objects.create(action="read", object_type="case", object_id=7)
    assert AccessLog.objects.get(pk=row.pk).at == row.at
    if POSTGRES:
        assert partition_of(row) == partitions.partition_name(now.date().replace(day=1))


def test_a_row_outside_the_months_created_goes_to_the_default_partition_and_is_kept():
    future, past = row_at(2090, 5, 1), row_at(1990, 5, 1)
    assert set(AccessLog.objects.filter(pk__in=[future.pk, past.pk])
               .values_list("pk", flat=True)) == {future.pk, past.pk}
    if POSTGRES:
        assert partition_of(future) == partition_of(past) == partitions.DEFAULT_PARTITION


def test_the_task_creates_the_next_months_and_the_last_once():
    today = date(2031, 6, 15)
    created = partitions.access_log_partitions_create(today=today)
    if not POSTGRES:
        assert created == []
        return
    assert created == [f"sharing_accesslog_y2031m{month:02d}" for month in (5, 6, 7, 8)]
    assert partitions.access_log_partitions_create(today=today) == []
    # Beat's task, run twice on a real day: the second run finds nothing to do.
    maintain_access_log_partitions()
    assert maintain_access_log_partitions() == {"created": [], "dropped": []}
    assert row_at(2031, 7, 31, 23, 59) and partition_of(
        AccessLog.objects.get(at=datetime(2031, 7, 31, 23, 59, tzinfo=UTC))
    ) == "sharing_accesslog_y2031m07"


def test_beat_runs_the_upkeep_at_least_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["audit-partitions"]
    assert entry["task"] == maintain_access_log_partitions.name
    assert entry["schedule"] <= 24 * 3600


def test_a_month_created_late_takes_its_rows_from_the_default_partition():
    early, other = row_at(2032, 2, 10), row_at(2032, 9, 1)
    partitions.access_log_partitions_create(months=[date(2032, 2, 1)])
    assert AccessLog.objects.filter(pk__in=[early.pk, other.pk]).count() == 2
    if POSTGRES:
        assert partition_of(early) == "sharing_accesslog_y2032m02"
        assert partition_of(other) == partitions.DEFAULT_PARTITION


@pytest.mark.parametrize("months", [1, 6, 11, -1])
def test_retention_below_a_year_is_refused(months):
    with override_settings(ACCESS_LOG_RETENTION_MONTHS=months), pytest.raises(
            ImproperlyConfigured, match="ACCESS_LOG_RETENTION_MONTHS must be 0 .* at least 12"):
        maintain_access_log_partitions()


def test_retention_drops_only_whole_months_older_than_it():
    partitions.access_log_partitions_create(months=[date(2020, 1, 1), date(2020, 2, 1)])
    january, february, ancient = row_at(2020, 1, 31), row_at(2020, 2, 1), row_at(1990, 1, 1)
    with override_settings(ACCESS_LOG_RETENTION_MONTHS=0):
        assert partitions.access_log_partitions_drop_expired(today=date(2021, 2, 15)) == []
    with override_settings(ACCESS_LOG_RETENTION_MONTHS=12):
        dropped = partitions.access_log_partitions_drop_expired(today=date(2021, 2, 15))
    kept = set(AccessLog.objects.values_list("pk", flat=True))
    if not POSTGRES:
        assert dropped == [] and {january.pk, february.pk, ancient.pk} <= kept
        return
    # Every row of January 2020 is more than 12 months old on 2021-02-15; February 2020 is not
    # whole past it; the default partition is never dropped.
    assert dropped == ["sharing_accesslog_y2020m01"]
    assert january.pk not in kept and {february.pk, ancient.pk} <= kept


def test_the_command_creates_and_lists():
    out = io.StringIO()
    call_command("access_log_partitions", stdout=out)
    if POSTGRES:
        assert "month partitions" in out.getvalue() and "retention: forever" in out.getvalue()
    else:
        assert "not partitioned on sqlite" in out.getvalue()
