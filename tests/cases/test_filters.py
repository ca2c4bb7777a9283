"""The filters of the case and item list pages (cases/filters.py) answer as if what the reader's
agency may not see did not exist: an owner whose cases the reader does not see answers as an owner
of nothing, and a case's places are those of a case it sees. The agency menus come from the
directory (the reader's agency and the members of its centers, and a type-to-search for the rest),
never from what is visible.

MBI's tip on the story's case is shared with NOPD, the case is not.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency, Membership
from agencies.selectors import agency_menu
from core.handling import Level
from sharing.services import share
from tests.conftest import fresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(analyst_fl, analyst_la, nopd, tip):
    share(obj=tip, by=analyst_fl, agency=nopd, level=Level.VIEW)
    return fresh(analyst_la)


def missing_agency_id():
    return (Agency.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def answer(client, url_name, params):
    response = client.get(reverse(url_name), params)
    return response.status_code, [str(row.pk) for row in response.context["rows"]], (
        response.context["filter"].form.errors)


def menu_of(response):
    """The agency menu as drawn: (group label, [agency ids]) in order."""
    choices = response.context["filter"].form.fields["owner"].choices
    return [
        (label, [int(str(value)) for value, _ in options])
        for label, options in choices
        if isinstance(options, list)
    ]


def offered(response):
    return {pk for _, ids in menu_of(response) for pk in ids}


@pytest.mark.parametrize("url_name", ["case-list", "item-list"])
def test_an_owner_whose_objects_are_invisible_answers_as_an_owner_of_nothing(
    client, reader, houston, anaheim, make_case, make_item, outsider, url_name
):
    make_case(outsider, states=("TX",))
    make_item(outsider)
    client.force_login(reader)
    invisible = answer(client, url_name, {"owner": houston.pk})
    owns_nothing = answer(client, url_name, {"owner": anaheim.pk})
    assert invisible == owns_nothing == (200, [], {})


@pytest.mark.parametrize("url_name", ["case-list", "item-list"])
@pytest.mark.parametrize("value", ["missing", "abc", "-1", str(10**30), "1.5"])
def test_an_agency_the_directory_does_not_hold_is_a_400_that_says_so(
    client, reader, url_name, value
):
    client.force_login(reader)
    response = client.get(reverse(url_name), {
        "owner": missing_agency_id() if value == "missing" else value})
    assert response.status_code == 400
    assert "The directory holds no such agency" in response.content.decode()


@pytest.mark.parametrize("url_name", ["case-list", "item-list"])
def test_the_menu_offers_the_readers_centers_not_the_owners_of_what_it_sees(
    client, reader, nopd, lsp, mbi, houston, url_name
):
    # NOPD sees MBI's tip, and MBI is no member of LA-SAFE: MBI is not offered. LSP owns
    # nothing and is offered, as NOPD's neighbour in LA-SAFE.
    client.force_login(reader)
    response = client.get(reverse(url_name))
    assert menu_of(response) == [
        ("Your agency and your centers' members", [lsp.pk, nopd.pk]),
    ]
    assert mbi.pk not in offered(response) and houston.pk not in offered(response)


def test_a_suspended_membership_offers_that_center_no_more(client, analyst_fl, mbi, ocso, cfix):
    client.force_login(analyst_fl)
    assert offered(client.get(reverse("case-list"))) == {mbi.pk, ocso.pk}
    Membership.objects.filter(agency=mbi, center=cfix).update(status="suspended")
    assert offered(client.get(reverse("case-list"))) == {mbi.pk}


def test_the_menu_reads_the_directory_alone(reader, make_case, make_item, analyst_fl):
    # Whatever is visible, the menu's cost is that of the directory: no case, item or
    # permission table is read.
    make_case(analyst_fl, states=("LA",))
    make_item(analyst_fl)
    with CaptureQueriesContext(connection) as queries:
        agency_menu(reader, text="Houston")
    assert len(queries) == 2
    for query in queries:
        sql = query["sql"].lower()
        assert "cases_" not in sql and "sharing_" not in sql, sql


@pytest.mark.parametrize("url_name", ["case-list", "item-list"])
def test_an_agency_chosen_from_outside_the_menu_filters_and_stays_chosen(
    client, reader, mbi, tip, url_name
):
    client.force_login(reader)
    response = client.get(reverse(url_name), {"owner": mbi.pk})
    assert response.status_code == 200
    rows = [row.pk for row in response.context["rows"]]
    # The story's case is MBI's but not shared with NOPD: only the tip is listed.
    assert rows == ([tip.pk] if url_name == "item-list" else [])
    assert ("Chosen", [mbi.pk]) in menu_of(response)
    page = response.content.decode()
    assert f'<option value="{mbi.pk}" selected>' in page


def test_without_javascript_the_search_adds_what_it_finds_to_the_menu_and_narrows_nothing(
    client, reader, houston, tip
):
    client.force_login(reader)
    everything = answer(client, "item-list", {})
    response = client.get(reverse("item-list"), {"owner_search": "  houston "})
    assert response.status_code == 200
    assert [row.pk for row in response.context["rows"]] == [int(pk) for pk in everything[1]]
    assert ("\u201chouston\u201d" in menu_of(response)[-1][0]
            and menu_of(response)[-1][1] == [houston.pk])
    by_ori = client.get(reverse("item-list"), {"owner_search": houston.ori[:5].lower()})
    assert menu_of(by_ori)[-1][1] == [houston.pk]


def test_the_state_filter_of_cases_matches_only_cases_the_reader_sees(
    client, reader, trafficking_case
):
    client.force_login(reader)
    assert answer(client, "case-list", {"state": "CA"}) == answer(client, "case-list",
                                                                  {"state": "WY"})
    assert answer(client, "case-list", {"state": "CA"})[:2] == (200, [])
