"""Tasks on a case (cases.services.task_add, task_update; cases/views/tasks.py): anyone whose
agency may annotate the case adds, assigns and closes them; the assignee is an active person of
an agency that may annotate it, and is told, with the case's title and the task only while its
agency sees the case; every agency that sees the case sees its tasks and no other does (a 404 on
every page of a task, and the task gone from every list once the case is unshared); the case page
and the lists cost the same queries for 10 tasks as for 500.
"""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.api_keys import api_key_create
from agencies.models import ApiKey, User
from audit.models import AccessLog
from cases import selectors, services
from cases.models import Case, CaseTask, TimelineEvent
from core.errors import InsufficientLevel, NotVisible, StaleVersion
from core.handling import Level
from notifications.models import Notification
from sharing.models import Share
from sharing.services import share, unshare
from tests.base import (
    HttpsClient,
    ListPageTests,
    ObjectActionTests,
    ObjectPageTests,
    ObjectViewTests,
    deliver_all,
    messages_of,
)
from tests.conftest import _user, fresh

pytestmark = pytest.mark.django_db

ROWS = (10, 500)


def client_of(user):
    client = HttpsClient()
    client.force_login(fresh(user))
    return client


def codes(error):
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


@pytest.fixture
def colleague_fl(mbi):
    """Another analyst of MBI."""
    return _user("colleague_fl", mbi)


@pytest.fixture
def task(trafficking_case, analyst_fl):
    """MBI's task on the story's case, assigned to its own analyst, due in three days."""
    return services.task_add(case=trafficking_case, by=analyst_fl,
                             title="Pull the Baton Rouge motel CCTV", assignee=analyst_fl,
                             due_date=timezone.localdate() + timedelta(days=3))


# Adding and assigning ---------------------------------------------------------------------------


def test_a_task_is_added_open_with_its_timeline_entries_and_access_log_row(
    trafficking_case, analyst_fl, colleague_fl, mbi
):
    due = date(2030, 1, 31)
    task = services.task_add(case=trafficking_case, by=analyst_fl, title="  Call the motel  ",
                             assignee=colleague_fl, due_date=due)
    assert (task.status, task.title, task.due_date, task.agency, task.created_by, task.version) \
        == ("open", "Call the motel", due, mbi, analyst_fl, 1)
    entries = list(TimelineEvent.objects.filter(case=trafficking_case).order_by("-id")
                   .values_list("kind", "summary")[:2])
    assert entries == [
        ("task_assigned", "Task assigned to Colleague FL (Metropolitan Bureau of Investigation): "
                          "Call the motel"),
        ("task_added", "Task added: Call the motel"),
    ]
    logged = AccessLog.objects.filter(action="update", object_id=trafficking_case.pk).latest("id")
    assert logged.detail == {"task_id": task.pk, "task": "added", "assignee_id": colleague_fl.pk}
    assert "motel" not in json.dumps(logged.detail)  # the log holds no content


def test_a_task_needs_a_title(trafficking_case, analyst_fl):
    with pytest.raises(ValidationError) as refused:
        services.task_add(case=trafficking_case, by=analyst_fl, title="  ")
    assert codes(refused.value) == {"title": ["task_title_missing"]}


def test_adding_one_needs_annotate_on_the_case(trafficking_case, analyst_fl, analyst_la, nopd,
                                               outsider):
    with pytest.raises(NotVisible):
        services.task_add(case=trafficking_case, by=outsider, title="x")
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.VIEW)
    with pytest.raises(InsufficientLevel):
        services.task_add(case=trafficking_case, by=fresh(analyst_la), title="x")
    assert not CaseTask.objects.exists()
    Share.objects.filter(case=trafficking_case).delete()
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    assert services.task_add(case=trafficking_case, by=fresh(analyst_la), title="x").agency == nopd


