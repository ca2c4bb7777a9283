"""The filters of the case and item list pages (cases/filters.py) answer as if what the reader's
agency may not see did not exist: the owner an agency may pick is one of what it sees, and a
case's places are those of a case it sees.

MBI's tip on the story's case is shared with NOPD, the case is not.
"""

import pytest
from django.urls import reverse

from agencies.models import Agency
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


@pytest.mark.parametrize("url_name", ["case-list", "item-list"])
def test_an_owner_whose_objects_are_invisible_is_an_owner_that_does_not_exist(
    client, reader, houston, make_case, make_item, outsider, url_name
):
    make_case(outsider, states=("TX",))
    make_item(outsider)
    client.force_login(reader)
    invisible = answer(client, url_name, {"owner": houston.pk})
    missing = answer(client, url_name, {"owner": missing_agency_id()})
    assert invisible == missing
    assert invisible[0] == 400


def test_the_state_filter_of_cases_matches_only_cases_the_reader_sees(
    client, reader, trafficking_case
):
    client.force_login(reader)
    assert answer(client, "case-list", {"state": "CA"}) == answer(client, "case-list",
                                                                  {"state": "WY"})
    assert answer(client, "case-list", {"state": "CA"})[:2] == (200, [])
