"""Tasks on cases over /api/v1/tasks/ (cases/api/tasks.py): the endpoint contract of
tests/api/base.py (401, the outsider's 404, the read-only key's 403, the levels, the baselines
for 10 and 500 tasks), and what is particular to tasks: the assignee's rule in the error shape,
If-Match, the filters, and a task gone from the list once its case is unshared."""

import pytest

from cases import services as case_services
from cases.api.tasks import TaskRowSerializer
from cases.models import CaseTask
from core.handling import Level
from sharing.services import share, unshare
from tests.api.base import EndpointTests, Write, assert_error_shape
from tests.api.conftest import key_for
from tests.conftest import _user, fresh

pytestmark = pytest.mark.django_db


class TestTasks(EndpointTests):
    resource = "tasks"
    model = CaseTask
    required_level = Level.ANNOTATE
    rows_already = 1  # the story's task
    row_counts = (10, 499)  # with the story's, a page of 500: the largest a page holds

    @pytest.fixture
    def story(self, story, analyst_fl):
        """The story, and MBI's task on its case, assigned to MBI's analyst."""
        story.task = case_services.task_add(case=story.case, by=analyst_fl,
                                            title="Pull the motel CCTV", assignee=analyst_fl)
        return story

    def object_id(self, story):
        return story.task.id

    def writes(self, story):
        return [
            Write("post", self.list_url, {"case_id": story.case.id, "title": "Call the clerk"},
                  Level.ANNOTATE),
            Write("patch", self.detail_url(story), {"status": "done", "version": 1},
                  Level.ANNOTATE),
        ]

    @pytest.fixture
    def make_row(self, story, analyst_fl, make_case):
        """A task of MBI, on the story's case or another, assigned in turn to its analyst or to
        nobody."""
        other = make_case(analyst_fl, states=("FL",))

        def make(n):
            case_services.task_add(case=story.case if n % 2 else other, by=analyst_fl,
                                   title=f"Task {n}", assignee=analyst_fl if n % 3 else None)

        return make


@pytest.fixture
def task(story, analyst_fl):
    return case_services.task_add(case=story.case, by=analyst_fl, title="Pull the motel CCTV",
                                  assignee=analyst_fl)


def test_a_row_says_what_the_task_is(api, task, partner_key_fl, analyst_fl):
    row = api.as_key(partner_key_fl).get(f"/api/v1/tasks/{task.pk}/").json()
    assert set(row) == set(TaskRowSerializer().fields)
    assert (row["case_id"], row["case_number"], row["title"], row["status"]) == (
        task.case_id, "MBI-2015-0042", "Pull the motel CCTV", "open")
    assert (row["assignee_id"], row["assignee"], row["assignee_agency_ori"]) == (
        analyst_fl.pk, "Analyst FL", "FL0480400")
    assert (row["created_by"], row["agency_ori"], row["due_date"], row["done_at"]) == (
        "Analyst FL", "FL0480400", None, None)


def test_a_task_is_added_and_assigned_through_the_service(api, story, partner_writer_fl,
                                                          analyst_fl, mbi):
    created = api.as_key(partner_writer_fl).post("/api/v1/tasks/", {
        "case_id": story.case.id, "title": "Canvass Airline Highway",
        "assignee_id": analyst_fl.pk, "due_date": "2030-01-31"})
    assert created.status_code == 201, created.content
    row = created.json()
    assert (row["assignee_id"], row["due_date"], row["version"]) == (analyst_fl.pk, "2030-01-31", 1)
    assert created["ETag"] == f'"casetask-{row["id"]}-v1"'
    task = CaseTask.objects.get(pk=row["id"])
    assert (task.agency, task.created_by.api_key.name) == (mbi, "MBI case tool")


def test_an_assignee_the_rule_refuses_is_a_400_naming_assignee_id(api, story, partner_writer_fl,
                                                                  outsider):
    api.as_key(partner_writer_fl)
    for assignee_id in (outsider.pk, outsider.pk + 1000):  # of an agency that may not; nobody
        response = api.post("/api/v1/tasks/", {"case_id": story.case.id, "title": "x",
                                                "assignee_id": assignee_id})
        body = assert_error_shape(response, 400)
        assert body["fields"] == {"assignee_id": [case_services.ASSIGNEE_RULE]}
    assert not CaseTask.objects.exists()


