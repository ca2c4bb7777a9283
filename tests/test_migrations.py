"""The rooms moved without moving a row: a database populated at the layout before the move
(the access log and the notifications in the sharing app) is migrated to the head and every row
is found through the models in their new rooms; the notifications lose the content they held."""

from datetime import timedelta

import pytest
from django.apps import apps as current_apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE_THE_MOVE = [
    ("sharing", "0006_tombstone_reason_membership_ended"),
    ("audit", None),
    ("notifications", None),
]
MOVED = {
    "audit": ["AccessLog"],
    "notifications": ["CaseAlert", "OutboxEvent", "Notification", "NotificationRead",
                      "EmailDelivery", "WebhookEndpoint", "WebhookDelivery", "WebhookAttempt",
                      "Follow"],
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def populate_before_the_move(old):
    """One row of every moved model, written through the models as they were."""
    get = old.get_model
    Group = get("auth", "Group")  # noqa: N806  (the historical model)
    center = get("agencies", "FusionCenter").objects.create(
        name="Central Florida Intelligence Exchange", short_name="CFIX", state="FL",
        kind="primary", group=Group.objects.create(name="center:migration-test"),
    )
    agency = get("agencies", "Agency").objects.create(
        name="Metropolitan Bureau of Investigation", ori="FL0480400", level="local",
        home_state="FL", group=Group.objects.create(name="agency:migration-test"),
    )
    user = get("agencies", "User").objects.create(username="analyst_fl", agency=agency)
    case = get("cases", "Case").objects.create(
        owner=agency, lead_center=center, number="MBI-1", title="Runaway minor", created_by=user,
    )
    rows = {}
    rows["AccessLog"] = get("sharing", "AccessLog").objects.create(
        action="read", actor=user, agency=agency, object_type="case", object_id=case.pk)
    rows["CaseAlert"] = get("sharing", "CaseAlert").objects.create(
        case=case, state="LA", center=center)
    event = rows["OutboxEvent"] = get("sharing", "OutboxEvent").objects.create(
        kind="state_lines", key=f"case-alert:{case.pk}:LA", case=case, center=center)
    # As notifications were written before they held pointers only: the title in the text.
    notification = rows["Notification"] = get("sharing", "Notification").objects.create(
        event=event, kind="annotated", center=center, case=case,
        title=f"New annotation on case {case.number}: {case.title}",
        lines=[["Case number", case.number], ["Title", case.title], ["States", "FL, LA"]])
    rows["NotificationRead"] = get("sharing", "NotificationRead").objects.create(
        notification=notification, user=user)
    rows["EmailDelivery"] = get("sharing", "EmailDelivery").objects.create(
        event=event, user=user, address="analyst@example.gov")
    endpoint = rows["WebhookEndpoint"] = get("sharing", "WebhookEndpoint").objects.create(
        agency=agency, url="https://partner.example.gov/hook", secret="whsec_x", created_by=user)
    delivery = rows["WebhookDelivery"] = get("sharing", "WebhookDelivery").objects.create(
        event=event, endpoint=endpoint, payload={"event": "case.spans_state_lines"})
    rows["WebhookAttempt"] = get("sharing", "WebhookAttempt").objects.create(
        delivery=delivery, number=1, at=timezone.now(), status_code=200)
    rows["Follow"] = get("sharing", "Follow").objects.create(user=user, case=case)
    return {name: row.pk for name, row in rows.items()}


@pytest.mark.django_db(transaction=True)
def test_every_row_is_found_in_its_new_room():
    old = migrate(BEFORE_THE_MOVE)
    assert not any(m._meta.app_label == "audit" for m in old.get_models())
    ContentType.objects.get_or_create(app_label="sharing", model="accesslog")
    ids = populate_before_the_move(old)

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    for app_label, names in MOVED.items():
        for name in names:
            model = current_apps.get_model(app_label, name)
            assert model.objects.filter(pk=ids[name]).exists(), f"{app_label}.{name} lost its row"
    # Notifications hold pointers only (notifications 0003): the title is read, if at all,
    # when the notification is read.
    note = current_apps.get_model("notifications", "Notification").objects.get(
        pk=ids["Notification"])
    assert "Runaway minor" not in note.title + str(note.lines)
    assert note.title == "New annotation on case MBI-1" and ["States", "FL, LA"] in note.lines
    # The content type moved with the model: nothing is left under the old label.
    assert ContentType.objects.filter(app_label="audit", model="accesslog").exists()
    assert not ContentType.objects.filter(app_label="sharing", model="accesslog").exists()


def search_columns():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'search_vector'"
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_the_stored_search_vectors_come_and_go_with_their_migration():
    """cases 0004 adds a generated vector to each searchable table on PostgreSQL, filled for the
    rows already there; migrated back, the expression indexes of 0003 return. On SQLite it adds
    nothing."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            for table in ("cases_case", "cases_intelligenceitem", "cases_annotation"):
                columns = connection.introspection.get_table_description(cursor, table)
                assert "search_vector" not in {column.name for column in columns}
        return
    tables = {"cases_case", "cases_intelligenceitem", "cases_annotation"}
    assert search_columns() == tables
    migrate([("cases", "0003_search_indexes")])
    try:
        assert search_columns() == set()
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%search%%'")
            assert {row[0] for row in cursor.fetchall()} == {
                "case_search_vector", "item_search_vector", "annotation_search_vector"}
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert search_columns() == tables


@pytest.mark.django_db(transaction=True)
def test_the_access_log_keeps_its_rows_and_ids_when_partitioned_by_month():
    """audit 0002 rebuilds the table partitioned by month on PostgreSQL (a no-op on SQLite):
    every row is kept with its id, and the next id goes on after them."""
    old = migrate([("audit", "0001_initial")])
    log = old.get_model("audit", "AccessLog")
    written = [log.objects.create(action="read", object_type="case", object_id=n,
                                  at=timezone.now() - timedelta(days=400 * n))
               for n in range(3)]

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    model = current_apps.get_model("audit", "AccessLog")
    kept = {row.pk: (row.object_id, row.at) for row in model.objects.filter(
        pk__in=[row.pk for row in written])}
    assert kept == {row.pk: (row.object_id, row.at) for row in written}
    assert model.objects.create(action="read").pk > max(kept)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_partitioned_table"
                           " WHERE partrelid = 'sharing_accesslog'::regclass")
            assert cursor.fetchone()[0] == 1
