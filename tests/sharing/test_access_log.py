"""The access log: one row for every read and every change, and no way to change a row after.

DESIGN.md: who (user or API key, and agency) read, listed, downloaded, shared or changed which
object, when, from where. Append-only.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction

from audit.models import AccessLog
from cases import services
from cases.models import Case, IntelligenceItem
from core.errors import NotVisible
from core.handling import Level
from notifications.models import Follow
from sharing.models import Share
from sharing.permissions import get_visible_or_404
from sharing.services import share, unshare
from tests.base import HttpsClient
from tests.conftest import fresh


def rows_after(action, before_id=0):
    return list(AccessLog.objects.filter(id__gt=before_id, action=action).order_by("id"))


def last_id():
    return AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0


def assert_one_row(start, action, *, actor, agency, obj):
    """Exactly one row of `action` since `start`, naming who, which agency and which object;
    and no row of any other action."""
    new = list(AccessLog.objects.filter(id__gt=start).order_by("id"))
    assert [row.action for row in new] == [action]
    row = new[0]
    assert (row.actor, row.agency, row.object_type, row.object_id) == (
        actor, agency, obj._meta.model_name, obj.pk,
    )
    assert row.at is not None
    return row


# Reads ---------------------------------------------------------------------------------------


def test_get_visible_or_404_writes_one_read_row(trafficking_case, analyst_fl, mbi):
    start = last_id()
    get_visible_or_404(analyst_fl, Case, trafficking_case.pk)
    assert_one_row(start, "read", actor=analyst_fl, agency=mbi, obj=trafficking_case)


def test_an_agency_reading_is_logged_without_a_person(trafficking_case, mbi):
    start = last_id()
    get_visible_or_404(mbi, Case, trafficking_case.pk)
    assert_one_row(start, "read", actor=None, agency=mbi, obj=trafficking_case)


def test_a_read_for_a_write_is_not_logged_twice(trafficking_case, analyst_fl):
    start = last_id()
    get_visible_or_404(analyst_fl, Case, trafficking_case.pk, record_read=False)
    assert not AccessLog.objects.filter(id__gt=start).exists()


def test_the_detail_page_writes_one_read_row(trafficking_case, analyst_fl, mbi):
    client = HttpsClient()
    client.force_login(analyst_fl)
    start = last_id()
    response = client.get(f"/cases/{trafficking_case.pk}/", REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 200
    reads = [row for row in AccessLog.objects.filter(id__gt=start)
             if row.object_type == "case" and row.object_id == trafficking_case.pk]
    assert [(row.action, row.actor, row.agency) for row in reads] == [("read", analyst_fl, mbi)]
    assert reads[0].ip_address == "198.51.100.7"


def test_a_page_refused_with_404_logs_no_read(trafficking_case, outsider):
    client = HttpsClient()
    client.force_login(outsider)
    start = last_id()
    assert client.get(f"/cases/{trafficking_case.pk}/").status_code == 404
    assert not AccessLog.objects.filter(id__gt=start, action="read").exists()
    with pytest.raises(NotVisible):
        get_visible_or_404(fresh(outsider), Case, trafficking_case.pk)
    assert not AccessLog.objects.filter(id__gt=start, action="read").exists()


# Changes -------------------------------------------------------------------------------------


def test_opening_a_case_writes_one_create_row(make_case, analyst_fl, mbi):
    start = last_id()
    case = make_case(analyst_fl, states=("FL", "LA"))
    row = assert_one_row(start, "create", actor=analyst_fl, agency=mbi, obj=case)
    assert row.detail["states"] == ["FL", "LA"]


def test_creating_an_item_writes_one_create_row(make_item, analyst_fl, mbi):
    start = last_id()
    item = make_item(analyst_fl)
    assert_one_row(start, "create", actor=analyst_fl, agency=mbi, obj=item)


def test_updating_writes_one_update_row(trafficking_case, analyst_fl, mbi):
    start = last_id()
    services.case_update(case=trafficking_case, by=analyst_fl, version=1, title="New title")
    assert_one_row(start, "update", actor=analyst_fl, agency=mbi, obj=trafficking_case)
    start = last_id()
    services.jurisdiction_add(case=trafficking_case, by=analyst_fl, state="TX")
    assert_one_row(start, "update", actor=analyst_fl, agency=mbi, obj=trafficking_case)


def test_annotating_writes_one_annotate_row(trafficking_case, analyst_fl, nopd, analyst_la):
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    la = fresh(analyst_la)
    start = last_id()
    note = services.annotation_add(by=la, case=trafficking_case, body="Seen in Baton Rouge")
    row = assert_one_row(start, "annotate", actor=la, agency=nopd, obj=trafficking_case)
    assert row.detail["annotation_id"] == note.pk
    start = last_id()
    services.annotation_edit(annotation=note, by=la, version=1, body="Seen in Shreveport")
    assert_one_row(start, "annotate", actor=la, agency=nopd, obj=trafficking_case)


def test_sharing_and_withdrawing_write_one_row_each(trafficking_case, analyst_fl, mbi, nopd):
    start = last_id()
    record = share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.VIEW)
    row = assert_one_row(start, "share", actor=analyst_fl, agency=mbi, obj=trafficking_case)
    assert (row.detail["share_id"], row.detail["level_after"]) == (record.pk, Level.VIEW)
    start, share_id = last_id(), record.pk
    unshare(share_record=record, by=analyst_fl)
    row = assert_one_row(start, "unshare", actor=analyst_fl, agency=mbi, obj=trafficking_case)
    assert (row.detail["share_id"], row.detail["level_before"]) == (share_id, Level.VIEW)
    assert not Share.objects.exists()


def test_sharing_an_item_names_the_item(make_item, analyst_fl, mbi, nopd):
    item = make_item(analyst_fl)
    start = last_id()
    share(obj=item, by=analyst_fl, agency=nopd, level=Level.VIEW)
    row = assert_one_row(start, "share", actor=analyst_fl, agency=mbi, obj=item)
    assert row.object_type == IntelligenceItem._meta.model_name == "intelligenceitem"


def test_attaching_writes_one_attach_row(trafficking_case, analyst_fl, mbi):
    start = last_id()
    attachment = services.attachment_add(
        by=analyst_fl, case=trafficking_case,
        uploaded_file=SimpleUploadedFile("notes.txt", b"Motel 6, Shreveport", "text/plain"),
    )
    try:
        row = assert_one_row(start, "attach", actor=analyst_fl, agency=mbi, obj=trafficking_case)
        assert (row.detail["attachment_id"], row.detail["sha256"]) == (
            attachment.pk, attachment.sha256,
        )
    finally:
        attachment.file.delete(save=False)


def test_a_refused_change_writes_no_row(trafficking_case, analyst_fl, nopd, analyst_la):
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.VIEW)
    start = last_id()
    with pytest.raises(PermissionDenied):
        services.annotation_add(by=fresh(analyst_la), case=trafficking_case, body="No")
    with pytest.raises(services.StaleVersion):
        services.case_update(case=trafficking_case, by=analyst_fl, version=99, title="No")
    assert not AccessLog.objects.filter(id__gt=start).exists()


# Append-only ---------------------------------------------------------------------------------


@pytest.fixture
def entry(trafficking_case, analyst_fl):
    start = last_id()
    get_visible_or_404(analyst_fl, Case, trafficking_case.pk)
    return AccessLog.objects.get(id__gt=start)


def test_a_row_cannot_be_changed_or_deleted_through_the_model(entry):
    original = AccessLog.objects.filter(pk=entry.pk).values().get()
    entry.action = "update"
    with pytest.raises(PermissionDenied, match="append-only"):
        entry.save()
    with pytest.raises(PermissionDenied, match="append-only"):
        entry.delete()
    with pytest.raises(PermissionDenied, match="append-only"):
        AccessLog.objects.filter(pk=entry.pk).update(action="update")
    with pytest.raises(PermissionDenied, match="append-only"):
        AccessLog.objects.filter(pk=entry.pk).delete()
    with pytest.raises(PermissionDenied, match="append-only"):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.filter(pk=entry.pk).values().get() == original


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_a_raw_update(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE sharing_accesslog SET action = %s WHERE id = %s", ["update", entry.pk])
    assert AccessLog.objects.get(pk=entry.pk).action == "read"


def test_a_raw_delete_is_refused_by_postgresql_and_allowed_by_sqlite(entry):
    """PostgreSQL's trigger refuses DELETE; the test runner empties it with TRUNCATE. SQLite has
    no TRUNCATE, so its trigger leaves DELETE possible for the test runner."""
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"):
            _raw("DELETE FROM sharing_accesslog WHERE id = %s", [entry.pk])
        assert AccessLog.objects.filter(pk=entry.pk).exists()
    else:
        assert connection.vendor == "sqlite"
        _raw("DELETE FROM sharing_accesslog WHERE id = %s", [entry.pk])
        assert not AccessLog.objects.filter(pk=entry.pk).exists()


# Over HTTP: a change page logs its change, not a read; a list logs the ids it showed. ------


def test_a_change_page_writes_its_change_and_no_read(trafficking_case, analyst_fl, mbi):
    client = HttpsClient()
    client.force_login(analyst_fl)
    start = last_id()
    response = client.post(f"/cases/{trafficking_case.pk}/annotate/", {"body": "Seen in Fresno"})
    assert response.status_code == 302
    assert_one_row(start, "annotate", actor=analyst_fl, agency=mbi, obj=trafficking_case)


def test_a_list_page_writes_one_row_naming_what_it_showed(make_case, analyst_fl, mbi):
    cases = [make_case(analyst_fl) for _ in range(3)]
    client = HttpsClient()
    client.force_login(analyst_fl)
    start = last_id()
    assert client.get("/cases/").status_code == 200
    new = list(AccessLog.objects.filter(id__gt=start))
    assert [(row.action, row.actor, row.agency) for row in new] == [("list", analyst_fl, mbi)]
    assert sorted(new[0].object_ids) == sorted(case.pk for case in cases)


def test_the_dashboard_logs_the_followed_cases_it_names_and_nothing_else(
        make_case, analyst_fl, mbi):
    followed, other = make_case(analyst_fl), make_case(analyst_fl)
    Follow.objects.filter(case=other).delete()  # its author follows a new case
    client = HttpsClient()
    client.force_login(analyst_fl)
    start = last_id()
    assert client.get("/").status_code == 200
    new = list(AccessLog.objects.filter(id__gt=start))
    assert [(row.action, row.actor, row.agency, row.object_ids) for row in new] == [
        ("list", analyst_fl, mbi, [followed.pk])]
    Follow.objects.all().delete()
    start = last_id()
    assert client.get("/").status_code == 200
    assert not AccessLog.objects.filter(id__gt=start).exists()
