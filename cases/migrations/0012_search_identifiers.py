"""Search finds identifiers as users type them (PostgreSQL only): each stored vector also holds
its text with the parts of its identifiers joined ("(407) 555-0148" also as "4075550148",
"LKR-7Q2" as "LKR7Q2"), in the 'simple' configuration; cases.search.GLUE_SQL is the pattern and
cases.search the same vectors as Django expressions. The generated columns are made again with
their GIN indexes (migration 0004 made the first ones)."""

import importlib

from django.db import migrations

GLUE_SQL = "([0-9])[-.()/[:space:]]+(?=[0-9])|([[:alnum:]])-(?=[[:alnum:]])"


def _joined(*columns):
    text = " || ' ' || ".join(f"COALESCE({column}, '')" for column in columns)
    return (f"to_tsvector('simple'::regconfig, regexp_replace({text}, '{GLUE_SQL}', '\\1\\2', "
            f"'g'))")


VECTORS = {
    "cases_case": (
        "setweight(to_tsvector('english'::regconfig, COALESCE(number, '') || ' ' || "
        "COALESCE(title, '')), 'A') || "
        "setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')), 'B') || "
        f"setweight({_joined('title', 'summary')}, 'B')",
        "case_search_stored",
    ),
    "cases_intelligenceitem": (
        "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
        "setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'B') || "
        f"setweight({_joined('title', 'body')}, 'B')",
        "item_search_stored",
    ),
    "cases_annotation": (
        "to_tsvector('english'::regconfig, COALESCE(body, '')) || "
        f"setweight({_joined('body')}, 'D')",
        "annotation_search_stored",
    ),
}


def _make(schema_editor, vectors):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (vector, index) in vectors.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({vector}) STORED"
        )
        schema_editor.execute(f"CREATE INDEX {index} ON {table} USING gin (search_vector)")


def forwards(apps, schema_editor):
    _make(schema_editor, VECTORS)


def backwards(apps, schema_editor):
    _make(schema_editor, importlib.import_module("cases.migrations.0004_stored_search_vectors").VECTORS)


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_subject_watches")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