def refused_assignee(case, by, assignee):
    with pytest.raises(ValidationError) as refused:
        services.task_add(case=case, by=by, title="Canvass the motel", assignee=assignee)
    assert codes(refused.value) == {"assignee": ["assignee_cannot_annotate"]}
    assert refused.value.message_dict["assignee"] == [services.ASSIGNEE_RULE]
    return refused.value


def test_the_assignee_is_an_active_person_of_an_agency_that_may_annotate(
    trafficking_case, analyst_fl, analyst_la, nopd, outsider, colleague_fl, agency_admin_fl
):
    refused_assignee(trafficking_case, analyst_fl, outsider)  # Houston sees nothing
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.VIEW)
    refused_assignee(trafficking_case, analyst_fl, fresh(analyst_la))  # NOPD may only view
    User.objects.filter(pk=colleague_fl.pk).update(is_active=False)
    refused_assignee(trafficking_case, analyst_fl, fresh(colleague_fl))
    api_key_create(by=agency_admin_fl, name="MBI case tool", scope=ApiKey.Scope.WRITE)
    refused_assignee(trafficking_case, analyst_fl, ApiKey.objects.get().user)  # not a person
    assert not CaseTask.objects.exists()
    Share.objects.filter(case=trafficking_case).delete()
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    task = services.task_add(case=trafficking_case, by=analyst_fl, title="Canvass the motel",
                             assignee=fresh(analyst_la))
    assert task.assignee == analyst_la


def test_a_recipient_assigns_only_to_holders_it_is_shown(
    trafficking_case, analyst_fl, analyst_la, analyst_la2, nopd, lsp, la_safe
):
    """NOPD and the Louisiana State Police each hold annotate by a share of their own: who else
    holds the case is MBI's to know, so NOPD may not assign LSP's analyst (nor find out that LSP
    holds it by trying), and is not offered LSP's people. Once the case is shared with LA-SAFE,
    a share NOPD is shown, LSP's people are NOPD's to assign too."""
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    share(obj=trafficking_case, by=analyst_fl, agency=lsp, level=Level.ANNOTATE)
    la, state_trooper = fresh(analyst_la), fresh(analyst_la2)
    offered = selectors.task_assignees(la, trafficking_case)
    assert la in offered and analyst_fl in offered and state_trooper not in offered
    refused_assignee(trafficking_case, la, state_trooper)
    assert state_trooper in selectors.task_assignees(analyst_fl, trafficking_case)
    services.task_add(case=trafficking_case, by=analyst_fl, title="By the owner",
                      assignee=state_trooper)
    share(obj=trafficking_case, by=analyst_fl, target=Share.Target.CENTER, center=la_safe,
          level=Level.ANNOTATE)
    la = fresh(analyst_la)
    assert state_trooper in selectors.task_assignees(la, trafficking_case)
    services.task_add(case=trafficking_case, by=la, title="By NOPD", assignee=state_trooper)


def test_the_menu_offers_the_readers_own_agency_first_and_persons_only(
    trafficking_case, analyst_fl, colleague_fl, analyst_la, nopd, agency_admin_fl
):
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    api_key_create(by=agency_admin_fl, name="MBI case tool", scope=ApiKey.Scope.WRITE)
    User.objects.filter(pk=colleague_fl.pk).update(is_active=False)
    la = fresh(analyst_la)
    offered = selectors.task_assignees(la, trafficking_case)
    assert offered[0] == la
    assert {user.agency_id for user in offered} == {nopd.pk, analyst_fl.agency_id}
    assert colleague_fl not in offered
    assert not any(user.username.startswith("apikey.") for user in offered)


# Changing one ------------------------------------------------------------------------------------


