"""The access log is append-only in the database too, not only in the model.

PostgreSQL refuses UPDATE and DELETE on the table (TRUNCATE, which the test runner uses to
empty the database between tests, stays possible for the table owner). SQLite refuses UPDATE;
it keeps DELETE because SQLite has no TRUNCATE and the test runner empties tables with DELETE.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION sharing_accesslog_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'The access log is append-only: ' || TG_OP || ' is refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER sharing_accesslog_append_only
    BEFORE UPDATE OR DELETE ON sharing_accesslog
    FOR EACH ROW EXECUTE FUNCTION sharing_accesslog_refuse_change();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS sharing_accesslog_append_only ON sharing_accesslog;
DROP FUNCTION IF EXISTS sharing_accesslog_refuse_change();
"""
SQLITE_UP = """
CREATE TRIGGER sharing_accesslog_append_only BEFORE UPDATE ON sharing_accesslog
BEGIN SELECT RAISE(ABORT, 'The access log is append-only: UPDATE is refused'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS sharing_accesslog_append_only;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("sharing", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
