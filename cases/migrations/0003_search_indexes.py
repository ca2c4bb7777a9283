"""Full-text search indexes (PostgreSQL only): GIN over the same weighted vectors that
cases.search queries, so the planner matches the expression and uses the index.

On SQLite (the embedded demo) nothing is created; search falls back to word matching there.
The indexes live outside the model state on purpose: they are PostgreSQL expression indexes
that the SQLite schema editor could not create.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

INDEXES = {
    "case": "case_search_vector",
    "intelligenceitem": "item_search_vector",
    "annotation": "annotation_search_vector",
}


def _index(model_name):
    from cases.search import annotation_vector, case_vector, item_vector

    vector = {"case": case_vector, "intelligenceitem": item_vector,
              "annotation": annotation_vector}[model_name]()
    return GinIndex(vector, name=INDEXES[model_name])


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name in INDEXES:
        schema_editor.add_index(apps.get_model("cases", model_name), _index(model_name))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name in INDEXES:
        schema_editor.remove_index(apps.get_model("cases", model_name), _index(model_name))


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_share_with_involved_centers")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