def test_done_then_reopened_with_who_and_when_and_a_stale_change_refused(task, analyst_fl):
    done = services.task_update(task=task, by=analyst_fl, version=1, status="done")
    assert (done.status, done.done_by, done.version) == ("done", analyst_fl, 2)
    assert done.done_at is not None
    with pytest.raises(StaleVersion):
        services.task_update(task=task, by=analyst_fl, version=1, status="in_progress")
    assert CaseTask.objects.get(pk=task.pk).status == "done"
    reopened = services.task_update(task=task, by=analyst_fl, version=2, status="open")
    assert (reopened.status, reopened.done_at, reopened.done_by) == ("open", None, None)
    summaries = list(TimelineEvent.objects.filter(case=task.case).order_by("-id")
                     .values_list("kind", "summary")[:2])
    assert summaries == [("task_changed", f"Task reopened: {task.title}"),
                         ("task_done", f"Task done: {task.title}")]
    with pytest.raises(ValidationError) as refused:
        services.task_update(task=task, by=analyst_fl, version=3, status="someday")
    assert codes(refused.value) == {"status": ["task_status_invalid"]}
    with pytest.raises(ValidationError):
        services.task_update(task=task, by=analyst_fl, version=3, case=None)


def test_closing_one_needs_annotate(task, analyst_fl, analyst_la, nopd):
    share(obj=task.case, by=analyst_fl, agency=nopd, level=Level.VIEW)
    with pytest.raises(InsufficientLevel):
        services.task_update(task=task, by=fresh(analyst_la), version=1, status="done")
    assert CaseTask.objects.get(pk=task.pk).status == "open"


# Telling the assignee ----------------------------------------------------------------------------


def test_the_assignee_is_told_in_the_inbox_and_by_e_mail(
    trafficking_case, analyst_fl, colleague_fl, mailoutbox
):
    task = services.task_add(case=trafficking_case, by=analyst_fl, title="Call the motel",
                             assignee=colleague_fl, due_date=date(2030, 1, 31))
    deliver_all()
    notice = Notification.objects.get(kind="task_assigned")
    assert (notice.user, notice.case_id) == (colleague_fl, trafficking_case.pk)
    assert notice.title == ("Metropolitan Bureau of Investigation assigned you a task on case "
                            "MBI-2015-0042")
    # The inbox keeps pointers: the case's title only when read, by a reader who sees it.
    assert "Call the motel" not in json.dumps(notice.lines)
    assert trafficking_case.title not in json.dumps(notice.lines)
    (message,) = mailoutbox
    assert message.to == [colleague_fl.email]
    assert "Call the motel" in message.body and trafficking_case.title in message.body
    assert "Jan 31, 2030" in message.body
    page = client_of(colleague_fl).get(reverse("notification-inbox")).content.decode()
    assert trafficking_case.title in page
    # Reassigned: the new assignee is told; assigning oneself tells nobody.
    services.task_update(task=task, by=analyst_fl, version=1, assignee=analyst_fl)
    deliver_all()
    assert Notification.objects.filter(kind="task_assigned").count() == 1
    services.task_update(task=task, by=analyst_fl, version=2, assignee=colleague_fl)
    deliver_all()
    assert Notification.objects.filter(kind="task_assigned", user=colleague_fl).count() == 2


def test_an_assignee_whose_agency_lost_the_case_is_told_the_pointer_alone(
    trafficking_case, analyst_fl, analyst_la, nopd, mailoutbox
):
    record = share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    services.task_add(case=trafficking_case, by=analyst_fl, title="Interview the night clerk",
                      assignee=fresh(analyst_la))
    unshare(share_record=record, by=analyst_fl)
    deliver_all()
    notice = Notification.objects.get(kind="task_assigned")
    (message,) = mailoutbox
    told = notice.title + json.dumps(notice.lines) + message.subject + message.body
    assert "MBI-2015-0042" in told  # the pointer: the number, the owner and its contact
    assert "Duty officer, Metropolitan Bureau of Investigation" in message.body
    for hidden in ("Interview the night clerk", trafficking_case.title, trafficking_case.summary):
        assert hidden not in told
    page = client_of(analyst_la).get(reverse("notification-inbox")).content.decode()
    assert trafficking_case.title not in page and "Interview the night clerk" not in page


