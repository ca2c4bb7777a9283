"""A subject's page (cases/subjects.py): where it appears, beside what, and when, within what the
reader's agency may see; nothing of what it may not see (its titles, numbers, the labels other
agencies typed, the match key), and the 404 of a missing subject for one it sees nowhere."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import Entity
from core.handling import TLP, Level
from sharing.services import share
from tests.base import HttpsClient
from tests.conftest import fresh

PHONE = "(504) 555-0142"


def client_of(user):
    client = HttpsClient()
    client.force_login(fresh(user))
    return client


def link_phone(by, label, **target):
    return services.entity_link(by=by, kind="phone", label=label, number="504-555-0142",
                                **target)


@pytest.fixture
def overlap(make_case, analyst_fl, analyst_la, analyst_ca):
    """The same phone on MBI's case (shared with NOPD), on NOPD's own case, and on Anaheim's
    hidden case; a person beside it on MBI's case, a vehicle beside it on the hidden one."""
    mbi_case = make_case(analyst_fl, title="Motel trafficking ring", tlp=TLP.GREEN)
    share(obj=mbi_case, by=analyst_fl, agency=analyst_la.agency, level=Level.VIEW)
    link_phone(analyst_fl, PHONE, case=mbi_case)
    services.entity_link(by=analyst_fl, case=mbi_case, kind="person", label="Dwayne Halvorsen-Pike",
                         role="suspect", name="Dwayne Halvorsen-Pike", dob="1988-11-27")
    nopd_case = make_case(analyst_la, states=("LA",), title="Baton Rouge motel", tlp=TLP.AMBER)
    link_phone(analyst_la, "504.555.0142 (burner)", case=nopd_case)
    hidden = make_case(analyst_ca, states=("CA",), title="Anaheim massage parlour secret",
                       tlp=TLP.AMBER)
    link_phone(analyst_ca, "Anaheim's own writing of the phone", case=hidden)
    services.entity_link(by=analyst_ca, case=hidden, kind="vehicle", label="CA 7ABC123 hidden",
                         plate="7ABC123", state="CA")
    return {"mbi": mbi_case, "nopd": nopd_case, "hidden": hidden,
            "phone": Entity.objects.get(kind="phone")}


def test_a_subject_page_shows_what_the_agency_sees_and_nothing_else(overlap, analyst_la):
    phone = overlap["phone"]
    page = client_of(analyst_la).get(reverse("subject-detail", args=[phone.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    # Its own writing of the subject heads the page; the case shared with it shows MBI's.
    assert "<h1><span class=\"entity-kind\">Phone number</span> 504.555.0142 (burner)</h1>" in text
    for seen in ("Motel trafficking ring", "Baton Rouge motel", PHONE.replace("(", "(")):
        assert seen in text
    assert "Dwayne Halvorsen-Pike" in text  # beside it on a case NOPD sees
    for hidden in ("Anaheim massage parlour secret", overlap["hidden"].number,
                   "Anaheim's own writing", "7ABC123", phone.key):
        assert hidden not in text


def test_an_agency_without_a_link_of_its_own_reads_the_first_visible_label(
    overlap, analyst_fl, analyst_fl2, mbi
):
    # OCSO sees MBI's case through a share: it reads MBI's label, never the entity's first one
    # (typed by whoever linked it first) nor the key.
    share(obj=overlap["mbi"], by=analyst_fl, agency=analyst_fl2.agency, level=Level.VIEW)
    Entity.objects.filter(pk=overlap["phone"].pk).update(label="typed first, elsewhere")
    text = client_of(analyst_fl2).get(
        reverse("subject-detail", args=[overlap["phone"].pk])).content.decode()
    assert f"</span> {PHONE}</h1>" in text
    assert "typed first, elsewhere" not in text and "burner" not in text


def test_a_subject_seen_nowhere_is_the_404_of_a_missing_one(overlap, analyst_fl, outsider):
    vehicle = Entity.objects.get(kind="vehicle")  # on Anaheim's hidden case only
    missing = client_of(analyst_fl).get(reverse("subject-detail", args=[vehicle.pk + 1000]))
    hidden = client_of(analyst_fl).get(reverse("subject-detail", args=[vehicle.pk]))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    outside = client_of(outsider).get(reverse("subject-detail", args=[overlap["phone"].pk]))
    assert outside.status_code == 404 and outside.content == missing.content


def test_subjects_link_to_their_page_and_search_never_shows_a_key(overlap, analyst_fl):
    client = client_of(analyst_fl)
    url = reverse("subject-detail", args=[overlap["phone"].pk])
    case_page = client.get(reverse("case-detail", args=[overlap["mbi"].pk])).content.decode()
    assert f'href="{url}"' in case_page
    found = client.get(reverse("search"), {"q": "5045550142"}).content.decode()
    assert f'href="{url}"' in found
    person = Entity.objects.get(kind="person")
    assert person.key not in found
    assert person.key not in client.get(reverse("search"), {"q": "Halvorsen"}).content.decode()


def test_a_subject_page_costs_the_same_for_2_and_40_appearances(
    make_case, analyst_fl, django_assert_max_num_queries
):
    client = client_of(analyst_fl)

    def appear(n):
        for _ in range(n):
            case = make_case(analyst_fl)
            link_phone(analyst_fl, PHONE, case=case)
            services.entity_link(by=analyst_fl, case=case, kind="email", label="a@example.org",
                                 address="a@example.org")
        return Entity.objects.get(kind="phone")

    counts = []
    for n in (2, 38):
        phone = appear(n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("subject-detail", args=[phone.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
