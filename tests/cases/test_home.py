"""The case list (/cases/): the cases the agency may see, newest change first, a page at a time.

Its cost does not grow with the number of cases (the same exact count for 10 and 200, from
tests/cases/query_counts.py), and its keyset pagination yields every visible case exactly once
and nothing else.
"""

import base64
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import Membership
from cases.models import Case
from cases.selectors import PAGE_SIZE
from core.handling import TLP, Level
from sharing.models import Share
from sharing.services import share
from tests.base import ListPageTests

CASE_LINK = re.compile(r'href="/cases/(\d+)/"')
NEXT_LINK = re.compile(r'href="\?[^"]*cursor=([A-Za-z0-9_\-]+)[^"]*"')


def _open_cases(make_case, user, count, **fields):
    return [make_case(user, states=("FL", "LA"), **fields) for _ in range(count)]


def _case_ids(page):
    return list(dict.fromkeys(int(pk) for pk in CASE_LINK.findall(page)))


class TestHome(ListPageTests):
    """The generic checks, and the same queries for 10 cases as for 200 (a full page): see
    tests/cases/query_counts.py."""

    url_name = "case-list"
    rows_already = 1  # the story's case
    page_size = PAGE_SIZE

    def row_text(self, subject):
        return subject.number

    def rows_on_page(self, response):
        return _case_ids(response.content.decode())

    @pytest.fixture
    def make_row(self, make_case, analyst_fl, analyst_la, cfix):
        """MBI's own cases, and NOPD's shared with the whole of CFIX, in turn."""

        def make(n):
            if n % 2:
                case = make_case(analyst_la, states=("FL", "LA"))
                share(obj=case, by=analyst_la, target=Share.Target.CENTER, center=cfix,
                      level=Level.VIEW)
            else:
                make_case(analyst_fl, states=("FL", "LA"))

        return make

    def test_a_viewer_sees_the_shared_case(self, client, subject, owner, nopd, analyst_la):
        share(obj=subject, by=owner, agency=nopd, level=Level.VIEW)
        client.force_login(analyst_la)
        assert subject.number in client.get("/cases/").content.decode()


@pytest.fixture
def network_of_cases(make_case, analyst_fl, analyst_fl2, analyst_la, outsider, cfix, nopd, mbi,
                     ocso):
    """What MBI may see: 70 cases of its own, 40 NOPD cases shared with MBI by name and 20
    with CFIX as a whole. What it may not: 15 unshared NOPD cases, 10 Houston cases, and 5
    Houston cases shared with OCSO alone (a fellow CFIX member, not MBI)."""
    visible = _open_cases(make_case, analyst_fl, 70)
    for case in _open_cases(make_case, analyst_la, 40, tlp=TLP.GREEN):
        share(obj=case, by=analyst_la, agency=mbi, level=Level.VIEW)
        visible.append(case)
    for case in _open_cases(make_case, analyst_la, 20):
        share(obj=case, by=analyst_la, target=Share.Target.CENTER, center=cfix, level=Level.VIEW)
        visible.append(case)
    invisible = _open_cases(make_case, analyst_la, 15)
    invisible += _open_cases(make_case, outsider, 10)
    for case in _open_cases(make_case, outsider, 5):
        share(obj=case, by=outsider, agency=ocso, level=Level.EDIT)
        invisible.append(case)
    # Many cases changed in the same instant: the id breaks the tie, none is lost or repeated.
    same_instant = timezone.now() - timedelta(days=3)
    tied = [c.pk for c in visible[10:75]] + [c.pk for c in invisible[:10]]
    Case.objects.filter(pk__in=tied).update(updated_at=same_instant)
    return {c.pk for c in visible}, {c.pk for c in invisible}


def _walk(client, url="/cases/"):
    """Follow the 'next' links from the first page to the last; every case id on every page."""
    pages = []
    while True:
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        pages.append(_case_ids(page))
        cursors = set(NEXT_LINK.findall(page))
        if not cursors:
            return pages
        assert len(cursors) == 1
        url = f"/cases/?cursor={cursors.pop()}"
        assert len(pages) < 20, "the pages do not end"


def test_following_next_yields_every_visible_case_once(client, network_of_cases, analyst_fl):
    visible, invisible = network_of_cases
    client.force_login(analyst_fl)
    pages = _walk(client)
    assert [len(p) for p in pages] == [PAGE_SIZE, PAGE_SIZE, len(visible) - 2 * PAGE_SIZE]
    seen = [pk for page in pages for pk in page]
    assert len(seen) == len(set(seen)) == len(visible)
    assert set(seen) == visible
    assert not set(seen) & invisible
    # Newest change first, across page boundaries.
    stamps = dict(Case.objects.filter(pk__in=seen).values_list("pk", "updated_at"))
    order = [(stamps[pk], pk) for pk in seen]
    assert order == sorted(order, reverse=True)


def test_a_suspended_member_stops_seeing_center_wide_cases_on_the_next_page(
    client, network_of_cases, analyst_fl, mbi, cfix
):
    visible, _ = network_of_cases
    client.force_login(analyst_fl)
    Membership.objects.filter(agency=mbi, center=cfix).update(status=Membership.Status.SUSPENDED)
    seen = {pk for page in _walk(client) for pk in page}
    assert len(seen) == len(visible) - 20


def _b64(raw):
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "not-a-cursor",
    "%%%",
    "!!",
    _b64("2026-11-20T10:00:00+00:00|12"),
    _b64(json.dumps({"s": "title", "k": {"t": "s", "v": "x"}, "id": 3})),
    _b64(json.dumps({"s": "updated", "k": {"t": "dt", "v": "yesterday"}, "id": 3})),
    _b64(json.dumps({"s": "updated", "k": {"t": "dt", "v": "2026-11-20T10:00:00"}, "id": "x"})),
    _b64(json.dumps({"s": "updated", "k": {"t": "s", "v": "not a date"}, "id": 3})),
    _b64(json.dumps(["updated"])),
    # JSON as Python reads it takes Infinity, which int() cannot make a whole number of.
    _b64(json.dumps({"s": "updated", "k": {"t": "dt", "v": "2026-11-20T10:00:00+00:00"},
                     "id": float("inf")})),
], ids=lambda cursor: cursor[:16])
def test_a_malformed_cursor_is_a_400_with_a_clear_message(client, trafficking_case, analyst_fl,
                                                          cursor):
    client.force_login(analyst_fl)
    response = client.get("/cases/", {"cursor": cursor})
    assert response.status_code == 400
    assert "That page link is not valid; start again from the first page." in (
        response.content.decode()
    )
