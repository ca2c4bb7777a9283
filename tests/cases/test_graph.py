"""The link graph (cases/graph.py): cases, items and subjects around a case, an item or a
subject, hop by hop, within what the reader's agency may see; nothing of a hidden case that
shares a subject (its number, title, or its agency's writing of the subject); filters, the cap,
clear errors, the 404 of a missing object, and as many queries for a small network as a big one."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessLog
from cases import graph, services
from cases.models import Case, Entity
from cases.subjects import visible_subject
from core.handling import TLP, Level
from sharing.services import share
from tests.base import HttpsClient
from tests.conftest import cfr23_labels, fresh

PHONE = "(504) 555-0142"


def client_of(user):
    client = HttpsClient()
    client.force_login(fresh(user))
    return client


def link_phone(by, label, **target):
    return services.entity_link(by=by, kind="phone", label=label, number="504-555-0142",
                                **target)


@pytest.fixture
def network(make_case, make_item, analyst_fl, analyst_la, analyst_ca):
    """MBI's case: the phone and a suspect, and MBI's tip under it naming a Florida plate.
    NOPD's case, shared with MBI: the same phone as NOPD wrote it, and an e-mail address.
    Anaheim's hidden case and tip: the same phone as Anaheim wrote it, and a California plate."""
    mbi_case = make_case(analyst_fl, title="Motel trafficking ring", tlp=TLP.GREEN)
    link_phone(analyst_fl, PHONE, case=mbi_case)
    services.entity_link(by=analyst_fl, case=mbi_case, kind="person", label="Dwayne Halvorsen-Pike",
                         role="suspect", name="Dwayne Halvorsen-Pike", dob="1988-11-27")
    tip = make_item(analyst_fl, title="Van seen at the motel", case=mbi_case)
    services.entity_link(by=analyst_fl, item=tip, kind="vehicle", label="FL QRT 442",
                         plate="QRT442", state="FL")
    nopd_case = make_case(analyst_la, states=("LA",), title="Baton Rouge motel", tlp=TLP.AMBER)
    share(obj=nopd_case, by=analyst_la, agency=analyst_fl.agency, level=Level.VIEW)
    link_phone(analyst_la, "504.555.0142 (burner)", case=nopd_case)
    services.entity_link(by=analyst_la, case=nopd_case, kind="email", label="ring@example.com",
                         address="ring@example.com")
    hidden = make_case(analyst_ca, states=("CA",), title="Anaheim massage parlour secret",
                       number="ANA-SECRET-9", tlp=TLP.AMBER)
    link_phone(analyst_ca, "Anaheim's own writing of the phone", case=hidden)
    services.entity_link(by=analyst_ca, case=hidden, kind="vehicle", label="CA 7ABC123 hidden",
                         plate="7ABC123", state="CA")
    hidden_tip = make_item(analyst_ca, title="Anaheim hidden tip", case=hidden,
                           **cfr23_labels(analyst_ca))
    link_phone(analyst_ca, "Anaheim tip's phone", item=hidden_tip)
    return {"mbi": mbi_case, "tip": tip, "nopd": nopd_case, "hidden": hidden,
            "hidden_tip": hidden_tip, "phone": Entity.objects.get(kind="phone"),
            "person": Entity.objects.get(kind="person"),
            "fl_plate": Entity.objects.get(kind="vehicle", key__contains="QRT442"),
            "ca_plate": Entity.objects.get(kind="vehicle", key__contains="7ABC123"),
            "email": Entity.objects.get(kind="email")}


HIDDEN_WORDS = ("Anaheim massage parlour secret", "ANA-SECRET-9", "Anaheim's own writing",
                "7ABC123", "Anaheim hidden tip", "Anaheim tip's phone")


