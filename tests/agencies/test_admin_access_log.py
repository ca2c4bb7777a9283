"""The center's access log: what it holds, its filters, its keyset pages, and the streamed
CSV export."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies import services
from audit.models import AccessLog
from audit.partitions import month_start, partition_name
from audit.selectors import LOG_PAGE_SIZE
from tests.base import QueryCountTests

from .admin_actors import *  # noqa: F403 (the fixtures)
from .test_admin_pages import AdminPageTests

DAY = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


@pytest.fixture
def log_rows(analyst_fl, analyst_fl2, outsider, trafficking_case):
    """Reads of the story's case by MBI and OCSO (CFIX members) and by Houston (not one),
    one a day for five days."""
    rows = []
    for n in range(5):
        for user in (analyst_fl, analyst_fl2, outsider):
            rows.append(AccessLog(at=DAY + timedelta(days=n), action="read", actor=user,
                                  agency=user.agency, object_type="case",
                                  object_id=trafficking_case.pk))
    AccessLog.objects.bulk_create(rows)
    return rows


def page_rows(client, center, **query):
    # The story's rows are of March 2026: look back that far (the page shows 30 days by default).
    query.setdefault("date_from", "2026-03-01")
    response = client.get(reverse("center-access-log", args=[center.pk]), query)
    assert response.status_code == 200, response.content.decode()[:1000]
    return response.context["rows"], response


class TestAccessLogPage(AdminPageTests, QueryCountTests):
    url_name = "center-access-log"
    page_size = LOG_PAGE_SIZE
    rows_already = 1  # the reader's own log-on (admin_cfix is of a member agency)

    @pytest.fixture
    def make_row(self, analyst_fl):
        """A read by MBI's analyst (MBI is a member of CFIX)."""
        return lambda n: AccessLog.objects.create(action="read", actor=analyst_fl,
                                                  agency=analyst_fl.agency)

    def test_holds_the_members_rows_and_not_the_others(self, client, admin_cfix, cfix, log_rows):
        client.force_login(admin_cfix)
        rows, _ = page_rows(client, cfix)
        assert {row.agency.ori for row in rows} == {"FL0480400", "FL0480000"}
        # The five days' reads of MBI and OCSO, MBI's opening of the case, and the admin's own
        # log-on (admin_cfix is of a member agency).
        assert len(rows) == 12

    def test_holds_the_admin_actions_on_the_center_even_of_a_removed_agency(
            self, client, admin_cfix, cfix, mbi_in_cfix, log_rows):
        services.membership_remove(membership=mbi_in_cfix, by=admin_cfix, reason="Left")
        client.force_login(admin_cfix)
        rows, _ = page_rows(client, cfix, action="admin")
        assert [row.detail["operation"] for row in rows] == ["membership_remove"]
        # MBI's own reads left the center's log with it.
        rows, _ = page_rows(client, cfix, action="read")
        assert {row.agency.ori for row in rows} == {"FL0480000"}

    def test_filters(self, client, admin_cfix, cfix, mbi, log_rows, trafficking_case):
        client.force_login(admin_cfix)
        assert len(page_rows(client, cfix, agency=mbi.pk, action="read")[0]) == 5
        assert len(page_rows(client, cfix, agency=mbi.pk)[0]) == 6  # and the case opened
        assert len(page_rows(client, cfix, user="ANALYST_FL2")[0]) == 5
        assert len(page_rows(client, cfix, object_type="case",
                             object_id=trafficking_case.pk)[0]) == 11
        assert len(page_rows(client, cfix, object_type="case", object_id=999999)[0]) == 0
        assert len(page_rows(client, cfix, action="read")[0]) == 10
        assert len(page_rows(client, cfix, action="share")[0]) == 0
        rows, _ = page_rows(client, cfix, date_from="2026-03-15", date_to="2026-03-16")
        assert {row.at.date().isoformat() for row in rows} == {"2026-03-15", "2026-03-16"}
        assert len(rows) == 4

    @pytest.mark.parametrize("query, message", [
        ({"date_from": "yesterday"}, "Enter a valid date"),
        ({"date_from": "2026-03-16", "date_to": "2026-03-15"}, "end date comes before"),
        ({"action": "drop_table"}, "Select a valid choice"),
        ({"object_id": "-4"}, "greater than or equal to 1"),
        ({"cursor": "not-a-cursor"}, "page link is not valid"),
    ])
    def test_bad_input_gets_a_clear_400(self, client, admin_cfix, cfix, log_rows, query, message):
        client.force_login(admin_cfix)
        response = client.get(reverse(self.url_name, args=[cfix.pk]), query)
        assert response.status_code == 400
        assert message in response.content.decode()

    def test_another_centers_agency_cannot_be_chosen(self, client, admin_cfix, cfix, houston,
                                                     log_rows):
        client.force_login(admin_cfix)
        response = client.get(reverse(self.url_name, args=[cfix.pk]), {"agency": houston.pk})
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
        assert response.context["rows"] == []

    def test_keyset_pages_walk_every_row_once(self, client, admin_cfix, cfix, analyst_fl):
        AccessLog.objects.bulk_create(
            AccessLog(at=DAY + timedelta(minutes=n // 3), action="list", actor=analyst_fl,
                      agency=analyst_fl.agency) for n in range(120)
        )
        client.force_login(admin_cfix)
        seen, query, pages = [], {"action": "list"}, 0
        while True:
            rows, response = page_rows(client, cfix, **query)
            seen += [row.pk for row in rows]
            pages += 1
            if not response.context["next_cursor"]:
                break
            query = {"action": "list", "cursor": response.context["next_cursor"]}
        assert pages == 3 and len(seen) == len(set(seen)) == 120
        ordered = list(AccessLog.objects.filter(action="list").order_by("-at", "-id")
                       .values_list("pk", flat=True))
        assert seen == ordered


def csv_of(response):
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


class TestAccessLogExport(AdminPageTests):
    url_name = "center-access-log-csv"

    def test_streams_the_filtered_rows_oldest_first(self, client, admin_cfix, cfix, mbi,
                                                    log_rows):
        client.force_login(admin_cfix)
        response = client.get(reverse(self.url_name, args=[cfix.pk]), {"agency": mbi.pk,
                                                                   "action": "read"})
        assert response.status_code == 200 and response["Content-Type"] == "text/csv"
        assert response["Content-Disposition"].startswith('attachment; filename="access-log-CFIX')
        rows = csv_of(response)
        assert rows[0][:4] == ["at", "action", "user", "agency ORI"]
        assert [row[2] for row in rows[1:]] == ["analyst_fl"] * 5
        assert [row[0] for row in rows[1:]] == sorted(row[0] for row in rows[1:])

    def test_the_export_is_itself_logged(self, client, admin_cfix, cfix, log_rows):
        client.force_login(admin_cfix)
        csv_of(client.get(reverse(self.url_name, args=[cfix.pk]), {"action": "read"}))
        row = AccessLog.objects.filter(action="download", actor=admin_cfix).get()
        assert row.detail["export"] == "access_log" and row.detail["filters"] == {"action": "read"}

    def test_a_cell_never_starts_a_spreadsheet_formula(self, client, admin_cfix, cfix,
                                                       ocso_in_cfix):
        services.membership_suspend(membership=ocso_in_cfix, by=admin_cfix,
                                    reason='=HYPERLINK("http://evil.example","click")')
        client.force_login(admin_cfix)
        rows = csv_of(client.get(reverse(self.url_name, args=[cfix.pk]), {"action": "admin"}))
        detail = rows[1][-1]
        assert "=HYPERLINK" in detail and not detail.startswith(("=", "+", "-", "@"))
        assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    def test_bad_filters_get_a_400_not_a_file(self, client, admin_cfix, cfix):
        client.force_login(admin_cfix)
        before = AccessLog.objects.count()
        response = client.get(reverse(self.url_name, args=[cfix.pk]), {"date_to": "31/12/2026"})
        assert response.status_code == 400 and "Enter a valid date" in response.content.decode()
        assert AccessLog.objects.count() == before

    def test_the_database_is_read_in_chunks(self, client, admin_cfix, cfix, analyst_fl,
                                            monkeypatch):
        from audit import exports

        monkeypatch.setattr(exports, "CHUNK_SIZE", 7)
        AccessLog.objects.bulk_create(AccessLog(action="read", actor=analyst_fl,
                                                agency=analyst_fl.agency) for _ in range(50))
        client.force_login(admin_cfix)
        response = client.get(reverse(self.url_name, args=[cfix.pk]), {"action": "read"})
        stream = iter(response.streaming_content)
        assert next(stream).startswith(b"at,action")
        # Rows arrive while the query is still being read: nothing was materialised up front.
        assert next(stream).count(b"\n") == 1
        assert len(list(stream)) == 49


class TestAccessLogWindow:
    """Without a From date the page shows the last 30 days, and says so; on PostgreSQL its
    query then reads only the partitions of that window, each through an index."""

    def test_the_page_shows_the_last_30_days_unless_from_is_chosen(
            self, client, admin_cfix, cfix, analyst_fl):
        now = timezone.now()
        recent, old = (AccessLog.objects.create(action="read", actor=analyst_fl,
                                                agency=analyst_fl.agency, at=now - age)
                       for age in (timedelta(days=3), timedelta(days=40)))
        client.force_login(admin_cfix)
        response = client.get(reverse("center-access-log", args=[cfix.pk]))
        shown = {row.pk for row in response.context["rows"]}
        assert recent.pk in shown and old.pk not in shown
        assert "Showing the last 30 days (UTC)" in response.content.decode()
        rows, response = page_rows(client, cfix,
                                   date_from=(now - timedelta(days=60)).date().isoformat())
        assert {recent.pk, old.pk} <= {row.pk for row in rows}
        assert "Showing the last" not in response.content.decode()

    def test_the_filtered_page_reads_only_its_months_through_an_index(
            self, client, admin_cfix, cfix, mbi, analyst_fl):
        AccessLog.objects.create(action="read", actor=analyst_fl, agency=mbi)
        client.force_login(admin_cfix)
        for query in ({}, {"agency": mbi.pk}, {"action": "share"}, {"user": "analyst_fl"}):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("center-access-log", args=[cfix.pk]), query)
            assert response.status_code == 200
            sql = next(q["sql"] for q in queries.captured_queries
                       if 'FROM "sharing_accesslog"' in q["sql"])
            if connection.vendor != "postgresql":
                continue
            with connection.cursor() as cursor:
                # The test's tables are tiny: make the planner show what it can use.
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("EXPLAIN " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            today = timezone.now().date()
            window = {partition_name(month_start(today)),
                      partition_name(month_start(today - timedelta(days=29)))}
            scanned = set(re.findall(r"\b(sharing_accesslog_(?:y\d{4}m\d{2}|default))\b", plan))
            assert scanned and scanned <= window, plan
            assert "Seq Scan on sharing_accesslog" not in plan, plan
            if "user" in query:
                # The user is looked up first: the log is read by its id, not joined on a name.
                assert re.search(r"\(actor_id = \d+\)", plan), plan
