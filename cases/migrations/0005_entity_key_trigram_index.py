"""Subjects found by their keys through an index (PostgreSQL only). A subject typed in the
search box is matched on its normalised key by a suffix (a plate without its state) or a
substring (a name or an address): LIKE patterns that a b-tree cannot serve, so every search
read the whole entity table. A trigram GIN index (pg_trgm, a trusted extension: the database's
owner may create it) serves both. SQLite, the embedded demo, keeps its scan.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "entity_key_trigram"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON cases_entity USING gin (key gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_stored_search_vectors")]

    operations = [TrigramExtension(), migrations.RunPython(create, drop, elidable=False)]
