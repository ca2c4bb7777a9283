"""On PostgreSQL the access log becomes a table partitioned by month of `at`, every row kept.

Every read is logged and kept at least a year: at national scale that is billions of rows. A
partitioned table keeps each index as large as a month, lets a query bounded in time touch only
its months, and lets retention drop a whole old month instead of deleting rows (which the log
refuses). The table is rebuilt under the same name: a partitioned table with the same columns, its
primary key (id, at) (PostgreSQL requires the partition key in it; `id` still comes from the same
identity sequence, so ids stay unique and go on from where they were), a default partition and one
partition per month from the oldest row (or last month) to two months ahead; the rows are copied, then the old
table's indexes, foreign keys and append-only trigger are made again on the new one, so that each
partition has them.

Django's state does not change: the model keeps `id` as its primary key (nothing references a log
row by foreign key; pages and cursors name a row by `id`, which the sequence keeps unique).

The copy holds the table locked: a log of many millions of rows is converted in a maintenance
window. SQLite keeps its plain table. Reversible: backwards copies the rows into a plain table.
"""

from django.db import migrations, models

TABLE = "sharing_accesslog"
OLD = f"{TABLE}_rebuilt"
TRIGGER = f"""
CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION sharing_accesslog_refuse_change();
"""
MONTHS_AHEAD = 2


def _fetch(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchall()


def _rebuild(schema_editor, *, partitioned):
    """The table made again, partitioned by month or plain, with its rows, ids, indexes,
    foreign keys and trigger."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        indexes = _fetch(cursor, "SELECT indexname, indexdef FROM pg_indexes"
                         " WHERE schemaname = current_schema() AND tablename = %s"
                         " AND indexname <> %s", [TABLE, f"{TABLE}_pkey"])
        foreign_keys = _fetch(cursor, "SELECT conname, pg_get_constraintdef(oid)"
                              " FROM pg_constraint WHERE conrelid = %s::regclass"
                              " AND contype = 'f'", [TABLE])
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
        cursor.execute(f"ALTER INDEX {TABLE}_pkey RENAME TO {OLD}_pkey")
        for name, _ in indexes:
            cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{name[:50]}_rebuilt"')
        if partitioned:
            cursor.execute(
                f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING IDENTITY,"
                f" CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, at)) PARTITION BY RANGE (at)")
            cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
            months = _fetch(cursor, f"""
                SELECT generate_series(
                    date_trunc('month', LEAST(min(at), now() - interval '1 month'), 'UTC'),
                    date_trunc('month', now(), 'UTC') + interval '{MONTHS_AHEAD} months',
                    interval '1 month')
                FROM {OLD}""")
            for (start,) in months:
                cursor.execute(
                    f"CREATE TABLE {TABLE}_y{start:%Y}m{start:%m} PARTITION OF {TABLE}"
                    " FOR VALUES FROM (%s) TO (%s + interval '1 month')", [start, start])
        else:
            cursor.execute(
                f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING IDENTITY,"
                f" CONSTRAINT {TABLE}_pkey PRIMARY KEY (id))")
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {OLD}")
        # The ids go on from where the old sequence was.
        old_sequence = _fetch(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [OLD])[0][0]
        cursor.execute(f"SELECT last_value, is_called FROM {old_sequence}")
        last_value, is_called = cursor.fetchone()
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
                       [TABLE, last_value, is_called])
        cursor.execute(f"DROP TABLE {OLD}")
        for _, definition in indexes:
            # A partitioned index reads as made ON ONLY its table: made again without ONLY,
            # so that it is built on every partition.
            cursor.execute(definition.replace(" ON ONLY ", " ON "))
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(TRIGGER)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _rebuild(schema_editor, partitioned=True)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _rebuild(schema_editor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(forwards, backwards),
        # The action filter of the center's log, newest first (the other filters had theirs).
        migrations.AddIndex(
            model_name="accesslog",
            index=models.Index(fields=["action", "-at", "-id"], name="accesslog_action"),
        ),
    ]
