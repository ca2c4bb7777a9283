"""My work (work/queue.py): one queue on the home page of what is the reader's to do (tasks
assigned, RFIs to answer, 28 CFR Part 23 reviews), soonest due first; the navigation's count
fetched after the page. Never another agency's task or RFI, nor one the reader's agency stopped
seeing; the same queries for 10 rows as for 200."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from cases import services as case_services
from core.handling import Level
from sharing.services import share, unshare
from tests.base import HttpsClient, ListPageTests, PageTests, QueryCountTests
from tests.conftest import fresh
from work import queue
from work.services import (
    refer,
    referral_acknowledge,
    referral_close,
    rfi_address,
    rfi_respond,
    rfi_take,
)
from work.tip_services import tip_assign, tip_close, tip_start_review, tip_take_down

pytestmark = pytest.mark.django_db


def in_days(n):
    return timezone.localdate() + timedelta(days=n)


def today():
    return timezone.localdate()


@pytest.fixture
def asked_of_mbi(make_item, analyst_la, mbi):
    """NOPD asks MBI, due in two days."""
    rfi = make_item(analyst_la, kind="rfi", title="Who drives the white Econoline van?")
    return rfi_address(rfi=rfi, by=analyst_la, agency=mbi, due_date=in_days(2))


def titles(user):
    return [row.title for row in queue.my_work(fresh(user), today=today()).rows]


class TestHomeQueue(ListPageTests):
    """The home page's queue, as MBI's reviewer reads it: tasks, RFIs and records to review,
    the soonest SHOWN of them."""

    url_name = "home"
    member_fixture = "reviewer_fl"
    page_size = queue.SHOWN
    rows_already = 1  # the RFI NOPD asks of MBI

    @pytest.fixture
    def subject(self, asked_of_mbi):
        return asked_of_mbi.rfi

    def row_text(self, subject):
        return subject.title

    def rows_on_page(self, response):
        return response.context["my_work"].rows

    @pytest.fixture
    def make_row(self, make_case, make_item, analyst_fl, reviewer_fl, analyst_la, mbi, cfix):
        """In turn: a task of MBI's case assigned to the reviewer, an RFI of NOPD to MBI or to
        CFIX, information of MBI pending review (undated), a tip of MBI's triage queue assigned
        to the reviewer, a record NOPD refers to MBI; the n-th due in n days, so that the
        soonest shown hold each kind for 10 rows as for 200."""
        case = make_case(analyst_fl, states=("FL",))

        def make(n):
            if n % 5 == 0:
                case_services.task_add(case=case, by=analyst_fl, title=f"Task {n}",
                                       assignee=reviewer_fl, due_date=in_days(n))
            elif n % 5 == 1:
                rfi = make_item(analyst_la, kind="rfi", title=f"Question {n}")
                rfi_address(rfi=rfi, by=analyst_la, due_date=in_days(n),
                            **({"agency": mbi} if n % 2 else {"center": cfix}))
            elif n % 5 == 2:
                make_item(analyst_fl, kind="tip", title=f"Pending {n}", pending=True)
            elif n % 5 == 3:
                triage = tip_take_down(by=analyst_fl, what=f"Tip {n}")
                tip_assign(triage=triage, by=analyst_fl, assignee=reviewer_fl)
            else:
                record = make_item(analyst_la, kind="tip", title=f"Referred {n}")
                refer(obj=record, by=analyst_la, agency=mbi, due_date=in_days(n),
                      instructions=f"Act on {n}.")

        return make


class TestMyWorkCount(PageTests, QueryCountTests):
    """The navigation's count, fetched after the page: one count per source, for 10 rows as for
    200."""

    url_name = "my-work-count"
    member_fixture = "reviewer_fl"
    rows_shown = None

    def url(self, subject):
        return reverse(self.url_name)

    make_row = TestHomeQueue.make_row

    def test_it_counts_every_row_of_the_queue(self, client, subject, member, make_row):
        for n in range(14):
            make_row(n)
        client.force_login(member)
        page = client.get(self.url(subject)).content.decode()
        # 14 rows and the RFI already there; each of the 3 tips taken down is also information
        # pending review, which the reviewer has to decide on too.
        assert queue.my_work_count(fresh(member), today=today()) == 14 + 1 + 3
        assert 'aria-label="18 to do">(18)</span>' in page
        assert 'hx-trigger="every 20s"' in page

    @pytest.fixture
    def subject(self, asked_of_mbi):
        return asked_of_mbi.rfi


def test_every_page_fetches_the_count_after_it(analyst_fl):
    client = HttpsClient()
    client.force_login(analyst_fl)
    page = client.get(reverse("rfi-list")).content.decode()
    assert f'hx-get="{reverse("my-work-count")}" hx-trigger="load"' in page


def test_soonest_first_undated_last_overdue_marked(trafficking_case, analyst_fl, analyst_la,
                                                   make_item, mbi):
    for title, day in (("Later task", 4), ("Undated task", None), ("Late task", -1)):
        case_services.task_add(case=trafficking_case, by=analyst_fl, title=title,
                               assignee=analyst_fl, due_date=None if day is None else in_days(day))
    rfi = make_item(analyst_la, kind="rfi", title="Question due today")
    rfi_address(rfi=rfi, by=analyst_la, agency=mbi, due_date=in_days(0))
    work = queue.my_work(fresh(analyst_fl), today=today())
    assert [(row.kind, row.title, row.overdue) for row in work.rows] == [
        ("task", "Late task", True), ("rfi", "Question due today", False),
        ("task", "Later task", False), ("task", "Undated task", False)]
    assert work.rows[1].todo == "Take it, or answer it"
    assert work.rows[1].url == reverse("rfi-detail", args=[rfi.pk])
    assert [label for label, _ in work.links] == ["All my tasks", "All RFIs addressed to us",
                                                  "Our triage queue", "All referrals to us"]


def test_only_the_soonest_are_shown_with_the_links_to_the_full_lists(trafficking_case,
                                                                      analyst_fl):
    for n in range(queue.SHOWN + 3):
        case_services.task_add(case=trafficking_case, by=analyst_fl, title=f"Task {n:02d}",
                               assignee=analyst_fl, due_date=in_days(n))
    client = HttpsClient()
    client.force_login(analyst_fl)
    response = client.get(reverse("home"))
    work = response.context["my_work"]
    assert (len(work.rows), work.more) == (queue.SHOWN, True)
    page = response.content.decode()
    assert "Task 00" in page and f"Task {queue.SHOWN:02d}" not in page
    assert reverse("my-tasks") in page and f'{reverse("rfi-list")}?side=to_us' in page


def test_an_rfi_taken_by_someone_else_or_answered_is_no_longer_mine(
        asked_of_mbi, analyst_fl, agency_admin_fl, analyst_la, cfix, make_item, analyst_fl2):
    assert titles(analyst_fl) == titles(agency_admin_fl) == ["Who drives the white Econoline van?"]
    rfi_take(request=asked_of_mbi, by=agency_admin_fl)
    assert titles(analyst_fl) == []
    mine = queue.my_work(fresh(agency_admin_fl), today=today()).rows
    assert [(row.title, row.todo) for row in mine] == [
        ("Who drives the white Econoline van?", "Answer it")]
    rfi_respond(request=asked_of_mbi, by=agency_admin_fl, title="Re: the van")
    assert titles(agency_admin_fl) == []
    # Addressed to CFIX: every member agency's analyst has it until one takes it.
    to_cfix = rfi_address(rfi=make_item(analyst_la, kind="rfi", title="For CFIX"), by=analyst_la,
                          center=cfix, due_date=in_days(1))
    assert titles(analyst_fl) == titles(analyst_fl2) == ["For CFIX"]
    rfi_take(request=to_cfix, by=analyst_fl2)
    assert titles(analyst_fl) == [] and titles(analyst_fl2) == ["For CFIX"]


def test_the_queue_never_shows_another_agencys_rfi_or_task(asked_of_mbi, trafficking_case,
                                                           analyst_fl, outsider, make_case):
    case_services.task_add(case=trafficking_case, by=analyst_fl, title="MBI's own task",
                           assignee=analyst_fl)
    theirs = make_case(outsider, states=("TX",))
    case_services.task_add(case=theirs, by=outsider, title="Houston's task", assignee=outsider)
    assert titles(outsider) == ["Houston's task"]
    assert set(titles(analyst_fl)) == {"MBI's own task", "Who drives the white Econoline van?"}
    client = HttpsClient()
    client.force_login(outsider)
    page = client.get(reverse("home")).content.decode()
    assert "MBI's own task" not in page and "Econoline" not in page
    assert queue.my_work_count(fresh(outsider), today=today()) == 1


def test_a_task_on_a_case_no_longer_visible_vanishes_and_its_count(trafficking_case, analyst_fl,
                                                                    analyst_la, nopd):
    record = share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    la = fresh(analyst_la)
    case_services.task_add(case=trafficking_case, by=la, title="NOPD: canvass Airline Hwy",
                           assignee=la)
    assert titles(analyst_la) == ["NOPD: canvass Airline Hwy"]
    unshare(share_record=record, by=analyst_fl)
    assert titles(analyst_la) == []
    assert queue.my_work_count(fresh(analyst_la), today=today()) == 0


def test_reviews_are_a_reviewers_only(make_item, analyst_fl, reviewer_fl):
    make_item(analyst_fl, kind="tip", title="Pending tip", pending=True)
    assert titles(analyst_fl) == []
    rows = queue.my_work(fresh(reviewer_fl), today=today()).rows
    assert [(row.kind, row.title, row.due) for row in rows] == [("review", "Pending tip", None)]
    assert "The review queue" in [label for label, _ in
                                  queue.my_work(fresh(reviewer_fl), today=today()).links]


def test_the_home_page_logs_what_the_queue_showed(asked_of_mbi, trafficking_case, analyst_fl):
    task = case_services.task_add(case=trafficking_case, by=analyst_fl, title="Pull the CCTV",
                                  assignee=analyst_fl)
    client = HttpsClient()
    client.force_login(analyst_fl)
    assert client.get(reverse("home")).status_code == 200
    logged = {row.object_type: row for row in
              AccessLog.objects.filter(action="list", detail__list="dashboard: my work")}
    assert logged["case"].object_ids == [trafficking_case.pk]
    assert logged["case"].detail["rows"] == [f"task:{task.pk}"]
    assert logged["intelligenceitem"].object_ids == [asked_of_mbi.rfi_id]


def test_a_tip_assigned_to_me_is_mine_until_it_is_decided(analyst_fl, agency_admin_fl, cfix):
    triage = tip_take_down(by=analyst_fl, what="A van on I-4, plate LKR-7Q2")
    assert titles(agency_admin_fl) == []  # in the queue, but nobody's yet
    triage = tip_assign(triage=triage, by=analyst_fl, assignee=agency_admin_fl)
    rows = queue.my_work(fresh(agency_admin_fl), today=today()).rows
    assert [(row.kind, row.where, row.todo, row.url) for row in rows] == [
        ("tip", triage.number, "Review it", reverse("tip-detail", args=[triage.tip_id]))]
    triage = tip_start_review(triage=triage, by=agency_admin_fl)
    assert [row.todo for row in queue.my_work(fresh(agency_admin_fl), today=today()).rows] == [
        "Accept it, refer it or close it"]
    tip_close(triage=triage, by=agency_admin_fl, reason="A crank caller, known.")
    assert titles(agency_admin_fl) == []
    assert queue.my_work_count(fresh(agency_admin_fl), today=today()) == 0


def test_an_overdue_tip_is_marked_at_a_frozen_clock(analyst_fl, agency_admin_fl, cfix):
    triage = tip_take_down(by=analyst_fl, what="Caller heard screaming in the unit next door")
    tip_assign(triage=triage, by=analyst_fl, assignee=agency_admin_fl)
    with time_machine.travel(triage.due_at + timedelta(minutes=1)):
        rows = queue.my_work(fresh(agency_admin_fl), today=timezone.localdate()).rows
    assert [(row.kind, row.overdue) for row in rows] == [("tip", True)]


def test_a_referral_to_my_agency_is_ours_until_closed_with_its_title_only_while_we_see_it(
        make_item, analyst_la, analyst_fl, mbi, outsider):
    record = make_item(analyst_la, kind="tip", title="NOPD: the van's driver lives in Orlando")
    referral = refer(obj=record, by=analyst_la, agency=mbi, due_date=in_days(3),
                     instructions="Find the driver.")
    rows = queue.my_work(fresh(analyst_fl), today=today()).rows
    assert [(row.kind, row.title, row.todo, row.where) for row in rows] == [
        ("referral", "NOPD: the van's driver lives in Orlando", "Acknowledge it",
         "from New Orleans Police Department")]
    assert titles(analyst_la) == [] and titles(outsider) == []
    # Its share withdrawn, the referral is still MBI's to close, by its pointer only.
    unshare(share_record=record.shares.get(target_agency=mbi), by=analyst_la)
    client = HttpsClient()
    client.force_login(analyst_fl)
    page = client.get(reverse("home")).content.decode()
    assert f"Referral of tip or lead #{record.pk}" in page and "lives in Orlando" not in page
    assert not [row for row in AccessLog.objects.filter(action="list",
                                                         detail__list="dashboard: my work")
                if record.pk in row.object_ids and row.object_type == "intelligenceitem"]
    referral = referral_acknowledge(referral=referral, by=analyst_fl)
    assert [row.todo for row in queue.my_work(fresh(analyst_fl), today=today()).rows] == [
        "Close it with its outcome"]
    referral_close(referral=referral, by=analyst_fl, outcome="no_action", outcome_text="Moved.")
    assert titles(analyst_fl) == []
