"""The bulk import page: upload → job → progress → result and bad rows; another agency's job is
the 404 of a missing one (the generic page classes)."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.base import HttpsClient, MemberPageTests, query_baseline
from work import tip_import
from work.models import TipImportJob, TipTriage
from work.tip_import import import_job_run, import_job_start, progress_of

# The import task runs in process once handed over, in the PostgreSQL + Redis run too.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]

GOOD = (b"source_id,what,where,when,caller_name,caller_phone,subjects\n"
        b"S-1,A van by the school 407-555-0148,Orlando,2026-03-01,,,\n"
        b"S-2,Two men loading boxes,,,,,\n")
BAD = GOOD + b"S-3,,,,,,\n"


def upload(client, user, data, name="calls.csv", **extra):
    client.force_login(user)
    return client.post(reverse("tip-import-new"),
                       {"file": SimpleUploadedFile(name, data, "text/csv"), **extra})


@pytest.fixture
def queued_job(analyst_fl, cfix):
    """A job of MBI's analyst, queued (its task not run yet)."""
    return import_job_start(by=analyst_fl, file_name="calls.csv", data=GOOD)


class TestTipImportPage(MemberPageTests):
    url_name = "tip-import"
    model = TipImportJob
    outsiders = ("outsider", "analyst_la", "analyst_fl2")

    @pytest.fixture
    def subject(self, queued_job):
        return queued_job

    def assert_changed(self, subject, user, response):
        assert b"calls.csv" in response.content


class TestTipImportProgress(TestTipImportPage):
    url_name = "tip-import-progress"

    def assert_changed(self, subject, user, response):
        assert b'hx-trigger="every 1s"' in response.content


def test_upload_runs_the_job_and_the_page_shows_the_result(
        analyst_fl, cfix, django_capture_on_commit_callbacks):
    client = HttpsClient()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(client, analyst_fl, GOOD)
    # The job's hand-over; then, the import committed in process, its subjects' deconfliction.
    assert len(callbacks) == 2
    job = TipImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("tip-import",
                                                                            args=[job.pk])
    assert (job.status, job.total, job.done, job.created, job.rows) == ("done", 2, 2, 2, [])
    page = client.get(response["Location"]).content.decode()
    assert "2 tips created, 0 already imported" in page
    assert 'value="2"' in page and "every 1s" not in page  # finished: no more polling
    assert TipTriage.objects.filter(agency=analyst_fl.agency).count() == 2


def test_a_bad_row_refuses_the_upload_and_the_page_lists_it(
        analyst_fl, cfix, django_capture_on_commit_callbacks):
    client = HttpsClient()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, analyst_fl, BAD)
    job = TipImportJob.objects.get()
    assert job.status == "refused" and job.created == 0
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported: 1 bad row" in page
    assert "line 4" in page and "Say what the caller reported" in page
    assert not TipTriage.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, analyst_fl, BAD, good_only="on")
    assert TipTriage.objects.count() == 2


def test_the_progress_is_polled_until_the_job_is_finished(analyst_fl, cfix, queued_job):
    client = HttpsClient()
    client.force_login(analyst_fl)
    url = reverse("tip-import-progress", args=[queued_job.pk])
    polling = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in polling and "0 of 2 rows" in polling
    import_job_run(queued_job.pk)
    finished = client.get(url).content.decode()
    assert "every 1s" not in finished and "2 of 2 rows" in finished
    assert "2 tips created" in finished


def test_a_job_runs_once_however_often_its_task_is_delivered(analyst_fl, cfix, queued_job):
    assert import_job_run(queued_job.pk).created == 2
    assert import_job_run(queued_job.pk) is None
    assert TipTriage.objects.count() == 2


def test_the_running_figure_is_read_from_the_tasks_progress(analyst_fl, cfix, queued_job):
    cache.set(tip_import._progress_key(queued_job.pk), 1)
    assert progress_of(queued_job) == 1


@pytest.mark.parametrize(("data", "name", "says"), [
    (b"id,what\n1,x\n", "calls.csv", "unknown column(s) id"),
    (b"[]", "calls.json", "The file holds no tip."),
    (b"x", "calls.txt", "Import a .csv or a .json file."),
])
def test_a_file_that_cannot_be_read_is_refused_on_the_form(analyst_fl, cfix, data, name, says):
    response = upload(HttpsClient(), analyst_fl, data, name=name)
    assert response.status_code == 400 and says in response.content.decode()
    assert not TipImportJob.objects.exists()


def test_a_failed_import_is_said_on_its_page_and_writes_nothing(
        analyst_fl, cfix, monkeypatch, django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(tip_import, "tips_import", broken)
    client = HttpsClient()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, analyst_fl, GOOD)
    assert response.status_code == 302
    job = TipImportJob.objects.get()
    assert job.status == "failed" and job.rows == []
    page = client.get(response["Location"]).content.decode()
    assert "The import failed and wrote nothing" in page
    assert not TipTriage.objects.exists()


@pytest.mark.parametrize("bad_rows", [1, 200])
def test_the_polled_progress_costs_its_baseline_whatever_the_bad_rows(
        analyst_fl, cfix, bad_rows, django_assert_num_queries):
    data = GOOD + b"".join(f"B-{n},,,,,,\n".encode() for n in range(bad_rows))
    job = import_job_run(import_job_start(by=analyst_fl, file_name="calls.csv", data=data).pk)
    assert job.status == "refused" and len(job.errors) == bad_rows
    client = HttpsClient()
    client.force_login(analyst_fl)
    url = reverse("tip-import-progress", args=[job.pk])
    client.get(url)
    expected, source = query_baseline(TestTipImportProgress, "tip-import-progress")
    with django_assert_num_queries(expected, info=source):
        response = client.get(url)
    assert response.content.decode().count("Say what the caller reported") == bad_rows
