"""The 28 CFR Part 23 compliance report (cases/compliance.py, cases/views/compliance.py): every
count against records built by hand at set dates, the range's edges, bad input, who may read it
(everyone else: the 404 of a missing agency), that it shows no content, and that it costs the
same queries for 10 records as for 10,000."""

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import CenterAdmin, CenterAuditor, Membership, User
from audit.models import AccessLog
from cases import compliance, services
from cases.compliance import Period
from cases.models import Dissemination, IntelligenceItem, ItemCorrection
from core.handling import TLP, Level
from tests.base import HttpsClient
from tests.conftest import _user, cfr23_labels, fresh

TODAY = date(2026, 6, 15)
PERIOD = Period(first=date(2026, 1, 1), last=date(2026, 3, 31), today=TODAY)
PREDICATE = "Suspected of laundering through the Lakeside car wash"


def at(day, *clock):
    return timezone.make_aware(datetime(day.year, day.month, day.day, *clock))


@pytest.fixture
def record(mbi, analyst_fl):
    """record(status, **fields): one of MBI's records, written directly (not through a
    service), with a title, body and predicate the report must never show."""
    made = iter(range(1, 10**6))

    def make(status, **fields):
        n = next(made)
        defaults = {
            "owner": mbi, "kind": "tip", "title": f"Secret title {n}",
            "body": f"Secret body {n}", "created_by": analyst_fl,
            "intelligence_status": status, "created_at": at(date(2025, 6, 1)),
        }
        if status in ("intelligence", "purged"):
            defaults.update(
                predicate=f"{PREDICATE} {n}", criminal_activity="fraud",
                no_protected_activity=True, control_official=analyst_fl,
                sensitivity="sensitive", source_reliability="B", content_validity="2",
                validated_at=at(date(2025, 6, 1)), review_by=date(2030, 6, 1),
            )
        return IntelligenceItem.objects.create(**{**defaults, **fields})

    return make


def disseminate(item, when, recipient, channel="share", by=None):
    return Dissemination.objects.create(
        item=item, at=when, channel=channel, recipient_agency=recipient,
        recipient_label=recipient.name, reason="Need to know", by=by,
    )


@pytest.fixture
def story(record, analyst_fl, reviewer_fl, ocso, nopd):
    """MBI's records, one or more of every category, at dates in and out of PERIOD."""
    r = {
        "pending": [record("pending", created_at=at(date(2026, 2, 1))), record("pending")],
        "rejected": [record("rejected", reviewed_by=reviewer_fl, reviewed_at=at(date(2026, 2, 2)))],
        "ok": record("intelligence"),
        "no_predicate": record("intelligence", predicate=""),
        "overdue": record("intelligence", review_by=TODAY - timedelta(days=1)),
        "due_today": record("intelligence", review_by=TODAY),
        "due_30": record("intelligence", review_by=TODAY + timedelta(days=30)),
        "due_31": record("intelligence", review_by=TODAY + timedelta(days=31)),
        "validated": record("intelligence", validated_at=at(date(2026, 3, 31), 23, 59, 59),
                            created_at=at(date(2026, 1, 1))),
        "purged_by": record("purged", purged_at=at(date(2026, 1, 1)), purged_by=reviewer_fl,
                            purge_reason="Reviewed: no longer relevant"),
        "purged_auto": record("purged", purged_at=at(date(2026, 3, 31), 23, 59),
                              purge_reason="Review date passed"),
        "purged_before": record("purged", purged_at=at(date(2025, 12, 31), 23, 59, 59)),
        # Not under the rule: counted nowhere.
        "bulletin": IntelligenceItem.objects.create(
            owner=analyst_fl.agency, kind="bulletin", title="Secret bulletin", created_by=analyst_fl),
    }
    disseminate(r["ok"], at(date(2026, 1, 1)), ocso, by=analyst_fl)
    disseminate(r["ok"], at(date(2026, 2, 1)), ocso, by=analyst_fl)
    disseminate(r["ok"], at(date(2026, 2, 1)), ocso, channel="api")
    disseminate(r["due_30"], at(date(2026, 3, 31), 23, 59), nopd)
    disseminate(r["due_30"], at(date(2026, 4, 1)), nopd)  # after the range
    disseminate(r["ok"], at(date(2025, 12, 31), 23, 59), nopd)  # before it
    ItemCorrection.objects.create(item=r["ok"], version=2, fields=["review_by"], by=analyst_fl,
                                  at=at(date(2026, 3, 1)), agencies_told=2)
    ItemCorrection.objects.create(item=r["due_30"], version=2, fields=["title"], by=analyst_fl,
                                  at=at(date(2026, 4, 1)), agencies_told=1)
    return r


