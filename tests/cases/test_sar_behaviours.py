"""Suspicious-activity reports carry the behaviours of the ISE-SAR Functional Standard 1.5.5
(cases/sar.py): a SAR names at least one, no other kind names any, on the pages as in the
services; the item page and the list show them, and the list filters by them at the same cost
for 10 reports as for 500."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AccessLog
from cases import sar, selectors, services
from cases.models import IntelligenceItem, SARBehaviour
from core.handling import Level
from sharing.services import share
from tests.base import ListPageTests
from tests.conftest import cfr23_labels, fresh

pytestmark = pytest.mark.django_db


def codes(error):
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def behaviours_of(item):
    return list(SARBehaviour.objects.filter(item=item).order_by("id")
                .values_list("behaviour", flat=True))


@pytest.fixture
def report(analyst_fl):
    """MBI's SAR: a drone over a water plant (Aviation Activity, Observation/Surveillance)."""
    return services.item_create(
        by=analyst_fl, kind="sar", title="Drone over the water treatment plant",
        behaviours=["observation_surveillance", "aviation_activity"], **cfr23_labels(analyst_fl),
    )


def test_the_standard_lists_sixteen_behaviours_in_two_groups():
    assert len(sar.Behaviour) == 16
    assert [len(members) for members in sar.GROUPS.values()] == [7, 9]
    assert sar.NUMBER["breach"] == 1 and sar.NUMBER["sector_specific_incident"] == 16
    assert sar.LABEL["testing_probing_security"] == "Testing or Probing of Security"


# The rule, in the service -----------------------------------------------------------------------


def test_a_sar_keeps_its_behaviours_once_each_in_the_standards_order(report):
    assert behaviours_of(report) == ["aviation_activity", "observation_surveillance"]


def test_a_sar_without_a_behaviour_is_refused_naming_the_field(analyst_fl):
    with pytest.raises(ValidationError) as refused:
        services.item_create(by=analyst_fl, kind="sar", title="Man photographing a pier")
    assert codes(refused.value) == {"behaviours": ["sar_behaviour_missing"]}
    assert "ISE-SAR Functional Standard 1.5.5" in refused.value.messages[0]
    assert not IntelligenceItem.objects.exists()


@pytest.mark.parametrize("kind", ["tip", "rfi", "bulletin", "report"])
def test_another_kind_refuses_behaviours(analyst_fl, kind):
    with pytest.raises(ValidationError) as refused:
        services.item_create(by=analyst_fl, kind=kind, title="Not a SAR",
                             behaviours=["photography"])
    assert codes(refused.value) == {"behaviours": ["sar_behaviour_not_sar"]}
    assert not IntelligenceItem.objects.exists()


def test_a_behaviour_outside_the_standard_is_refused(analyst_fl):
    with pytest.raises(ValidationError) as refused:
        services.item_create(by=analyst_fl, kind="sar", title="x",
                             behaviours=["photography", "loitering"])
    assert codes(refused.value) == {"behaviours": ["sar_behaviour_unknown"]}
    assert "loitering" in refused.value.messages[0]


def test_an_edit_replaces_them_and_cannot_leave_none(report, analyst_fl):
    updated = services.item_update(item=report, by=analyst_fl, version=report.version,
                                   behaviours=["photography"])
    assert behaviours_of(updated) == ["photography"]
    assert updated.version == report.version + 1
    logged = AccessLog.objects.filter(action="update", object_id=report.pk).latest("id")
    # The fields that changed; no value of them (the log holds no content).
    assert logged.detail["fields"] == ["behaviours"]
    with pytest.raises(ValidationError) as refused:
        services.item_update(item=updated, by=analyst_fl, version=updated.version, behaviours=[])
    assert codes(refused.value) == {"behaviours": ["sar_behaviour_missing"]}
    assert behaviours_of(updated) == ["photography"]


def test_an_edit_of_another_kind_refuses_them(tip, analyst_fl):
    with pytest.raises(ValidationError) as refused:
        services.item_update(item=tip, by=analyst_fl, version=tip.version,
                             behaviours=["photography"])
    assert codes(refused.value) == {"behaviours": ["sar_behaviour_not_sar"]}
    assert not SARBehaviour.objects.exists()


# The pages ----------------------------------------------------------------------------------------