def answer(user, name, pk, **params):
    response = client_of(user).get(reverse(name, args=[pk]), params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    text = response.content.decode()
    for word in HIDDEN_WORDS:
        assert word not in text
    return json.loads(text)


def ids(data):
    return {node["id"] for node in data["nodes"]}


def edges(data):
    return {(edge["source"], edge["target"]) for edge in data["edges"]}


def test_one_hop_from_a_case_is_its_subjects_and_its_items(network, analyst_fl):
    n = network
    data = answer(analyst_fl, "case-graph", n["mbi"].pk, hops=1)
    assert data["start"] == f"case:{n['mbi'].pk}" and data["truncated"] is False
    assert ids(data) == {f"case:{n['mbi'].pk}", f"subject:{n['phone'].pk}",
                         f"subject:{n['person'].pk}", f"item:{n['tip'].pk}"}
    assert edges(data) == {(f"case:{n['mbi'].pk}", f"subject:{n['phone'].pk}"),
                           (f"case:{n['mbi'].pk}", f"subject:{n['person'].pk}"),
                           (f"item:{n['tip'].pk}", f"case:{n['mbi'].pk}")}
    by_id = {node["id"]: node for node in data["nodes"]}
    case = by_id[f"case:{n['mbi'].pk}"]
    assert (case["number"], case["title"], case["marking"], case["owner"]) == (
        n["mbi"].number, "Motel trafficking ring", "TLP:GREEN", n["mbi"].owner.name)
    assert case["url"] == reverse("case-detail", args=[n["mbi"].pk])
    assert case["expand"] == reverse("case-graph", args=[n["mbi"].pk])
    assert by_id[f"item:{n['tip'].pk}"]["title"] == "Van seen at the motel"
    assert by_id[f"item:{n['tip'].pk}"]["item_kind"] == "tip"
    person = by_id[f"subject:{n['person'].pk}"]
    assert (person["kind"], person["label"]) == ("person", "Dwayne Halvorsen-Pike")
    assert person["url"] == reverse("subject-detail", args=[n["person"].pk])
    suspect = [e for e in data["edges"] if e["target"] == f"subject:{n['person'].pk}"]
    assert suspect[0]["role"] == "suspect"


def test_two_and_three_hops_go_only_through_what_the_agency_sees(network, analyst_fl):
    n = network
    two = answer(analyst_fl, "case-graph", n["mbi"].pk)  # two hops by default
    assert two["hops"] == 2
    assert ids(two) == {f"case:{n['mbi'].pk}", f"subject:{n['phone'].pk}",
                        f"subject:{n['person'].pk}", f"item:{n['tip'].pk}",
                        f"case:{n['nopd'].pk}", f"subject:{n['fl_plate'].pk}"}
    assert (f"case:{n['nopd'].pk}", f"subject:{n['phone'].pk}") in edges(two)
    three = answer(analyst_fl, "case-graph", n["mbi"].pk, hops=3)
    assert ids(three) == ids(two) | {f"subject:{n['email'].pk}"}
    depth = {node["id"]: node["depth"] for node in three["nodes"]}
    assert depth[f"subject:{n['email'].pk}"] == 3 and depth[f"case:{n['nopd'].pk}"] == 2
    for hidden in (f"case:{n['hidden'].pk}", f"item:{n['hidden_tip'].pk}",
                   f"subject:{n['ca_plate'].pk}"):
        assert hidden not in ids(three)
    # MBI's own writing of the phone, never NOPD's nor Anaheim's nor the entity's first label.
    Entity.objects.filter(pk=n["phone"].pk).update(label="typed first, elsewhere")
    three = answer(analyst_fl, "case-graph", n["mbi"].pk, hops=3)
    phone = next(node for node in three["nodes"] if node["id"] == f"subject:{n['phone'].pk}")
    assert phone["label"] == PHONE
    text = json.dumps(three)
    assert "typed first" not in text and "burner" not in text and n["phone"].key not in text


def test_a_subject_reaches_only_the_visible_cases_with_their_own_labels(network, analyst_la):
    n = network
    # NOPD sees its own case only: MBI's case was never shared with it.
    data = answer(analyst_la, "subject-graph", n["phone"].pk, hops=3)
    assert ids(data) == {f"subject:{n['phone'].pk}", f"case:{n['nopd'].pk}",
                         f"subject:{n['email'].pk}"}
    start = data["nodes"][0]
    assert start["id"] == f"subject:{n['phone'].pk}" and start["label"] == "504.555.0142 (burner)"
    assert "Motel trafficking ring" not in json.dumps(data)


def test_an_item_expands_to_its_subjects_and_its_case(network, analyst_fl):
    n = network
    data = answer(analyst_fl, "item-graph", n["tip"].pk, hops=1)
    assert ids(data) == {f"item:{n['tip'].pk}", f"subject:{n['fl_plate'].pk}",
                         f"case:{n['mbi'].pk}"}


def test_filters_by_kind_and_date(network, analyst_fl):
    n = network
    data = answer(analyst_fl, "case-graph", n["mbi"].pk, hops=3, kinds="case,phone")
    assert ids(data) == {f"case:{n['mbi'].pk}", f"subject:{n['phone'].pk}",
                         f"case:{n['nopd'].pk}"}
    assert data["kinds"] == ["case", "phone"]
    Case.objects.filter(pk=n["nopd"].pk).update(created_at="2020-03-01T12:00:00Z")
    since = answer(analyst_fl, "case-graph", n["mbi"].pk, hops=3, since="2021-01-01")
    assert f"case:{n['nopd'].pk}" not in ids(since)
    assert f"subject:{n['email'].pk}" not in ids(since)  # reached only through it
    until = answer(analyst_fl, "subject-graph", n["phone"].pk, hops=1, until="2020-12-31")
    assert ids(until) == {f"subject:{n['phone'].pk}", f"case:{n['nopd'].pk}"}
    day = answer(analyst_fl, "subject-graph", n["phone"].pk, hops=1, since="2020-03-01",
                 until="2020-03-01")
    assert ids(day) == ids(until)


def test_the_answer_is_capped_and_says_so(network, analyst_fl, monkeypatch):
    monkeypatch.setattr(graph, "NODES_SHOWN", 3)
    data = answer(analyst_fl, "case-graph", network["mbi"].pk, hops=3)
    assert len(data["nodes"]) == 3 and data["truncated"] is True
    assert all(e["source"] in ids(data) and e["target"] in ids(data) for e in data["edges"])


@pytest.mark.parametrize("params, message", [
    ({"hops": "4"}, "hops must be 1, 2 or 3"),
    ({"hops": "x"}, "hops must be 1, 2 or 3"),
    ({"kinds": "case,planet"}, "unknown: planet"),
    ({"kinds": ""}, "none was given"),
    ({"since": "2024-13-01"}, "since must be a date"),
    ({"until": "yesterday"}, "until must be a date"),
    ({"since": "2024-02-01", "until": "2024-01-01"}, "since must not be after until"),
])
def test_bad_parameters_are_a_400_naming_them(network, analyst_fl, params, message):
    response = client_of(analyst_fl).get(reverse("case-graph", args=[network["mbi"].pk]), params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_what_the_agency_may_not_see_is_the_404_of_a_missing_one(network, analyst_fl, outsider):
    n = network
    client = client_of(analyst_fl)
    for name, hidden in (("case-graph", n["hidden"].pk), ("item-graph", n["hidden_tip"].pk),
                         ("subject-graph", n["ca_plate"].pk)):
        missing = client.get(reverse(name, args=[hidden + 1000]))
        seen = client.get(reverse(name, args=[hidden]))
        assert missing.status_code == seen.status_code == 404
        assert seen.content == missing.content
    for name, pk in (("case-graph", n["mbi"].pk), ("item-graph", n["tip"].pk),
                     ("subject-graph", n["phone"].pk)):
        missing = client_of(outsider).get(reverse(name, args=[pk + 1000]))
        outside = client_of(outsider).get(reverse(name, args=[pk]))
        assert outside.status_code == 404 and outside.content == missing.content


def test_anonymous_is_sent_to_log_in(network):
    response = HttpsClient().get(reverse("case-graph", args=[network["mbi"].pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_each_answer_is_logged(network, analyst_fl):
    answer(analyst_fl, "case-graph", network["mbi"].pk, hops=1)
    row = AccessLog.objects.filter(actor=analyst_fl, action="read").order_by("-id").first()
    assert row.detail["graph"]["cases"] == [network["mbi"].pk]
    assert row.detail["graph"]["items"] == [network["tip"].pk]


def _queries(user, name, pk, hops, most):
    client = client_of(user)
    client.get(reverse(name, args=[pk]), {"hops": hops})  # session and memoised ids warmed
    with most(MOST_QUERIES[hops]), CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name, args=[pk]), {"hops": hops})
    assert response.status_code == 200
    return len(queries), response.json()


# The session and its user, the subject's visibility (with the agency's groups), per hop at most
# six (subject -> cases, items; case -> subjects, items; item -> subjects, cases), the log row.
MOST_QUERIES = {hops: 5 + 6 * hops for hops in (1, 2, 3)}


@pytest.mark.parametrize("hops", [1, 2, 3])
def test_as_many_queries_for_a_big_neighbourhood_as_a_small_one(
    make_case, make_item, analyst_fl, hops, django_assert_max_num_queries
):
    def neighbourhood(size):
        cases = [make_case(analyst_fl, title=f"Case {size}-{i}") for i in range(size)]
        for i, case in enumerate(cases):
            link_phone(analyst_fl, PHONE, case=case)
            services.entity_link(by=analyst_fl, case=case, kind="person", label=f"P {size} {i}",
                                 name=f"Person {size} {i}", dob="1980-01-01")
            make_item(analyst_fl, title=f"Tip {size}-{i}", case=case, kind="bulletin")
        return Entity.objects.get(kind="phone")

    phone = neighbourhood(2)
    small, small_answer = _queries(analyst_fl, "subject-graph", phone.pk, hops,
                                   django_assert_max_num_queries)
    Entity.objects.all().delete()
    phone = neighbourhood(12)
    big, big_answer = _queries(analyst_fl, "subject-graph", phone.pk, hops,
                               django_assert_max_num_queries)
    assert len(big_answer["nodes"]) > len(small_answer["nodes"])
    assert big == small


def test_the_start_subject_is_visible_exactly_when_the_subject_page_is(
    network, analyst_fl, analyst_la, analyst_ca, outsider
):
    for user in (analyst_fl, analyst_la, analyst_ca, outsider):
        for entity in Entity.objects.all():
            assert (graph.visible_start_subject(fresh(user), entity.pk) is None) == (
                visible_subject(fresh(user), entity.pk) is None), (user, entity)