# The counts -----------------------------------------------------------------------------------


def test_every_count_against_records_built_by_hand(story, mbi):
    counts = compliance.report_counts(mbi, PERIOD)
    assert {row["status"]: (row["now"], row["submitted"]) for row in counts["statuses"]} == {
        "pending": (2, 1), "intelligence": (7, 1), "rejected": (1, 0), "purged": (3, 0),
    }
    assert counts["predicate_missing"] == 1
    assert counts["overdue"] == 1
    # Due today and on the 30th day are due within 30 days; the 31st day is not.
    assert counts["due_soon"] == 2
    assert counts["validated"] == 1
    assert counts["purged"] == 2
    assert counts["purges_by"] == [{"by": None, "n": 1}, {"by": "reviewer_fl", "n": 1}]
    assert (counts["corrections"], counts["corrections_agencies_told"]) == (1, 2)
    assert counts["disseminations"] == 4
    assert [(row["recipient_label"], row["channel"], row["n"]) for row in counts["recipients"]] == [
        ("Orange County Sheriff's Office", "share", 2),
        ("New Orleans Police Department", "share", 1),
        ("Orange County Sheriff's Office", "api", 1),
    ]


def test_another_agencys_records_count_for_nothing(story, mbi, ocso, analyst_fl2):
    before = compliance.report_counts(mbi, PERIOD)
    theirs = IntelligenceItem.objects.create(
        owner=ocso, kind="tip", title="Theirs", intelligence_status="intelligence",
        review_by=TODAY - timedelta(days=3), predicate="", created_by=analyst_fl2)
    disseminate(theirs, at(date(2026, 2, 1)), mbi)
    assert compliance.report_counts(mbi, PERIOD) == before
    assert compliance.report_counts(ocso, PERIOD)["overdue"] == 1


def test_the_range_includes_its_first_and_last_moment_only(record, mbi, ocso):
    item = record("intelligence")
    edges = {
        "first moment": at(date(2026, 1, 1)),
        "last moment": at(date(2026, 3, 31), 23, 59, 59, 999999),
    }
    outside = {
        "just before": at(date(2026, 1, 1)) - timedelta(microseconds=1),
        "just after": at(date(2026, 4, 1)),
    }
    for when in [*edges.values(), *outside.values()]:
        disseminate(item, when, ocso)
        record("purged", purged_at=when)
        record("intelligence", validated_at=when)
    counts = compliance.report_counts(mbi, PERIOD)
    assert counts["disseminations"] == 2
    assert counts["purged"] == 2
    assert counts["validated"] == 2
    one_day = Period(first=date(2026, 4, 1), last=date(2026, 4, 1), today=TODAY)
    assert compliance.report_counts(mbi, one_day)["disseminations"] == 1


def test_overdue_and_due_are_as_of_the_reports_day(record, mbi):
    record("intelligence", review_by=TODAY)
    assert compliance.report_counts(mbi, PERIOD)["overdue"] == 0
    tomorrow = Period(first=PERIOD.first, last=PERIOD.last, today=TODAY + timedelta(days=1))
    assert compliance.report_counts(mbi, tomorrow)["overdue"] == 1


# The lists ------------------------------------------------------------------------------------


def every_row(mbi, period, name, size=2, reasons=True):
    rows, cursor = compliance.report_page(mbi, period, name, size=size, reasons=reasons)
    found = list(rows)
    while cursor:
        rows, cursor = compliance.report_page(mbi, period, name, cursor, size=size,
                                              reasons=reasons)
        found += rows
    return found