# Pages: the generic checks ------------------------------------------------------------------------


class TestCaseTaskAdd(ObjectActionTests):
    url_name = "case-task-add"
    model = Case
    required_level = Level.ANNOTATE

    def data(self, subject):
        return {"title": "Call the Shreveport motel", "due_date": "2030-01-31"}

    def assert_changed(self, subject, user, response):
        assert response["Location"] == reverse("case-detail", args=[subject.pk]) + "#tasks"
        task = CaseTask.objects.get(case=subject)
        assert (task.title, task.created_by, task.due_date, task.assignee) == (
            "Call the Shreveport motel", user, date(2030, 1, 31), None)

    def test_with_an_assignee_from_the_menu(self, client, subject, owner, colleague_fl):
        client.force_login(owner)
        response = client.post(self.url(subject), {"title": "Canvass", "assignee": colleague_fl.pk})
        assert response.status_code == 302
        assert CaseTask.objects.get(case=subject).assignee == colleague_fl
        assert "assigned to Colleague FL" in messages_of(response)[0]

    def test_a_refusal_comes_back_on_the_case_page_with_its_errors(self, client, subject, owner,
                                                                   outsider):
        client.force_login(owner)
        response = client.post(self.url(subject), {"title": "", "assignee": outsider.pk})
        assert response.status_code == 400
        errors = response.context["task_form"].errors
        assert errors["title"] == ["A task needs a title."]
        assert "assignee" in errors  # not one of the people offered
        assert 'id="tasks"' in response.content.decode()
        assert not CaseTask.objects.exists()


class TaskPage:
    """A task of MBI's analyst on the story's case: reached through its case."""

    model = CaseTask

    @pytest.fixture
    def subject(self, task):
        return task

    @pytest.fixture
    def owner(self, subject):
        return subject.created_by

    @pytest.fixture
    def holder(self, subject, owner, nopd, analyst_la):
        def make(level):
            if level == Level.OWNER:
                return owner
            share(obj=subject.case, by=owner, agency=nopd, level=level)
            return fresh(analyst_la)

        return make


class TestTaskEditForm(TaskPage, ObjectPageTests):
    """The page of a task's form (GET)."""
    url_name = "task-edit"

    def test_it_needs_annotate(self, client, subject, holder):
        client.force_login(holder(Level.VIEW))
        assert client.get(self.url(subject)).status_code == 403
        client.force_login(fresh(holder(Level.OWNER)))
        form = client.get(self.url(subject)).context["form"]
        assert form.initial["title"] == subject.title


class TestTaskEdit(TaskPage, ObjectActionTests):
    url_name = "task-edit"
    required_level = Level.ANNOTATE

    def data(self, subject):
        return {"title": "Pull the CCTV and the card receipts", "status": "in_progress",
                "assignee": "", "due_date": "2030-02-01",
                "version": CaseTask.objects.get(pk=subject.pk).version}

    def assert_changed(self, subject, user, response):
        task = CaseTask.objects.get(pk=subject.pk)
        assert (task.title, task.status, task.assignee, task.due_date, task.version) == (
            "Pull the CCTV and the card receipts", "in_progress", None, date(2030, 2, 1), 2)

    def test_a_stale_change_is_409_and_keeps_what_was_typed(self, client, subject, owner):
        client.force_login(owner)
        services.task_update(task=subject, by=owner, version=1, title="Changed elsewhere")
        response = client.post(self.url(subject), {**self.data(subject), "version": 1,
                                                   "title": "My careful wording"})
        assert response.status_code == 409
        page = response.content.decode()
        assert "changed by someone else" in page and "Changed elsewhere" in page
        assert 'value="My careful wording"' in page
        assert response.context["form"]["version"].value() == 2
        assert CaseTask.objects.get(pk=subject.pk).title == "Changed elsewhere"


