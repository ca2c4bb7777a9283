"""The access log's monthly partitions on PostgreSQL: created ahead of time, dropped (whole) after
the retention period, never a row lost.

On PostgreSQL `sharing_accesslog` is partitioned by range of `at` (migration audit 0002): one
partition per calendar month (UTC), `sharing_accesslog_y2026m12`, plus a default partition that
takes any row no month partition holds (a clock far off, a month not created yet). Indexes are
defined on the partitioned table, so each partition has them. SQLite keeps one plain table; every
function here then does nothing.

Beat runs `audit.tasks.maintain_access_log_partitions` daily; `manage.py access_log_partitions`
does the same by hand; every `migrate` creates the current month and the next ones.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

logger = logging.getLogger(__name__)

TABLE = "sharing_accesslog"
DEFAULT_PARTITION = f"{TABLE}_default"
PARTITION_NAME = re.compile(rf"^{TABLE}_y(\d{{4}})m(\d{{2}})$")
# Months created ahead of the current one: beat runs daily, so a month exists weeks before its
# first row, and a beat down for a few weeks still loses nothing (the default partition holds it).
MONTHS_AHEAD = 2
# At least a year of log is kept (the CJIS Security Policy keeps audit records a year at least).
MINIMUM_RETENTION_MONTHS = 12


def month_start(day):
    return date(day.year, day.month, 1)


def add_months(month, months):
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month):
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def _bound(month):
    return f"'{month.isoformat()} 00:00:00+00'"


def is_partitioned(using=connection):
    if using.vendor != "postgresql":
        return False
    with using.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass",
                       [TABLE])
        return cursor.fetchone() is not None


def month_partitions(using=connection):
    """{first day of month: partition name} of the month partitions attached now."""
    with using.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits"
            " JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
            " WHERE pg_inherits.inhparent = %s::regclass", [TABLE])
        names = [row[0] for row in cursor.fetchall()]
    months = {}
    for name in names:
        match = PARTITION_NAME.match(name)
        if match:
            months[date(int(match[1]), int(match[2]), 1)] = name
    return months


def retention_months():
    """ACCESS_LOG_RETENTION_MONTHS: 0 keeps every month; otherwise at least 12."""
    months = getattr(settings, "ACCESS_LOG_RETENTION_MONTHS", 0)
    if not isinstance(months, int) or isinstance(months, bool) or months < 0 or (
            0 < months < MINIMUM_RETENTION_MONTHS):
        raise ImproperlyConfigured(
            f"ACCESS_LOG_RETENTION_MONTHS must be 0 (keep the access log forever) or at least "
            f"{MINIMUM_RETENTION_MONTHS} (a year is the minimum kept); got {months!r}")
    return months


def _create_month(cursor, month):
    """One month's partition. Rows of that month already in the default partition (written
    before the month was created) move into it in the same transaction: the default partition
    is detached, a fresh one attached, and its rows inserted again through the partitioned table,
    which routes each to its month. No row is deleted (the log refuses it): the old default
    table is dropped whole once its rows are in."""
    name, start, end = partition_name(month), month, add_months(month, 1)
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION} WHERE at >= {_bound(start)}"
        f" AND at < {_bound(end)})")
    if cursor.fetchone()[0]:
        moved = f"{DEFAULT_PARTITION}_moving"
        # Foreign-key checks still deferred in this transaction run now: a table with pending
        # checks cannot be detached or dropped.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {DEFAULT_PARTITION}")
        cursor.execute(f"ALTER TABLE {DEFAULT_PARTITION} RENAME TO {moved}")
        cursor.execute(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {TABLE} DEFAULT")
        cursor.execute(f"CREATE TABLE {name} PARTITION OF {TABLE}"
                       f" FOR VALUES FROM ({_bound(start)}) TO ({_bound(end)})")
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {moved}")
        cursor.execute(f"DROP TABLE {moved}")
        logger.warning("Access log: moved rows of %s from the default partition into %s",
                       month.isoformat()[:7], name)
    else:
        cursor.execute(f"CREATE TABLE {name} PARTITION OF {TABLE}"
                       f" FOR VALUES FROM ({_bound(start)}) TO ({_bound(end)})")


@dataclass
class PartitionReport:
    created: list = field(default_factory=list)
    dropped: list = field(default_factory=list)


def access_log_partitions_create(*, months=None, today=None, ahead=MONTHS_AHEAD,
                                 using=connection):
    """Creates the partitions of the current month, the one before and `ahead` months after it
    (or of the `months` named), those that do not exist yet: safe to run any number of times,
    also from two processes at once (an advisory lock serialises them). Returns the names
    created."""
    if not is_partitioned(using):
        return []
    if months is None:
        first = month_start(today or datetime.now(UTC).date())
        # The month before too: the log page's default window (30 days) reaches into it.
        months = [add_months(first, n) for n in range(-1, ahead + 1)]
    created = []
    with transaction.atomic(using=using.alias), using.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE])
        existing = month_partitions(using)
        for month in sorted(set(months)):
            if month not in existing:
                _create_month(cursor, month)
                created.append(partition_name(month))
    return created


def access_log_partitions_drop_expired(*, today=None, using=connection):
    """Drops the month partitions whose every row is older than ACCESS_LOG_RETENTION_MONTHS
    (nothing with 0): only whole months, never the default partition. Returns the names."""
    keep = retention_months()
    if keep == 0 or not is_partitioned(using):
        return []
    cutoff = add_months(month_start(today or datetime.now(UTC).date()), -keep)
    dropped = []
    with transaction.atomic(using=using.alias), using.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE])
        for month, name in sorted(month_partitions(using).items()):
            if add_months(month, 1) <= cutoff:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
                cursor.execute(f"DROP TABLE {name}")
                dropped.append(name)
    for name in dropped:
        logger.info("Access log: dropped %s (older than %s months)", name, keep)
    return dropped


def access_log_partitions_maintain(*, today=None, using=connection):
    """What beat runs daily: the next months created, the expired ones dropped."""
    retention_months()  # a bad setting stops the task before it changes anything
    return PartitionReport(
        created=access_log_partitions_create(today=today, using=using),
        dropped=access_log_partitions_drop_expired(today=today, using=using),
    )