def test_each_list_holds_the_records_it_counts_and_pages_through_them(story, mbi):
    r = story
    expected = {
        "pending": [p.pk for p in r["pending"]],
        "rejected": [r["rejected"][0].pk],
        "predicate_missing": [r["no_predicate"].pk],
        "overdue": [r["overdue"].pk],
        "due_soon": [r["due_today"].pk, r["due_30"].pk],
        "validated": [r["validated"].pk],
        "purged": [r["purged_by"].pk, r["purged_auto"].pk],
        "corrections": [r["ok"].pk],
        "disseminations": [r["ok"].pk, r["ok"].pk, r["ok"].pk, r["due_30"].pk],
    }
    for name, ids in expected.items():
        assert sorted(row["record"] for row in every_row(mbi, PERIOD, name)) == sorted(ids), name
    intelligence = every_row(mbi, PERIOD, "intelligence")
    assert len(intelligence) == 7 and len({row["record"] for row in intelligence}) == 7
    purged = {row["record"]: row for row in every_row(mbi, PERIOD, "purged")}
    assert purged[r["purged_by"].pk]["purged_by"] == "reviewer_fl"
    assert purged[r["purged_auto"].pk]["purged_by"] == "automatic"
    assert purged[r["purged_auto"].pk]["purge_reason"] == "Review date passed"
    row = next(row for row in intelligence if row["record"] == r["ok"].pk)
    assert (row["evaluation"], row["criminal_activity"], row["sensitivity"], row["disseminations"],
            row["control_official"]) == ("B2", "Fraud and financial crime", "Sensitive", 4,
                                         "analyst_fl")


def test_the_reasons_people_wrote_are_left_out_unless_asked_for(story, mbi):
    purged = every_row(mbi, PERIOD, "purged", reasons=False)
    assert {row["purge_reason"] for row in purged} == {""}
    assert {row["reason"] for row in every_row(mbi, PERIOD, "disseminations", reasons=False)} == {""}
    assert {row["reason"] for row in every_row(mbi, PERIOD, "disseminations")} == {"Need to know"}


@pytest.mark.parametrize(("reader", "shown"), [
    ("agency_admin_fl", True), ("reviewer_fl", True), ("admin_cfix", False), ("auditor_cfix", False),
])
def test_only_the_agencys_own_readers_read_its_peoples_reasons(request, client_for, story, mbi,
                                                               reader, shown):
    """A share's or a purge's reason is free text that may repeat a record's content: a center's
    admins and auditors read the metadata without it."""
    client = client_for(request.getfixturevalue(reader))
    texts = [client.get(report_url(mbi), {**RANGE, "list": name}).content.decode()
             for name in ("purged", "disseminations")]
    texts.append(b"".join(client.get(report_url(mbi, "compliance-report-csv"),
                                     RANGE).streaming_content).decode())
    purged_page, disseminations_page, csv_text = texts
    assert ("Reviewed: no longer relevant" in purged_page) is shown
    assert ("Need to know" in disseminations_page) is shown
    assert ("Need to know" in csv_text) is shown
    assert ("Review date passed" in csv_text) is shown


def test_a_cursor_of_another_list_or_a_garbled_one_is_refused(story, mbi):
    _, cursor = compliance.report_page(mbi, PERIOD, "pending", size=1)
    assert cursor
    for bad in (cursor, "not-a-cursor"):
        with pytest.raises(compliance.ValidationError):
            compliance.report_page(mbi, PERIOD, "overdue", bad)
    with pytest.raises(compliance.ValidationError):
        compliance.report_page(mbi, PERIOD, "no_such_list")


# The page and the CSV -------------------------------------------------------------------------


@pytest.fixture
def client_for():
    def make(user):
        client = HttpsClient()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def auditor_cfix(cfix, ocso):
    """A person of OCSO who audits CFIX (of which MBI and OCSO are members)."""
    user = _user("auditor_cfix", ocso)
    CenterAuditor.objects.create(user=user, center=cfix)
    return user


@pytest.fixture
def auditor_la(la_safe, nopd):
    user = _user("auditor_la", nopd)
    CenterAuditor.objects.create(user=user, center=la_safe)
    return user


@pytest.fixture
def admin_la(la_safe, nopd):
    user = _user("admin_la", nopd, User.Role.AGENCY_ADMIN)
    CenterAdmin.objects.create(user=user, center=la_safe)
    return user


def report_url(agency, name="compliance-report"):
    return reverse(name, args=[agency.pk])


RANGE = {"date_from": "2026-01-01", "date_to": "2026-03-31"}


