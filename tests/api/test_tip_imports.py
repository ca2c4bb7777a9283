"""POST /api/v1/tip-imports/ and GET /api/v1/tip-imports/<id>/: a JSON body of rows or a CSV
upload, write scope; the bad rows in the job; a re-import creates nothing twice; another
agency's job is the 404 of a missing one."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.base import assert_error_shape
from work.models import TipImportJob, TipTriage

# The import task runs in process once handed over, in the PostgreSQL + Redis run too.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]

URL = "/api/v1/tip-imports/"
ROWS = [{"source_id": "RMS-1", "what": "A van by the school, 407-555-0148",
         "when": "2026-03-01T10:00", "subjects": ["vehicle:FL:LKR7Q2"]},
        {"source_id": "RMS-2", "what": "Two men loading boxes", "caller_name": "Ann Lee"}]


@pytest.fixture
def post(api, partner_writer_fl, cfix, django_capture_on_commit_callbacks):
    """POST, the job's task run once the request's transaction commits (here: at the end of the
    capture, after the answer was built, as a worker would run it)."""
    def send(body, key=partner_writer_fl, **options):
        with django_capture_on_commit_callbacks(execute=True):
            return api.as_key(key).post(URL, body, **options)

    return send


@pytest.fixture
def imported(post, api, partner_writer_fl):
    """POST, then GET the job (polled once: finished)."""
    def send(body, **options):
        response = post(body, **options)
        assert response.status_code == 201, response.content
        return api.as_key(partner_writer_fl).get(response["Location"]).json()

    return send


def test_anonymous_gets_401(api):
    assert_error_shape(api.post(URL, {"tips": ROWS}, format="json"), 401)
    assert_error_shape(api.get(f"{URL}1/"), 401)


def test_a_read_key_cannot_import(post, partner_key_fl):
    response = post({"tips": ROWS}, key=partner_key_fl, format="json")
    assert_error_shape(response, 403, "missing_scope")
    assert not TipImportJob.objects.exists()


def test_json_rows_are_imported_and_a_re_import_creates_nothing_twice(post, api, imported):
    first = post({"tips": ROWS}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "queued" and first.json()["total"] == 2
    assert first["Location"] == f"{URL}{first.json()['id']}/"
    body = api.get(first["Location"]).json()
    assert (body["status"], body["total"], body["done"], body["created"],
            body["already_imported"]) == ("done", 2, 2, 2, 0)
    again = imported(ROWS, format="json")  # a bare list is accepted too
    assert (again["created"], again["already_imported"]) == (0, 2)
    assert TipTriage.objects.count() == 2


def test_bad_rows_are_in_the_job_with_their_index_and_nothing_is_written(imported):
    body = imported({"tips": [*ROWS, {"source_id": "RMS-1", "what": "again"},
                          {"source_id": "RMS-4", "when": "soon"}]}, format="json")
    assert body["status"] == "refused" and body["bad_rows"] == 2
    assert {(e["index"], e["field"], e["code"]) for e in body["errors"]} == {
        (2, "source_id", "import_source_id_repeated"), (3, "what", "tip_what_missing"),
        (3, "when", "import_when_invalid")}
    assert not TipTriage.objects.exists()


def test_a_csv_upload_is_imported(imported):
    data = (b"\xef\xbb\xbfsource_id,what\n"
            b'C-1,"two lines\nof text"\nC-2,\n')
    body = imported({"file": SimpleUploadedFile("calls.csv", data, "text/csv"),
                     "good_only": "true"}, format="multipart")
    assert (body["created"], body["bad_rows"]) == (1, 1)
    assert body["errors"][0]["line"] == 4


def test_a_body_without_rows_is_a_400_in_the_error_shape(post):
    assert_error_shape(post({"good_only": True}, format="json"), 400)
    assert_error_shape(post({"tips": "x"}, format="json"), 400)
    response = post({"file": SimpleUploadedFile("calls.txt", b"x")}, format="multipart")
    assert_error_shape(response, 400)
    assert not TipImportJob.objects.exists()


def test_another_agencys_job_is_the_404_of_a_missing_one(post, api, outsider_key):
    job_id = post({"tips": ROWS}, format="json").json()["id"]
    existing = api.as_key(outsider_key).get(f"{URL}{job_id}/")
    missing = api.as_key(outsider_key).get(f"{URL}{job_id + 1000}/")
    assert_error_shape(existing, 404, "not_found")
    assert (missing.status_code, missing.content) == (existing.status_code, existing.content)