def test_the_create_form_refuses_a_sar_without_one_next_to_the_field(client, analyst_fl):
    client.force_login(analyst_fl)
    response = client.post(reverse("item-create"), {"kind": "sar", "title": "Pier photos",
                                                    "tlp": "AMBER"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["behaviours"]
    assert "at least one behaviour" in errors["behaviours"][0]
    assert not IntelligenceItem.objects.exists()


def test_the_create_form_takes_them(client, analyst_fl):
    client.force_login(analyst_fl)
    response = client.post(reverse("item-create"), {
        "kind": "sar", "title": "Pier photos", "tlp": "AMBER",
        "behaviours": ["photography", "testing_probing_security"],
    })
    assert response.status_code == 302, response.context["form"].errors
    item = IntelligenceItem.objects.get(title="Pier photos")
    assert behaviours_of(item) == ["testing_probing_security", "photography"]


def test_the_create_form_refuses_them_on_a_tip(client, analyst_fl):
    client.force_login(analyst_fl)
    response = client.post(reverse("item-create"), {"kind": "tip", "title": "A tip",
                                                    "tlp": "AMBER", "behaviours": ["photography"]})
    assert response.status_code == 400
    assert "Only a suspicious-activity report" in response.context["form"].errors["behaviours"][0]


def test_the_item_page_shows_them_with_their_numbers(client, report, analyst_fl, analyst_la,
                                                     nopd):
    share(obj=report, by=analyst_fl, agency=nopd, level=Level.VIEW)
    client.force_login(fresh(analyst_la))
    response = client.get(reverse("item-detail", args=[report.pk]))
    assert response.context["behaviours"] == [(7, "Aviation Activity"),
                                              (12, "Observation/Surveillance")]
    page = response.content.decode()
    assert "ISE-SAR behaviours" in page and "Observation/Surveillance" in page


def test_the_edit_form_offers_them_for_a_sar_only(client, report, tip, analyst_fl):
    client.force_login(analyst_fl)
    form = client.get(reverse("item-edit", args=[report.pk])).context["form"]
    assert sorted(form.initial["behaviours"]) == ["aviation_activity", "observation_surveillance"]
    assert "behaviours" not in client.get(reverse("item-edit", args=[tip.pk])).context["form"].fields
    response = client.post(reverse("item-edit", args=[report.pk]), {
        "title": report.title, "body": "", "version": report.version, "tlp": report.tlp,
        "behaviours": ["eliciting_information"],
    })
    assert response.status_code == 302
    assert behaviours_of(report) == ["eliciting_information"]
    refused = client.post(reverse("item-edit", args=[report.pk]), {
        "title": report.title, "body": "", "version": report.version + 1, "tlp": report.tlp,
    })
    assert refused.status_code == 400
    assert "behaviours" in refused.context["form"].errors
    assert behaviours_of(report) == ["eliciting_information"]


def titles(client, **params):
    response = client.get(reverse("item-list"), params)
    assert response.status_code == 200, response.content[:2000]
    return {row.title for row in response.context["rows"]}


def test_the_list_filters_by_behaviour(client, report, tip, analyst_fl, make_item):
    make_item(analyst_fl, kind="sar", title="Pier photos", behaviours=["photography"])
    client.force_login(analyst_fl)
    assert titles(client, behaviour="observation_surveillance") == {report.title}
    assert titles(client, behaviour="photography") == {"Pier photos"}
    assert titles(client, behaviour="cyberattack") == set()
    # With another filter, and in another order (the visibility semi-join, not the range scans).
    assert titles(client, behaviour="photography", kind="sar", sort="title") == {"Pier photos"}
    page = client.get(reverse("item-list")).content.decode()
    assert "Aviation Activity" in page  # a list row shows them


def test_the_filter_answers_what_the_reader_sees_only(client, report, analyst_la, outsider):
    client.force_login(outsider)
    assert titles(client, behaviour="observation_surveillance") == set()


def test_an_unknown_behaviour_is_a_400_that_says_so(client, analyst_fl):
    client.force_login(analyst_fl)
    response = client.get(reverse("item-list"), {"behaviour": "loitering"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


class TestItemListByBehaviour(ListPageTests):
    """The item list filtered by an ISE-SAR behaviour: the same queries for 10 reports as for
    500 (the filter is one semi-join inside the page's query, the behaviours of the rows a
    subquery of it)."""

    url_name = "item-list"
    baseline = "item-list"
    row_counts = (10, 500)
    rows_already = 1  # the subject
    page_size = selectors.PAGE_SIZE

    @pytest.fixture
    def subject(self, report):
        return report

    def row_text(self, subject):
        return subject.title

    def query_url(self, subject):
        return self.url(subject) + "?behaviour=observation_surveillance"

    @pytest.fixture
    def make_row(self, analyst_fl, make_item, trafficking_case):
        """A SAR naming Observation/Surveillance and another behaviour, every other one on the
        story's case (its row names the case: one query a page), and now and then a SAR that
        does not name it (never listed)."""
        others = list(sar.Behaviour)

        def make(n):
            make_item(analyst_fl, kind="sar", title=f"SAR {n}",
                      case=trafficking_case if n % 2 else None,
                      behaviours=["observation_surveillance", others[n % len(others)]])
            if n % 5 == 0:
                make_item(analyst_fl, kind="sar", title=f"Other SAR {n}",
                          behaviours=["cyberattack"])

        return make