@pytest.mark.parametrize("reader", ["agency_admin_fl", "reviewer_fl", "admin_cfix", "auditor_cfix"])
def test_who_may_read_the_report_reads_it_and_the_read_is_logged(request, client_for, story, mbi,
                                                                 reader):
    user = request.getfixturevalue(reader)
    client = client_for(user)
    response = client.get(report_url(mbi), {**RANGE, "list": "purged"})
    assert response.status_code == 200
    assert response.context["counts"]["purged"] == 2
    row = AccessLog.objects.filter(actor=user).latest("id")
    assert (row.action, row.object_type, row.object_id) == ("read", "agency", mbi.pk)
    assert row.detail["report"] == "cfr23_compliance" and row.detail["list"] == "purged"
    assert sorted(row.detail["item_ids"]) == sorted(
        [story["purged_by"].pk, story["purged_auto"].pk])
    download = client.get(report_url(mbi, "compliance-report-csv"), RANGE)
    assert download.status_code == 200
    b"".join(download.streaming_content)
    assert AccessLog.objects.filter(actor=user).latest("id").action == "download"


@pytest.mark.parametrize("reader", [
    "analyst_fl",   # MBI's own analyst: neither admin nor reviewer
    "analyst_fl2",  # an analyst of another member of CFIX
    "agency_admin_ocso",  # another member's agency admin
    "outsider",     # Houston, in another center
    "admin_la",     # the admin of a center MBI is not a member of
    "auditor_la",   # the auditor of such a center
])
def test_anyone_else_gets_the_404_of_a_missing_agency_on_every_url(request, client_for, story,
                                                                   mbi, reader):
    client = client_for(request.getfixturevalue(reader))
    for name in ("compliance-report", "compliance-report-csv"):
        assert client.get(report_url(mbi, name), RANGE).status_code == 404
        assert client.get(reverse(name, args=[10**9])).status_code == 404
    assert not AccessLog.objects.filter(detail__report="cfr23_compliance").exists()


@pytest.fixture
def agency_admin_ocso(ocso):
    return _user("admin_ocso", ocso, User.Role.AGENCY_ADMIN)


def test_an_auditor_reads_only_the_active_members_of_their_center(client_for, auditor_cfix, mbi,
                                                                  cfix, houston):
    client = client_for(auditor_cfix)
    assert client.get(report_url(mbi)).status_code == 200
    assert client.get(report_url(houston)).status_code == 404
    Membership.objects.filter(center=cfix, agency=mbi).update(status=Membership.Status.SUSPENDED)
    assert client.get(report_url(mbi)).status_code == 404
    Membership.objects.filter(center=cfix, agency=mbi).update(status=Membership.Status.ACTIVE)
    auditor_cfix.is_active = False
    auditor_cfix.save(update_fields=["is_active"])
    assert client_for(auditor_cfix).get(report_url(mbi)).status_code in (302, 404)


def test_anonymous_is_sent_to_log_in(mbi):
    for name in ("compliance-report", "compliance-report-csv"):
        response = HttpsClient().get(report_url(mbi, name))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_being_an_auditor_opens_no_case_or_item(client_for, auditor_cfix, story, trafficking_case):
    client = client_for(auditor_cfix)
    for item in (story["ok"], story["pending"][0], story["purged_by"]):
        assert client.get(reverse("item-detail", args=[item.pk])).status_code == 404
        assert client.get(reverse("item-disseminations", args=[item.pk])).status_code == 404
    assert client.get(reverse("case-detail", args=[trafficking_case.pk])).status_code == 404
    listed = client.get(reverse("item-list")).content.decode()
    assert "Secret title" not in listed


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize("reader", ["agency_admin_fl", "auditor_cfix"])
def test_no_title_body_or_predicate_in_the_page_or_the_csv(request, client_for, story, mbi,
                                                           reader):
    client = client_for(request.getfixturevalue(reader))
    texts = [client.get(report_url(mbi), {**RANGE, "list": category}).content.decode()
             for category in compliance.categories(PERIOD)]
    texts.append(b"".join(client.get(report_url(mbi, "compliance-report-csv"),
                                     RANGE).streaming_content).decode())
    for text in texts:
        assert "Secret" not in text  # every title and body
        assert PREDICATE not in text
    assert f"#{story['overdue'].pk}" in texts[list(compliance.categories(PERIOD)).index("overdue")]