class TestTaskStatus(TaskPage, ObjectActionTests):
    url_name = "task-status"
    required_level = Level.ANNOTATE

    def data(self, subject):
        return {"status": "done", "version": CaseTask.objects.get(pk=subject.pk).version,
                "back": "my-tasks"}

    def assert_changed(self, subject, user, response):
        assert response["Location"] == reverse("my-tasks")
        task = CaseTask.objects.get(pk=subject.pk)
        assert (task.status, task.done_by) == ("done", user)

    def test_a_stale_button_changes_nothing_and_says_so(self, client, subject, owner):
        client.force_login(owner)
        services.task_update(task=subject, by=owner, version=1, status="in_progress")
        response = client.post(self.url(subject), {"status": "done", "version": 1})
        assert response.status_code == 302
        assert response["Location"] == reverse("case-detail", args=[subject.case_id]) + "#tasks"
        assert "changed by someone else" in messages_of(response)[0]
        assert CaseTask.objects.get(pk=subject.pk).status == "in_progress"


class TestCaseTasks(ObjectViewTests):
    """A case's task list: open tasks by default, soonest due first, a page at a time."""

    url_name = "case-tasks"
    model = Case
    rows_shown = "tasks"
    page_size = selectors.PAGE_SIZE
    row_counts = ROWS

    @pytest.fixture
    def make_row(self, subject, owner, colleague_fl):
        today = timezone.localdate()

        def make(n):
            services.task_add(case=subject, by=owner, title=f"Task {n}",
                              assignee=colleague_fl if n % 2 else None,
                              due_date=today + timedelta(days=n % 7 - 3) if n % 3 else None)

        return make

    def test_open_done_and_all_a_page_at_a_time_in_due_order(self, client, subject, owner,
                                                             monkeypatch):
        monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
        today = timezone.localdate()
        days = [5, None, -2, 1, None]
        made = [services.task_add(case=subject, by=owner, title=f"T{n}",
                                  due_date=None if day is None else today + timedelta(days=day))
                for n, day in enumerate(days)]
        services.task_update(task=made[3], by=owner, version=1, status="done")
        client.force_login(owner)

        def titles(status):
            seen, cursor = [], None
            while True:
                params = {"status": status, **({"cursor": cursor} if cursor else {})}
                response = client.get(self.url(subject), params)
                assert response.status_code == 200
                seen += [task.title for task in response.context["tasks"]]
                cursor = response.context["next_cursor"]
                if not cursor:
                    return seen

        assert titles("open") == ["T2", "T0", "T1", "T4"]  # undated last, by id
        assert titles("done") == ["T3"]
        assert titles("all") == ["T2", "T3", "T0", "T1", "T4"]
        page = client.get(self.url(subject)).content.decode()
        assert page.count("tag-overdue") == 1  # T2, two days late

    @pytest.mark.parametrize("params", [{"cursor": "not-a-cursor"}, {"status": "someday"}])
    def test_a_bad_link_is_a_400_that_says_so(self, client, subject, owner, params):
        client.force_login(owner)
        response = client.get(self.url(subject), params)
        assert response.status_code == 400


