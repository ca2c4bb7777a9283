"""Two agencies that hold the same subject share its normalised key, never their words: each
reads the label its own agency typed, on the case page, in the timeline, in search and in the
API (DESIGN.md, "Pointers, not content"; found by tests/test_canary.py)."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from rest_framework.test import APIClient

from cases import services as case_services
from cases.models import CaseEntity, Entity, ItemEntity
from core.handling import TLP
from tests.api.conftest import key_for
from tests.base import HttpsClient
from tests.conftest import _user

pytestmark = pytest.mark.django_db

MBI_WORDS = "Grey Silverado, owner Dwayne H-P, seen at the Orlando stash house"
VIN = "1HGCM82633A004352"


@pytest.fixture
def held_twice(make_case, analyst_fl, outsider):
    """MBI's TLP:RED case and Houston's own case name the same VIN, in their own words."""
    red = make_case(analyst_fl, tlp=TLP.RED, title="MBI red case")
    mine = make_case(outsider, states=("TX",), lead_center=None, title="Houston's case")
    case_services.entity_link(by=analyst_fl, kind="vin", label=MBI_WORDS, vin=VIN, case=red)
    entity = case_services.entity_link(by=outsider, kind="vin", label="vin 1hgcm82633a004352",
                                       vin=VIN.lower(), case=mine)
    return red, mine, entity


def test_the_later_agency_reads_its_own_label_everywhere(held_twice, outsider, houston):
    red, mine, entity = held_twice
    assert entity.label == "vin 1hgcm82633a004352"  # what entity_link returns to the linker
    client = HttpsClient()
    client.force_login(outsider)
    page = client.get(reverse("case-detail", args=[mine.pk])).content.decode()
    assert "vin 1hgcm82633a004352" in page
    found = client.get(reverse("search"), {"q": VIN}).content.decode()
    assert "vin 1hgcm82633a004352" in found
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key_for(_user('admin_hpd', houston, 'agency_admin'))}")
    answers = [
        api.get(url, secure=True).content.decode()
        for url in ("/api/v1/cases/", f"/api/v1/cases/{mine.pk}/", "/api/v1/entities/",
                    f"/api/v1/entities/{entity.pk}/", f"/api/v1/entities/?key={VIN}")
    ]
    assert all("vin 1hgcm82633a004352" in answer for answer in answers[:4])
    for text in (page, found, *answers):
        assert "Silverado" not in text and "Orlando" not in text


def test_the_first_agency_keeps_its_own_words(held_twice, analyst_fl):
    red, mine, entity = held_twice
    client = HttpsClient()
    client.force_login(analyst_fl)
    page = client.get(reverse("case-detail", args=[red.pk])).content.decode()
    assert "Grey Silverado" in page and "vin 1hgcm82633a004352" not in page
    assert list(CaseEntity.objects.order_by("id").values_list("label", flat=True)) == [
        MBI_WORDS, "vin 1hgcm82633a004352"
    ]


def test_links_made_before_each_kept_its_label_show_no_other_agencys_words(held_twice):
    """The migration that gave each link its label: the first link keeps the entity's label (its
    own agency typed it), a later one shows the normalised key."""
    red, mine, entity = held_twice
    CaseEntity.objects.update(label="")
    Entity.objects.filter(pk=entity.pk).update(label=MBI_WORDS)
    migration = importlib.import_module("cases.migrations.0006_subject_label_per_link")
    migration.labels_to_links(apps, None)
    assert CaseEntity.objects.get(case=red).label == MBI_WORDS
    assert CaseEntity.objects.get(case=mine).label == VIN


def test_an_earlier_item_link_is_the_first_and_a_tie_goes_to_the_case_link(
    held_twice, make_item, analyst_la
):
    """Across cases and items, the earliest link (by time, a case's before an item's at the same
    instant) keeps the entity's label; every other link shows the key."""
    red, mine, entity = held_twice
    item = make_item(analyst_la, title="NOPD tip")
    first = CaseEntity.objects.get(case=red).linked_at
    early = ItemEntity.objects.create(item=item, entity=entity, label="", linked_by=analyst_la,
                                      linked_at=first - timedelta(minutes=1))
    migration = importlib.import_module("cases.migrations.0006_subject_label_per_link")
    Entity.objects.filter(pk=entity.pk).update(label=MBI_WORDS)
    migration.labels_to_links(apps, None)
    early.refresh_from_db()
    assert early.label == MBI_WORDS
    assert set(CaseEntity.objects.values_list("label", flat=True)) == {VIN}
    ItemEntity.objects.filter(pk=early.pk).update(linked_at=first)
    migration.labels_to_links(apps, None)
    assert ItemEntity.objects.get(pk=early.pk).label == VIN
    assert CaseEntity.objects.get(case=red).label == MBI_WORDS