def test_the_csv_has_a_row_per_record_of_each_list_and_names_agency_and_range(client_for,
                                                                             agency_admin_fl,
                                                                             story, mbi):
    response = client_for(agency_admin_fl).get(report_url(mbi, "compliance-report-csv"), RANGE)
    assert response["Content-Disposition"] == (
        'attachment; filename="cfr23-compliance-FL0480400-20260101-20260331.csv"')
    assert response["Cache-Control"] == "no-store"
    rows = csv_rows(response)
    by_category = {}
    for row in rows:
        by_category.setdefault(row["category"], []).append(row)
    counts = compliance.report_counts(mbi, Period(PERIOD.first, PERIOD.last, timezone.localdate()))
    assert len(by_category["purged"]) == counts["purged"] == 2
    assert len(by_category["disseminations"]) == counts["disseminations"] == 4
    assert len(by_category["corrections"]) == 1
    assert by_category["corrections"][0]["fields corrected"] == "review_by"
    assert {row["recipient ORI"] for row in by_category["disseminations"]} == {
        "FL0480000", "LA0360200"}


def test_the_default_range_is_the_last_twelve_months(client_for, agency_admin_fl, mbi):
    response = client_for(agency_admin_fl).get(report_url(mbi))
    period = response.context["period"]
    today = timezone.localdate()
    assert (period.first, period.last) == (today - timedelta(days=365), today)
    assert response.context["shown"].name == "overdue"


@pytest.mark.parametrize(("query", "message"), [
    ({"date_from": "yesterday"}, "Give the first day as a date"),
    ({"date_to": "2026-02-30"}, "Give the last day as a date"),
    ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "The range ends before it starts"),
    ({"date_from": "0001-01-01"}, "Give a date between 1970 and 2100"),
    ({"date_to": "9999-12-31"}, "Give a date between 1970 and 2100"),
    ({"date_from": "2099-01-01"}, "The range ends before it starts"),
    ({"list": "titles"}, "There is no such list in the report"),
    ({"list": "pending", "cursor": "garbled"}, "That page link is not valid"),
])
def test_bad_input_is_a_400_naming_the_problem(client_for, agency_admin_fl, mbi, query, message):
    client = client_for(agency_admin_fl)
    for name in ("compliance-report", "compliance-report-csv"):
        if name.endswith("csv") and "cursor" in query:
            continue  # the CSV has no pages
        response = client.get(report_url(mbi, name), query)
        assert response.status_code == 400
        assert message in response.content.decode()


def test_the_printable_page_is_the_report_with_a_print_stylesheet(client_for, agency_admin_fl,
                                                                  mbi):
    page = client_for(agency_admin_fl).get(report_url(mbi)).content.decode()
    assert 'class="filters report-range"' in page and 'class="tabs report-tabs"' in page
    assert "style=" not in page.split("<main", 1)[1]  # the CSP forbids inline styles
    assert re.search(r'<link rel="stylesheet" href="[^"]*/css/print[^"]*\.css" media="print">', page)
    with open("static/css/print.css") as stylesheet:
        css = stylesheet.read()
    assert ".report-range, .report-tabs { display:none !important; }" in css


# Links -----------------------------------------------------------------------------------------


def test_the_review_queue_links_reviewers_and_admins_to_the_report(client_for, reviewer_fl,
                                                                   analyst_fl, mbi):
    url = report_url(mbi)
    assert url in client_for(reviewer_fl).get(reverse("review-queue")).content.decode()
    assert url not in client_for(analyst_fl).get(reverse("review-queue")).content.decode()


def test_the_admin_pages_link_to_the_report(client_for, agency_admin_fl, admin_cfix, auditor_cfix,
                                            mbi, cfix):
    assert report_url(mbi) in client_for(agency_admin_fl).get(reverse("admin-home")).content.decode()
    membership = client_for(admin_cfix).get(reverse("center-membership", args=[cfix.pk, mbi.pk]))
    assert report_url(mbi) in membership.content.decode()
    home = client_for(auditor_cfix).get(reverse("admin-home"))
    assert home.status_code == 200 and report_url(mbi) in home.content.decode()


# Cost -----------------------------------------------------------------------------------------


