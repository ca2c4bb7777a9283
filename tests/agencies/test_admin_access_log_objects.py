"""The access log names its objects (issue 18): a case by its number and owner, an item by its id
and owner, with the title and a link only where the reading center admin's agency sees it now.

The center admin reads the log of every member agency, and those agencies read cases the
admin's own agency may not see: of those, the pointer alone (DESIGN.md, "Pointers, not
content"); a title there would be a leak (the canary reads this page and its CSV too).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessLog
from cases import services as case_services
from tests.agencies.query_counts import QUERY_COUNTS

from .admin_actors import *  # noqa: F403 (the fixtures)


@pytest.fixture
def logged(make_case, make_item, analyst_fl, analyst_fl2):
    """MBI reads its own unshared case and item; OCSO (the admin's agency) reads its own."""
    mbi_case = make_case(analyst_fl, title="MBI eyes only: informant handling")
    mbi_item = make_item(analyst_fl, title="MBI eyes only: tip from a source")
    ocso_case = make_case(analyst_fl2, title="Cargo theft at the I-4 depots")
    for user, obj in ((analyst_fl, mbi_case), (analyst_fl, mbi_item), (analyst_fl2, ocso_case)):
        AccessLog.objects.create(action="read", actor=user, agency=user.agency,
                                 object_type=obj._meta.model_name, object_id=obj.pk)
    return mbi_case, mbi_item, ocso_case


def log_page(client, admin_cfix, cfix, **query):
    client.force_login(admin_cfix)
    response = client.get(reverse("center-access-log", args=[cfix.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def test_what_the_admins_agency_sees_is_named_and_linked(client, admin_cfix, cfix, logged):
    mbi_case, mbi_item, ocso_case = logged
    page = log_page(client, admin_cfix, cfix)
    link = reverse("case-detail", args=[ocso_case.pk])
    assert f'<a href="{link}">Case {ocso_case.number} of FL0480000</a>' in page
    assert "Cargo theft at the I-4 depots" in page


def test_what_it_does_not_see_is_a_pointer_without_title_or_link(client, admin_cfix, cfix, logged):
    mbi_case, mbi_item, ocso_case = logged
    page = log_page(client, admin_cfix, cfix)
    assert f"Case {mbi_case.number} of FL0480400" in page
    assert f"Item #{mbi_item.pk} of FL0480400" in page
    assert "MBI eyes only" not in page
    assert reverse("case-detail", args=[mbi_case.pk]) not in page
    assert reverse("item-detail", args=[mbi_item.pk]) not in page
    # Once MBI shares the case with OCSO, the admin reads its title.
    case_services.share_grant(obj=mbi_case, by=mbi_case.created_by, agency=admin_cfix.agency,
                              level=1)
    assert "MBI eyes only: informant handling" in log_page(client, admin_cfix, cfix)


def test_the_object_type_filter_speaks_the_users_words_and_the_filters_share_a_grid(
    client, admin_cfix, cfix
):
    page = log_page(client, admin_cfix, cfix)
    assert '<option value="intelligenceitem">Intelligence item</option>' in page
    assert '<option value="accesslog">Access log (its exports)</option>' in page
    assert ">intelligenceitem<" not in page and ">accesslog<" not in page
    assert '<div class="filter-grid">' in page


@pytest.mark.parametrize("rows", [10, 120])
def test_naming_the_objects_costs_the_same_for_10_rows_and_many(
    client, admin_cfix, cfix, make_case, make_item, analyst_fl, analyst_fl2, rows
):
    # Half of them cases and items of MBI (pointers), half of OCSO (titles).
    for _ in range(rows // 4):
        for user in (analyst_fl, analyst_fl2):
            for obj in (make_case(user), make_item(user)):
                AccessLog.objects.create(action="read", actor=user, agency=user.agency,
                                         object_type=obj._meta.model_name, object_id=obj.pk)
    client.force_login(admin_cfix)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("center-access-log", args=[cfix.pk]))
    assert len(queries) == QUERY_COUNTS["center-access-log (objects)"]
