"""Search finds what users type (cases.search.GLUE): a plate or a phone written in parts inside
free text is found typed whole, and the other way round; a hyphenated name by its parts. On
PostgreSQL through the stored vectors, on SQLite by word matching."""

import pytest

from cases import search as portal_search
from cases import services


@pytest.fixture
def written(make_case, make_item, analyst_fl):
    case = make_case(analyst_fl, title="Stolen pickups",
                     summary="Seen with FL LKR-7Q2 at the truck stop; caller on (407) 555-0148.")
    item = make_item(analyst_fl, title="Recruiter named",
                     body="Dwayne Halvorsen-Pike called from 407.555.0199 twice.")
    note = services.annotation_add(by=analyst_fl, case=case, body="Plate TX 9ZZ-4401 at the motel.")
    return case, item, note


@pytest.mark.parametrize("typed, found", [
    ("LKR7Q2", "case"), ("lkr-7q2", "case"), ("4075550148", "case"), ("407-555-0148", "case"),
    ("(407) 555-0199", "item"), ("4075550199", "item"), ("halvorsen pike", "item"),
    ("Halvorsen-Pike", "item"), ("9ZZ4401", "note"),
])
def test_an_identifier_is_found_however_it_was_typed(written, analyst_fl, typed, found):
    case, item, note = written
    results = portal_search.search(analyst_fl, typed)
    got = {"case": [row.pk for row in results.cases], "item": [row.pk for row in results.items],
           "note": [row.pk for row in results.annotations]}
    expected = {"case": case.pk, "item": item.pk, "note": note.pk}[found]
    assert expected in got[found], (typed, got)


def test_joining_finds_no_more_than_the_identifier(written, analyst_fl):
    results = portal_search.search(analyst_fl, "4075550100")
    assert not (results.cases or results.items or results.annotations)


@pytest.mark.parametrize("text, joined", [
    ("(407) 555-0148", "(4075550148"), ("FL LKR-7Q2", "FL LKR7Q2"), ("TX 9ZZ-4401", "TX 9ZZ4401"),
    ("caller on (407) 555", "caller on (407555"), ("Halvorsen-Pike", "HalvorsenPike"),
    ("a white van, 2015 model", "a white van, 2015 model"),
])
def test_the_parts_of_an_identifier_are_joined(text, joined):
    assert portal_search.glued(text) == joined