@pytest.fixture
def many(mbi, analyst_fl, ocso):
    """make(n): n more of MBI's records, a mix of every category, set-based."""
    today = timezone.localdate()

    def make(n):
        statuses = ["pending", "intelligence", "rejected", "purged"]
        items = IntelligenceItem.objects.bulk_create([
            IntelligenceItem(
                owner=mbi, kind="tip", title=f"Bulk {k}", created_by=analyst_fl,
                intelligence_status=statuses[k % 4], predicate="p" if k % 3 else "",
                criminal_activity="drugs", control_official=analyst_fl, sensitivity="routine",
                source_reliability="A", content_validity="1",
                validated_at=timezone.now() - timedelta(days=k % 300),
                review_by=today + timedelta(days=k % 60 - 20),
                purged_at=timezone.now() - timedelta(days=k % 200) if k % 4 == 3 else None,
            ) for k in range(n)
        ], batch_size=2000)
        Dissemination.objects.bulk_create([
            Dissemination(item=item, at=timezone.now() - timedelta(days=k % 300), channel="share",
                          recipient_agency=ocso, recipient_label=ocso.name, reason="r")
            for k, item in enumerate(items) if k % 4 == 1
        ], batch_size=2000)
        ItemCorrection.objects.bulk_create([
            ItemCorrection(item=item, version=2, fields=["review_by"], by=analyst_fl,
                           at=timezone.now() - timedelta(days=k % 300))
            for k, item in enumerate(items) if k % 4 == 1
        ], batch_size=2000)

    return make


# The report page: the session and the user (2), the header's agency and centers (2), the gate's
# agency (1; an agency admin of their own agency needs no membership query), the page of the
# list (1), the four counts (4), the access-log row (1), and the session's save (1 at most).
REPORT_QUERIES = 12
# The CSV: the session and the user (2), the gate's agency (1), the reader's agency and the
# access-log row (2), and one query per list (10).
CSV_QUERIES = 15


@pytest.mark.parametrize("size", [10, 10_000])
def test_the_report_costs_the_same_for_10_and_10000_records(client_for, agency_admin_fl, mbi,
                                                            many, size,
                                                            django_assert_max_num_queries):
    many(size)
    client = client_for(agency_admin_fl)
    client.get(report_url(mbi))
    for name in compliance.categories(Period.default(timezone.localdate())):
        with django_assert_max_num_queries(REPORT_QUERIES):
            response = client.get(report_url(mbi), {"list": name})
        assert response.status_code == 200
        if name == "pending":  # every fourth record
            assert len(response.context["rows"]) == min(-(-size // 4), compliance.REPORT_PAGE_SIZE)
    with django_assert_max_num_queries(CSV_QUERIES):
        rows = csv_rows(client.get(report_url(mbi, "compliance-report-csv")))
    assert len([row for row in rows if row["category"] == "disseminations"]) == (
        response.context["counts"]["disseminations"])


# Through the services ----------------------------------------------------------------------------


def test_the_report_counts_what_the_services_did(analyst_fl, reviewer_fl, nopd, mbi,
                                                 django_capture_on_commit_callbacks):
    """A share, a correction and a reviewer's purge, each through its service, are in this
    year's report: the dissemination by recipient, the correction, the purge by its reviewer."""
    with django_capture_on_commit_callbacks(execute=True):
        item = services.item_create(by=analyst_fl, kind="tip", title="Secret courier", body="Secret",
                                    tlp=TLP.GREEN, **cfr23_labels(analyst_fl))
        services.share_grant(obj=item, by=analyst_fl, level=Level.VIEW, agency=nopd, reason="Motel list")
        item.refresh_from_db()
        services.item_update(item=item, by=fresh(analyst_fl), version=item.version,
                             body="Secret, corrected")
        item.refresh_from_db()
        services.item_purge(item=item, by=fresh(reviewer_fl), reason="Not validated")
    period = Period.default(timezone.localdate())
    counts = compliance.report_counts(mbi, period)
    assert [(row["recipient_label"], row["channel"], row["n"]) for row in counts["recipients"]] == [
        (f"{nopd.name} ({nopd.ori})", "share", 1)]
    assert counts["corrections"] == 1
    assert (counts["purged"], counts["purges_by"]) == (1, [{"by": "reviewer_fl", "n": 1}])
    [row] = every_row(mbi, period, "purged")
    assert (row["record"], row["purged_by"], row["purge_reason"]) == (
        item.pk, "reviewer_fl", "Not validated")