class TestCaseDetailTasks(ObjectViewTests):
    """The case page's Tasks card: the open tasks, at most TASKS_SHOWN of them, for the same
    queries whatever the number of tasks (the baselines of the case page)."""

    url_name = "case-detail"
    model = Case
    rows_shown = "tasks"
    page_size = selectors.TASKS_SHOWN
    row_counts = ROWS

    @pytest.fixture
    def make_row(self, subject, owner, colleague_fl):
        # A note on the case, as every case page's baseline counts its revisions' prefetch.
        services.annotation_add(by=owner, case=subject, body="Motel CCTV requested.")
        today = timezone.localdate()

        def make(n):
            task = services.task_add(case=subject, by=owner, title=f"Task {n}",
                                     assignee=colleague_fl if n % 2 else owner,
                                     due_date=today + timedelta(days=n % 9 - 4))
            if n % 10 == 9:  # a done one: not on the card, not counted
                services.task_update(task=task, by=owner, version=task.version, status="done")
                services.task_add(case=subject, by=owner, title=f"Task {n} again")

        return make

    def test_the_card_shows_the_soonest_and_links_to_them_all(self, client, subject, owner):
        today = timezone.localdate()
        for n in range(selectors.TASKS_SHOWN + 2):
            services.task_add(case=subject, by=owner, title=f"Card task {n}",
                              due_date=today + timedelta(days=n - 1))
        client.force_login(owner)
        response = client.get(self.url(subject))
        assert [task.title for task in response.context["tasks"]] == [
            f"Card task {n}" for n in range(selectors.TASKS_SHOWN)]
        assert response.context["tasks_more"] is True
        page = response.content.decode()
        assert reverse("case-tasks", args=[subject.pk]) in page
        assert "Every open task of the case" in page
        assert page.count("tag-overdue") == 1  # the one due yesterday
        assert "Add a task" in page  # the owner may annotate

    def test_a_viewer_sees_the_tasks_and_no_form_or_button(self, client, subject, owner, holder):
        services.task_add(case=subject, by=owner, title="Visible to every reader of the case")
        client.force_login(holder(Level.VIEW))
        response = client.get(self.url(subject))
        page = response.content.decode()
        assert "Visible to every reader of the case" in page
        assert "task_form" not in response.context
        assert "Mark done" not in page and "Add a task" not in page

    def test_done_is_marked_on_the_timeline(self, client, subject, owner, task):
        services.task_update(task=task, by=owner, version=1, status="done")
        client.force_login(owner)
        kinds = [entry["kind"] for entry in
                 client.get(self.url(subject)).context["timeline_entries"]]
        assert {"task_added", "task_assigned", "task_done"} <= set(kinds)


def test_overdue_is_before_today_in_the_readers_time_zone(trafficking_case, analyst_fl):
    """At 05:30 UTC on Jan 1, it is Jan 1 in New York and still Dec 31 in American Samoa: a task
    due Dec 31 is overdue for the first reader and due today for the second."""
    with time_machine.travel(datetime(2030, 1, 1, 5, 30, tzinfo=UTC), tick=False):
        services.task_add(case=trafficking_case, by=analyst_fl, title="Due on New Year's Eve",
                          due_date=date(2029, 12, 31))
        overdue = {}
        for zone in ("America/New_York", "Pacific/Pago_Pago"):
            User.objects.filter(pk=analyst_fl.pk).update(time_zone=zone)
            response = client_of(analyst_fl).get(reverse("case-detail",
                                                         args=[trafficking_case.pk]))
            overdue[zone] = [task.overdue for task in response.context["tasks"]]
    assert overdue == {"America/New_York": [True], "Pacific/Pago_Pago": [False]}


# My tasks ----------------------------------------------------------------------------------------


