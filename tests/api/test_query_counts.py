"""A page costs the same number of queries for 10 rows as for 500 (STYLE.md: query counts are
part of the contract)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Annotation, Case, CaseEntity, Entity, Jurisdiction
from core.handling import Level
from devtools.bench_api import seed_items
from sharing.models import CaseGroupObjectPermission, Tombstone
from sharing.permissions import _permission_ids

pytestmark = pytest.mark.django_db


def seed_cases(count, *, owner, center, viewer, linker):
    """`count` cases of `owner` shared with `viewer`, each with two states and a subject."""
    now = timezone.now()
    cases = Case.objects.bulk_create(
        Case(
            owner=owner,
            lead_center=center,
            number=f"Q-{count}-{n}",
            title=f"Case {n}",
            updated_at=now + timedelta(microseconds=n),
        )
        for n in range(count)
    )
    owner_perms = _permission_ids(Case, Level.MANAGE)
    view = _permission_ids(Case, Level.VIEW)[0]
    CaseGroupObjectPermission.objects.bulk_create(
        [
            CaseGroupObjectPermission(content_object=c, group_id=owner.group_id, permission_id=p)
            for c in cases
            for p in owner_perms
        ]
        + [
            CaseGroupObjectPermission(
                content_object=c, group_id=viewer.group_id, permission_id=view
            )
            for c in cases
        ]
    )
    Jurisdiction.objects.bulk_create(
        Jurisdiction(case=c, state=s) for c in cases for s in ("FL", "LA")
    )
    entity, _ = Entity.objects.get_or_create(
        kind="email", key="q@example.org", label="q@example.org"
    )
    CaseEntity.objects.bulk_create(
        CaseEntity(case=c, entity=entity, linked_by=linker) for c in cases
    )
    Annotation.objects.bulk_create(
        Annotation(case=c, author=linker, agency=owner, body="Seen.") for c in cases
    )
    return cases


def queries_of(api, url):
    api.get(url)  # warm-up: the key's last_used_at is written on the first use of the minute
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), len(response.json()["results"])


@pytest.fixture
def seeded(request, mbi, nopd, cfix, analyst_fl, analyst_la):
    def seed(count):
        seed_cases(count, owner=mbi, center=cfix, viewer=nopd, linker=analyst_fl)
        seed_items(count=count, agencies=[nopd, mbi], partner=nopd, share_fraction=1.0, seed=count)
        Tombstone.objects.bulk_create(
            Tombstone(agency=nopd, object_type="case", object_id=10**9 + n, reason="unshared")
            for n in range(count)
        )

    return seed


# Per page, for a key: the key with its user and agency (1), the agency's visibility groups (1),
# the page's keys and rows with their subjects and states (1), the access-log row (1); and per
# endpoint:
EXPECTED = {
    "/api/v1/cases/?limit=500": 4,
    "/api/v1/items/?limit=500": 4,  # (no linked case, no RFI on these items)
    "/api/v1/annotations/?limit=500": 4,
    "/api/v1/entities/?limit=500": 4,
    # the key, the page's keys, its rows by id, the groups and the "visible again" check for
    # the one type on the page; no access-log row
    "/api/v1/changes/?limit=500": 1 + 1 + 1 + 1 + 1,
    "/api/v1/agencies/?limit=500": 1 + 1 + 1 + 1,  # key, keys, rows, memberships
}


@pytest.mark.parametrize("url", list(EXPECTED))
def test_a_page_of_500_costs_what_a_page_of_10_costs(api, seeded, partner_key_la, url):
    api.as_key(partner_key_la)
    seeded(10)
    small, rows_small = queries_of(api, url)
    seeded(490)
    large, rows_large = queries_of(api, url)
    if "agencies" not in url:
        assert (rows_small, rows_large) in [(10, 500), (5, 250)] or rows_large > rows_small
    assert small == large == EXPECTED[url], (small, large)


def test_an_item_page_with_linked_cases_and_rfis_adds_two_queries(
    api, trafficking_case, analyst_fl, partner_key_fl
):
    from cases.services import item_create

    rfi = item_create(by=analyst_fl, kind="rfi", title="Who owns the van?")
    item_create(
        by=analyst_fl,
        kind="rfi_response",
        title="Answer",
        in_response_to=rfi,
        case=trafficking_case,
    )
    api.as_key(partner_key_fl)
    count, rows = queries_of(api, "/api/v1/items/?limit=500")
    assert rows == 2
    # The base 4, the linked case and the RFI.
    assert count == 4 + 2