def test_a_change_names_the_version_it_read(api, task, partner_writer_fl, analyst_fl):
    api.as_key(partner_writer_fl)
    url = f"/api/v1/tasks/{task.pk}/"
    etag = api.get(url)["ETag"]
    done = api.patch(url, {"status": "done"}, HTTP_IF_MATCH=etag)
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["version"]) == ("done", 2)
    assert done.json()["done_at"] is not None
    stale = api.patch(url, {"status": "open"}, HTTP_IF_MATCH=etag)
    assert_error_shape(stale, 412, "stale_version")
    unassigned = api.patch(url, {"assignee_id": None, "version": 2})
    assert unassigned.status_code == 200 and unassigned.json()["assignee_id"] is None
    assert_error_shape(api.patch(url, {"version": 3}), 400)  # nothing to change
    bad = api.patch(url, {"status": "someday", "version": 3})
    assert list(assert_error_shape(bad, 400)["fields"]) == ["status"]


def test_the_filters(api, story, task, analyst_fl, partner_key_fl, make_case):
    other = make_case(analyst_fl)
    elsewhere = case_services.task_add(case=other, by=analyst_fl, title="Elsewhere")
    case_services.task_update(task=elsewhere, by=analyst_fl, version=1, status="done")
    api.as_key(partner_key_fl)

    def ids(**params):
        return [row["id"] for row in api.get("/api/v1/tasks/", params).json()["results"]]

    assert ids(case=story.case.id) == [task.pk]
    assert ids(status="done") == [elsewhere.pk]
    assert ids(assignee=analyst_fl.pk) == [task.pk]
    assert assert_error_shape(api.get("/api/v1/tasks/", {"status": "x"}), 400)["fields"]


def test_a_task_of_a_case_the_agency_no_longer_sees_vanishes(
    api, story, analyst_fl, analyst_la, nopd, admin_nopd
):
    record = share(obj=story.case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    la = fresh(analyst_la)
    task = case_services.task_add(case=story.case, by=la, title="NOPD: canvass", assignee=la)
    api.as_key(key_for(admin_nopd, name="NOPD RMS"))
    assert [row["id"] for row in api.get("/api/v1/tasks/").json()["results"]] == [task.pk]
    unshare(share_record=record, by=analyst_fl)
    assert api.get("/api/v1/tasks/").json()["results"] == []
    missing = api.get(f"/api/v1/tasks/{task.pk + 1000}/")
    gone = api.get(f"/api/v1/tasks/{task.pk}/")
    assert (gone.status_code, gone.content) == (404, missing.content)


def test_a_recipient_with_annotate_closes_a_task_of_the_owner(api, task, analyst_fl, anaheim,
                                                             partner_key_ca):
    share(obj=task.case, by=analyst_fl, agency=anaheim, level=Level.ANNOTATE)
    response = api.as_key(partner_key_ca).patch(f"/api/v1/tasks/{task.pk}/",
                                                {"status": "done", "version": 1})
    assert response.status_code == 200, response.content
    assert CaseTask.objects.get(pk=task.pk).done_by.agency == anaheim


def test_an_assignee_of_another_agency_it_is_not_shown_is_refused_alike(
    api, task, analyst_fl, anaheim, partner_key_ca, nopd
):
    """Anaheim and NOPD each hold annotate by a share of their own: Anaheim may not assign NOPD's
    analyst, and the answer is the one for a person of no agency that may."""
    share(obj=task.case, by=analyst_fl, agency=anaheim, level=Level.ANNOTATE)
    share(obj=task.case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    nopd_analyst = _user("analyst_nopd2", nopd)
    api.as_key(partner_key_ca)
    hidden = api.patch(f"/api/v1/tasks/{task.pk}/", {"assignee_id": nopd_analyst.pk,
                                                     "version": 1})
    nobody = api.patch(f"/api/v1/tasks/{task.pk}/", {"assignee_id": nopd_analyst.pk + 1000,
                                                     "version": 1})
    assert (hidden.status_code, hidden.json()) == (nobody.status_code, nobody.json())
    assert hidden.status_code == 400
