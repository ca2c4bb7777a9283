"""The case page tells one story (issue 18): an annotation added in place reaches the timeline
too, a timeline entry of an item leads to the item, and a place names its state once."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import Jurisdiction
from tests.base import HttpsClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return HttpsClient()


def test_an_annotation_added_with_htmx_goes_on_top_of_the_timeline_too(
    client, trafficking_case, analyst_fl
):
    client.force_login(analyst_fl)
    response = client.post(
        reverse("case-annotate", args=[trafficking_case.pk]), {"body": "Seen in Baton Rouge"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    oob = fragment[fragment.index('hx-swap-oob="afterbegin:#timeline-entries"'):]
    assert 'class="tl tl-annotation"' in oob and "Seen in Baton Rouge" in oob
    page = client.get(reverse("case-detail", args=[trafficking_case.pk])).content.decode()
    assert 'id="timeline-entries"' in page  # the target the fragment names


def test_an_item_annotated_in_place_adds_nothing_to_a_timeline(client, make_item, analyst_fl):
    item = make_item(analyst_fl)
    client.force_login(analyst_fl)
    response = client.post(reverse("item-annotate", args=[item.pk]), {"body": "Checked"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "timeline-entries" not in response.content.decode()


def test_a_timeline_entry_of_an_item_links_to_the_item(client, trafficking_case, analyst_fl):
    item = services.item_create(by=analyst_fl, kind="sar", title="Rest stop sighting",
                                case=trafficking_case, behaviours=["observation_surveillance"])
    client.force_login(analyst_fl)
    page = client.get(reverse("case-detail", args=[trafficking_case.pk])).content.decode()
    timeline = page[page.index('id="timeline-entries"'):]
    assert f'<a href="{reverse("item-detail", args=[item.pk])}">Rest stop sighting</a>' in timeline
    assert 'href="/cases/' + str(trafficking_case.pk) + '/#items"' not in timeline


def test_a_place_names_its_state_once(client, trafficking_case, analyst_fl):
    services.jurisdiction_add(case=trafficking_case, by=analyst_fl, state="CA",
                              county="Los Angeles County", city="Los Angeles")
    client.force_login(analyst_fl)
    page = client.get(reverse("case-detail", args=[trafficking_case.pk])).content.decode()
    places = page[page.index('<ul class="places">'):]
    places = places[:places.index("</ul>")]
    assert "<li>Los Angeles, Los Angeles County, CA\n" in places
    assert "CA CA" not in places and "CA <span" not in places
    assert '>Florida <span class="muted">FL</span>' in places  # a state alone keeps its code
    assert Jurisdiction.objects.filter(case=trafficking_case).count() == 4


@pytest.fixture
def platform_root(db):
    from agencies.models import User

    return User.objects.create_superuser(username="platform_root", password="x" * 16,
                                         email="root@portal.example.gov")


def test_an_account_of_no_agency_is_not_offered_what_it_cannot_do(client, platform_root):
    client.force_login(platform_root)
    for listing, create, words in (
        ("case-list", "case-create", "opens no case"),
        ("item-list", "item-create", "creates no item"),
    ):
        page = client.get(reverse(listing)).content.decode()
        assert f'href="{reverse(create)}"' not in page and words in page
        # Asked for the form anyway: told at once, no form to fill.
        response = client.get(reverse(create))
        assert response.status_code == 403
        body = response.content.decode()
        assert "belongs to no agency" in body and "<form class=\"card" not in body
        assert 'name="title"' not in body