class TestMyTasks(ListPageTests):
    url_name = "my-tasks"
    rows_shown = "tasks"
    rows_already = 1  # the subject
    page_size = selectors.PAGE_SIZE
    row_counts = ROWS

    @pytest.fixture
    def subject(self, task):
        return task

    def row_text(self, subject):
        return subject.title

    @pytest.fixture
    def make_row(self, analyst_fl, colleague_fl, make_case, trafficking_case):
        """A task of MBI's analyst, on the story's case or another; now and then one that is
        done or assigned to a colleague (neither listed)."""
        other = make_case(analyst_fl, states=("FL", "GA"))
        today = timezone.localdate()

        def make(n):
            case = other if n % 2 else trafficking_case
            services.task_add(case=case, by=analyst_fl, title=f"Mine {n}", assignee=analyst_fl,
                              due_date=today + timedelta(days=n % 11 - 5) if n % 4 else None)
            if n % 10 == 0:
                done = services.task_add(case=case, by=analyst_fl, title=f"Done {n}",
                                         assignee=analyst_fl)
                services.task_update(task=done, by=analyst_fl, version=1, status="done")
                services.task_add(case=case, by=analyst_fl, title=f"Theirs {n}",
                                  assignee=colleague_fl)

        return make

    def test_soonest_first_the_undated_last_overdue_marked(self, client, trafficking_case,
                                                           analyst_fl, colleague_fl):
        today = timezone.localdate()
        for title, day in (("Later", 4), ("Undated", None), ("Late", -1), ("Today", 0)):
            services.task_add(case=trafficking_case, by=analyst_fl, title=title,
                              assignee=analyst_fl,
                              due_date=None if day is None else today + timedelta(days=day))
        services.task_add(case=trafficking_case, by=analyst_fl, title="Not mine",
                          assignee=colleague_fl)
        client.force_login(analyst_fl)
        response = client.get(self.url(None))
        tasks = response.context["tasks"]
        assert [task.title for task in tasks] == ["Late", "Today", "Later", "Undated"]
        assert [task.overdue for task in tasks] == [True, False, False, False]
        logged = AccessLog.objects.filter(action="list", detail__list="my tasks").latest("id")
        assert logged.object_ids == [trafficking_case.pk]

    def test_a_bad_cursor_is_a_400(self, client, analyst_fl):
        client.force_login(analyst_fl)
        assert client.get(self.url(None), {"cursor": "nonsense"}).status_code == 400

    def test_the_dashboard_links_to_it_and_shows_the_soonest(self, client, task, analyst_fl):
        client.force_login(analyst_fl)
        response = client.get(reverse("home"))
        assert [(row.kind, row.id) for row in response.context["my_work"].rows] == [
            ("task", task.pk)]
        page = response.content.decode()
        assert reverse("my-tasks") in page and task.title in page


def test_a_task_of_a_case_the_agency_no_longer_sees_vanishes_everywhere(
    trafficking_case, analyst_fl, analyst_la, nopd
):
    record = share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    la = fresh(analyst_la)
    task = services.task_add(case=trafficking_case, by=la, title="NOPD: canvass Airline Hwy",
                             assignee=la)
    client = client_of(analyst_la)
    pages = {
        "my tasks": reverse("my-tasks"),
        "dashboard": reverse("home"),
        "the case's tasks": reverse("case-tasks", args=[trafficking_case.pk]),
        "the task": reverse("task-edit", args=[task.pk]),
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200 and task.title in response.content.decode(), name
    unshare(share_record=record, by=analyst_fl)
    missing = client.get(reverse("task-edit", args=[task.pk + 1000]))
    for name, url in pages.items():
        response = client.get(url)
        assert task.title not in response.content.decode(), name
        if name in ("the case's tasks", "the task"):
            assert response.status_code == 404, name
    assert client.get(pages["the task"]).content == missing.content
    status = client.post(reverse("task-status", args=[task.pk]), {"status": "done", "version": 1})
    assert status.status_code == 404
    assert CaseTask.objects.get(pk=task.pk).status == "open"
    # MBI, the owner, still sees it.
    assert task.title in client_of(analyst_fl).get(pages["the case's tasks"]).content.decode()


def test_the_dashboard_costs_the_same_for_10_and_500_tasks(client, trafficking_case, analyst_fl):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    for n in range(10):
        services.task_add(case=trafficking_case, by=analyst_fl, title=f"T{n}", assignee=analyst_fl)
    client.force_login(analyst_fl)
    client.get(reverse("home"))
    at_10 = queries()
    for n in range(490):
        services.task_add(case=trafficking_case, by=analyst_fl, title=f"U{n}", assignee=analyst_fl)
    assert queries() == at_10
